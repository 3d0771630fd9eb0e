#include "schedlab/schedulers/op_profile.hpp"

#include <algorithm>
#include <chrono>

#include "schedlab/core/graph.hpp"

namespace schedlab {
namespace {

// Adds `from` to `into`, both indexed by op id.
void merge(std::vector<OpTimes>& into, const std::vector<OpTimes>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (size_t id = 0; id < from.size(); ++id) {
    const OpTimes& f = from[id];
    if (f.calls == 0) continue;
    into[id].op = f.op;
    into[id].add(f);
  }
}

}  // namespace

void longest_first(std::vector<OpTimes>& ops) {
  std::erase_if(ops, [](const OpTimes& t) { return t.calls == 0; });
  std::stable_sort(ops.begin(), ops.end(),
                   [](const OpTimes& a, const OpTimes& b) { return a.total_ms > b.total_ms; });
}

void OpProfiler::run_started(const RunInfo& info) {
  for (const auto& w : per_worker_) merge(earlier_, w);
  graph_ = info.graph;
  // One table per worker (a lane of the distributed scheduler: workers counts every thread),
  // made here so that task_finished, called by the workers side by side, only touches its own.
  per_worker_.assign(std::max(1u, info.workers), {});
}

void OpProfiler::task_finished(const TaskEvent& e) {
  if (!graph_ || e.worker >= per_worker_.size()) return;
  const Op& op = *graph_->op(e.node);
  auto& table = per_worker_[e.worker];
  if (table.size() <= op.id) table.resize(op.id + 1);
  OpTimes& t = table[op.id];
  if (t.calls == 0) t.op = op.name;
  ++t.calls;
  t.total_ms += std::chrono::duration<double, std::milli>(e.end - e.start).count();
  t.lock_wait_ms += e.lock_wait_ms;
  t.gil_wait_ms += e.gil_wait_ms;
}

std::vector<OpTimes> OpProfiler::table() const {
  std::vector<OpTimes> sum = earlier_;
  for (const auto& w : per_worker_) merge(sum, w);
  longest_first(sum);
  return sum;
}

}  // namespace schedlab
