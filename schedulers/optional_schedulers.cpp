// Schedulers that exist only when their dependencies were found at build time.
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab {

#ifdef SCHEDLAB_HAVE_OPENMP
std::unique_ptr<Scheduler> make_openmp_scheduler(unsigned workers);
#endif

void register_optional_schedulers([[maybe_unused]] SchedulerRegistry& registry) {
#ifdef SCHEDLAB_HAVE_OPENMP
  registry.add({"openmp",
                {"omp"},
                "OpenMP tasks in one parallel region, successors released by atomic counters",
                {Policy::inline_then_fifo, ProcessModel::one_process, 0, false},
                make_openmp_scheduler});
#endif
}

}  // namespace schedlab
