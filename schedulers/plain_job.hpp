// PlainJob: the scheduling core with a plain C++ body per task instead of values and ops.
// It measures what a scheduler itself costs (benchmarks) and tests schedulers without the
// value machinery. Same dependency counting as Execution, nothing else.
#pragma once

#include <atomic>
#include <memory>

#include "core/plan.hpp"
#include "schedulers/execution.hpp"

namespace schedlab {

template <class Body>  // void(NodeId, unsigned worker)
class PlainJob final : public Job {
 public:
  PlainJob(const Plan& plan, Body body)
      : plan_(plan),
        body_(std::move(body)),
        pending_(new std::atomic<uint32_t>[plan.pending.size()]) {
    for (size_t n = 0; n < plan.pending.size(); ++n) {
      pending_[n].store(plan.pending[n], std::memory_order_relaxed);
    }
  }
  std::span<const NodeId> roots() const override { return plan_.roots; }
  size_t size() const override { return plan_.tasks; }
  void run(NodeId n, unsigned worker, std::vector<NodeId>& ready) override {
    body_(n, worker);
    for (NodeId s : plan_.succs_of(n)) {
      if (pending_[s].fetch_sub(1, std::memory_order_acq_rel) == 1) ready.push_back(s);
    }
  }

 private:
  const Plan& plan_;
  Body body_;
  std::unique_ptr<std::atomic<uint32_t>[]> pending_;
};

}  // namespace schedlab
