// Durations as people type them on a command line: "100ms" or "0.5s".
#pragma once

#include <string_view>

namespace schedlab {

// Milliseconds from "250ms" or "0.25s" (or "0"), from 0 to max_ms. Anything else (a number
// without its unit, empty, "abc", "0.02x", "-1s", " 5", "0x10") is a UsageError naming `flag`
// and showing how to write one.
double parse_duration_ms(std::string_view text, std::string_view flag, double max_ms = 60'000);

}  // namespace schedlab
