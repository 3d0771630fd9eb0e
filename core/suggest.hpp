// "Did you mean": the known name closest to a mistyped one, for error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace schedlab {

// The name in `known` with the fewest edits (insertions, deletions, substitutions, swaps of
// neighbours) from `given`, if it is close enough to be the one meant (at most a third of its
// letters, and at least 1, differ); "" otherwise.
std::string closest_name(std::string_view given, const std::vector<std::string>& known);

// " (did you mean 'threads'?)" or "".
std::string did_you_mean(std::string_view given, const std::vector<std::string>& known);

}  // namespace schedlab
