#include "schedlab/cli/profile_view.hpp"

#include <fmt/format.h>

#include <map>

namespace schedlab {

namespace {
std::string rows(std::span<const OpTimes> ops) {
  std::string out = fmt::format("  {:>8}  {:>10}  {:>9}  {:>10}  {:>10}  {:>10}  {}\n", "calls",
                                "total ms", "per call", "working", "lock wait", "GIL wait", "op");
  for (const OpTimes& t : ops) {
    out += fmt::format("  {:>8}  {:>10.1f}  {:>9.3f}  {:>10.1f}  {:>10.1f}  {:>10.1f}  {}\n",
                       t.calls, t.total_ms, t.total_ms / static_cast<double>(t.calls),
                       t.working_ms(), t.lock_wait_ms, t.gil_wait_ms, t.op);
  }
  return out;
}
}  // namespace

std::string profile_table(std::span<const OpTimes> ops) {
  if (ops.empty()) return "  (no task ran)\n";
  std::string out = rows(ops);
  double total = 0, lock = 0, gil = 0;
  for (const OpTimes& t : ops) {
    total += t.total_ms;
    lock += t.lock_wait_ms;
    gil += t.gil_wait_ms;
  }
  if (total > 0) {
    out += fmt::format(
        "  Of {:.1f} ms of task time, {:.0f}% went to waiting for a lock and {:.0f}% "
        "to waiting for the GIL.\n",
        total, 100 * lock / total, 100 * gil / total);
  }
  return out;
}

std::string profile_table(std::span<const OpTimes> ops, const reports::Repetition& profile) {
  if (!profile.trace.empty() || profile.occupancy.empty()) return profile_table(ops);
  return rows(ops) + fmt::format(
                         "  Beyond {} tasks waits are kept for the whole run only: {:.1f} ms "
                         "waiting for locks and {:.1f} ms for the GIL in all.\n",
                         reports::kMaxTaskRecords, profile.lock_wait_ms, profile.gil_wait_ms);
}

std::vector<OpTimes> op_times_of(const reports::Repetition& profile) {
  std::map<std::string, OpTimes, std::less<>> by_op;
  auto add = [&](const std::string& op, const OpTimes& times) {
    auto [it, fresh] = by_op.try_emplace(op, times);
    if (!fresh) it->second.add(times);
  };
  for (const reports::TaskRecord& task : profile.trace) {
    add(task.op, {.op = task.op,
                  .calls = 1,
                  .total_ms = task.end_ms - task.start_ms,
                  .lock_wait_ms = task.lock_wait_ms,
                  .gil_wait_ms = task.gil_wait_ms});
  }
  for (const reports::Occupancy::Series& series : profile.occupancy.series) {
    double busy_ms = 0;
    for (double busy : series.busy_ms) busy_ms += busy;
    add(series.op, {.op = series.op, .calls = series.tasks, .total_ms = busy_ms});
  }
  std::vector<OpTimes> ops;
  for (auto& [name, t] : by_op) ops.push_back(std::move(t));
  longest_first(ops);
  return ops;
}

}  // namespace schedlab
