#include <fmt/format.h>

#include "cli/commands.hpp"
#include "schedlab/core/duration.hpp"
#include "schedlab/core/errors.hpp"

namespace schedlab::cli {
namespace {

std::chrono::nanoseconds limit(const std::string& text, std::string_view flag) {
  if (text.empty()) return {};
  const double ms = parse_duration_ms(text, flag, 86'400'000);
  if (ms <= 0)
    throw UsageError(fmt::format("{} {}: a limit must be above 0, such as 30s", flag, text));
  return std::chrono::nanoseconds(static_cast<int64_t>(ms * 1e6));
}

}  // namespace

void LimitArgs::add_options(CLI::App& sub) {
  sub.add_option("--timeout", timeout,
                 "stop with exit 124 when a run takes longer than this (e.g. 30s; in `run`, "
                 "each repetition of a cell)");
  sub.add_option("--task-timeout", task_timeout,
                 "stop with exit 124 when one task runs longer than this (e.g. 5s)");
}

Limits LimitArgs::limits() const {
  return Limits{limit(timeout, "--timeout"), limit(task_timeout, "--task-timeout")};
}

}  // namespace schedlab::cli
