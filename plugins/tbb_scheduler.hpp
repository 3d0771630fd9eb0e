// oneTBB as a schedlab scheduler (`-s tbb`), written only against the public registration API
// (schedlab/schedulers/scheduler.hpp), as a scheduler engineer's own scheduler would be: the
// proof that the API is enough. The schedlab tool registers it when oneTBB was found.
#pragma once

namespace schedlab::plugins {

void register_tbb_scheduler();

}  // namespace schedlab::plugins
