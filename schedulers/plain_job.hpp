// PlainJob: the scheduling core with a plain C++ body per task instead of values and ops.
// It measures what a scheduler itself costs (benchmarks) and tests schedulers without the
// value machinery. Same dependency counting as Execution, nothing else; like every Job it never
// throws from run(): the first exception of a body is kept, the job stops, and finish()
// rethrows it once the scheduler has returned.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>

#include "schedlab/core/plan.hpp"
#include "schedlab/schedulers/execution.hpp"

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
  void run(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept override {
    try {
      body_(n, worker);
    } catch (...) {
      std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
      return;
    }
    for (NodeId s : plan_.succs_of(n)) {
      if (pending_[s].fetch_sub(1, std::memory_order_acq_rel) == 1) ready.push_back(s);
    }
  }
  // After the scheduler returns: rethrows the first exception a body threw.
  void finish() {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  const Plan& plan_;
  Body body_;
  std::unique_ptr<std::atomic<uint32_t>[]> pending_;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace schedlab
