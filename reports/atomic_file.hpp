// Writing files so that a reader never sees half of one: write a temporary file beside the
// target, then rename it over the target (atomic on POSIX file systems).
#pragma once

#include <string>

namespace schedlab::reports {

// Throws UsageError naming the path if the file cannot be written.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace schedlab::reports
