// Schedulers that exist only when their dependencies were found at build time.
#include "schedlab/schedulers/distributed/protocol.hpp"  // no MPI in it: only constants
#include "schedlab/schedulers/distributed_worker.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {

#ifdef SCHEDLAB_HAVE_OPENMP
std::unique_ptr<Scheduler> make_openmp_scheduler(unsigned workers);
#endif
#ifdef SCHEDLAB_HAVE_MPI
std::unique_ptr<Scheduler> make_distributed_scheduler(const SchedulerConfig& config);
namespace distributed {
void stop_local_cluster_now();  // distributed/cluster.hpp
}  // namespace distributed
#else
void serve_if_distributed_worker(int, char**) {}  // no worker ranks without MPI
#endif

void register_optional_schedulers([[maybe_unused]] SchedulerRegistry& registry) {
#ifdef SCHEDLAB_HAVE_OPENMP
  registry.add({"openmp",
                {"omp"},
                "OpenMP tasks in one parallel region, successors released by atomic counters",
                {.policy = Policy::inline_then_fifo,
                 .processes = ProcessModel::one_process,
                 .bench_baseline = "omp_raw"},
                [](const SchedulerConfig& c) { return make_openmp_scheduler(c.workers); }});
#endif
#ifdef SCHEDLAB_HAVE_MPI
  registry.add({"distributed",
                {"mpi"},
                "worker ranks of an MPI job, each with --threads-per-worker threads; a local "
                "cluster is started when not under mpirun/srun",
                {Policy::fifo, ProcessModel::processes_of_threads, 0, false,
                 distributed::kKeepBytes, distributed::kFetchNsPerByte, true},
                make_distributed_scheduler,
                distributed::stop_local_cluster_now});
#endif
}

}  // namespace schedlab
