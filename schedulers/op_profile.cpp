#include "schedlab/schedulers/op_profile.hpp"

#include <algorithm>
#include <chrono>

#include "schedlab/core/graph.hpp"

namespace schedlab {

void OpProfiler::run_started(const RunInfo& info) {
  for (auto& w : per_worker_) done_.push_back(std::move(w));
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
  std::vector<OpTimes> sum;
  auto add = [&sum](const std::vector<OpTimes>& worker) {
    if (sum.size() < worker.size()) sum.resize(worker.size());
    for (size_t id = 0; id < worker.size(); ++id) {
      const OpTimes& w = worker[id];
      if (w.calls == 0) continue;
      OpTimes& s = sum[id];
      s.op = w.op;
      s.calls += w.calls;
      s.total_ms += w.total_ms;
      s.lock_wait_ms += w.lock_wait_ms;
      s.gil_wait_ms += w.gil_wait_ms;
    }
  };
  for (const auto& w : done_) add(w);
  for (const auto& w : per_worker_) add(w);
  std::erase_if(sum, [](const OpTimes& t) { return t.calls == 0; });
  std::stable_sort(sum.begin(), sum.end(),
                   [](const OpTimes& a, const OpTimes& b) { return a.total_ms > b.total_ms; });
  return sum;
}

}  // namespace schedlab
