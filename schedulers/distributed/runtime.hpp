// MPI for the distributed scheduler: started once per process, in one of three roles.
//
//   - A process started without a launcher (`schedlab compute -s distributed`) initialises
//     MPI as a singleton when it first needs workers and spawns them (MPI_Comm_spawn), as
//     Dask's Client() starts a LocalCluster: the user never types mpirun on one machine.
//   - Under a launcher (`mpirun -n 5 schedlab ...`, `srun`), rank 0 schedules and ranks 1..4
//     are the workers, for the whole life of the job.
//   - A worker rank (spawned, or rank > 0 under a launcher) serves tasks until told to stop.
#pragma once

#include <mpi.h>

#include <mutex>
#include <string>

namespace schedlab::distributed {

// Started by a launcher or by MPI_Comm_spawn (its environment says so).
bool under_mpi();

// Initialises MPI (thread level serialized) if it is not yet. Idempotent.
void ensure_mpi();

// Under a launcher with more than one rank: the worker ranks it gave us (world size - 1), else 0.
int launched_workers();

// The program worker ranks run when spawned: this program if it calls
// serve_if_distributed_worker() at the start of main, else the schedlab tool
// (SCHEDLAB_WORKER_PROGRAM overrides both).
std::string worker_program();

// This machine's name, as MPI reports it.
const std::string& host_name();

// MPI is initialised for one thread at a time (MPI_THREAD_SERIALIZED): every MPI call of the
// scheduling process is made under this mutex.
std::mutex& mpi_mutex();

// Tells a launched world's workers to leave and finalizes MPI; called at exit.
void finalize_mpi();

// A cluster broke (a worker died): MPI must not be finalized at exit (it would wait for the
// dead), and the process leaves without it.
void note_broken_cluster();

}  // namespace schedlab::distributed
