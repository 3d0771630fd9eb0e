// Schedulers that exist only when their dependencies were found at build time.
#include "schedulers/scheduler.hpp"

namespace schedlab {

void register_optional_schedulers(SchedulerRegistry&) {}

}  // namespace schedlab
