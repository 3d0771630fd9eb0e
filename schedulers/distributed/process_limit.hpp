// The process limit (`ulimit -u`, RLIMIT_NPROC) against what a local cluster will start. The
// kernel counts every thread of every process of the user against it; when Open MPI's daemon
// cannot fork a rank, or a rank cannot start its threads, MPI_Comm_spawn never returns (#31,
// finding 7), and when the first MPI_Init cannot, Open MPI ends the process without a word.
// So the room is checked before anything is started.
#pragma once

#include <string>

namespace schedlab::distributed {

// Processes and threads a local cluster of `ranks` adds, each rank running
// `threads_per_rank` task threads; with Open MPI's daemon and this process's MPI threads
// unless MPI runs here already. (Counted on this machine: 4 threads in the daemon and in each
// rank of one task thread, 8 in a rank of 4, 3 more here after MPI_Init.)
unsigned cluster_task_count(unsigned ranks, unsigned threads_per_rank, bool mpi_running);

// Why the process limit leaves no room for `needed` more threads: "" when it does, when there
// is no limit, or when this user is exempt from it (root, CAP_SYS_RESOURCE, CAP_SYS_ADMIN).
std::string process_limit_shortfall(unsigned needed);

}  // namespace schedlab::distributed
