// The time per op of a run (schedulers/op_profile.hpp) as a text table, longest first, as
// IPython's %prun prints one.
#pragma once

#include <span>
#include <string>

#include "schedlab/schedulers/op_profile.hpp"

namespace schedlab {

std::string profile_table(std::span<const OpTimes> ops);

}  // namespace schedlab
