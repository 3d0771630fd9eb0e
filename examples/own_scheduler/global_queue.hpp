// Adds the `gq` scheduler (global_queue.cpp) to schedlab's registry.
#pragma once

#include <schedlab/schedulers/scheduler.hpp>

void register_global_queue_scheduler();
