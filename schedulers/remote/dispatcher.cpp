#include "schedlab/schedulers/remote/dispatcher.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>

#include "schedlab/core/value_codec.hpp"

namespace schedlab::remote {
namespace {

// Policy::work_first: each worker's stack of ready tasks (top at the back), then the roots.
class WorkFirst final : public ReadyTasks {
 public:
  WorkFirst(std::span<const NodeId> roots, unsigned workers) : roots_(roots), own_(workers) {}
  bool empty() const override {
    return next_root_ == roots_.size() &&
           std::all_of(own_.begin(), own_.end(), [](const auto& o) { return o.empty(); });
  }
  // Its own stack's top, the next root, or the bottom (oldest) of the first other stack.
  std::optional<NodeId> peek(unsigned w) override {
    if (!own_[w].empty()) return pick({own_[w].back(), &own_[w], true});
    if (next_root_ < roots_.size()) return pick({roots_[next_root_], nullptr, false});
    for (auto& other : own_) {
      if (!other.empty()) return pick({other.front(), &other, false});
    }
    return std::nullopt;
  }
  void take() override {
    if (!picked_.stack)
      ++next_root_;
    else if (picked_.top)
      picked_.stack->pop_back();
    else
      picked_.stack->pop_front();
  }
  // Newest on top, the first one made ready on the very top: this worker's next task.
  void add(unsigned w, std::span<const NodeId> made_ready) override {
    if (made_ready.empty()) return;
    own_[w].insert(own_[w].end(), made_ready.begin() + 1, made_ready.end());
    own_[w].push_back(made_ready[0]);
  }
  bool has_own(unsigned w) const override { return !own_[w].empty(); }

 private:
  struct Pick {
    NodeId n;
    std::deque<NodeId>* stack;  // nullptr: a root
    bool top;
  };
  NodeId pick(Pick p) {
    picked_ = p;
    return p.n;
  }
  std::span<const NodeId> roots_;
  size_t next_root_ = 0;
  std::vector<std::deque<NodeId>> own_;
  Pick picked_{};
};

// Policy::oldest_first: one queue, oldest first, from which the transport chooses.
class OldestFirst final : public ReadyTasks {
 public:
  OldestFirst(std::span<const NodeId> roots, Transport& t)
      : ready_(roots.begin(), roots.end()), t_(t) {}
  bool empty() const override { return ready_.empty(); }
  std::optional<NodeId> peek(unsigned w) override {
    if (ready_.empty()) return std::nullopt;
    const std::optional<size_t> at = t_.choose(w, ready_);
    if (!at || *at >= ready_.size()) return std::nullopt;
    picked_ = *at;
    return ready_[*at];
  }
  void take() override { ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(picked_)); }
  void add(unsigned, std::span<const NodeId> made_ready) override {
    ready_.insert(ready_.end(), made_ready.begin(), made_ready.end());
  }

 private:
  std::deque<NodeId> ready_;
  Transport& t_;
  size_t picked_ = 0;
};

}  // namespace

Dispatcher::Dispatcher(Execution& ex, Transport& t, Settings s)
    : ex_(ex),
      t_(t),
      s_(s),
      in_flight_(s.workers),
      chunk_results_(s.workers),
      shown_(static_cast<size_t>(s.workers) * s.threads, kNoTask),
      by_load_(s.workers) {
  if (s_.policy == Policy::work_first)
    ready_ = std::make_unique<WorkFirst>(ex.roots(), s.workers);
  else
    ready_ = std::make_unique<OldestFirst>(ex.roots(), t);
}

void Dispatcher::run() {
  for (;;) {
    if (!ex_.stopped()) dispatch();
    if (ex_.stopped()) t_.drop_held();
    const bool got = t_.collect();
    if (ex_.stopped() && total_ > 0 && !drain_until_) {
      // Only a failed task's run waits: a signal or a timeout wants the run ended now.
      drain_until_ = Clock::now() + (ex_.failed_by_a_task() && !signal_requested()
                                         ? t_.drain_grace()
                                         : Clock::duration::zero());
    }
    if (ex_.stopped() &&
        (t_.lost_a_worker() || (total_ > 0 && Clock::now() >= *drain_until_))) {
      abandon();
    }
    if (total_ == 0 && held_total() == 0 && (ready_->empty() || ex_.stopped())) break;
    if (!got) t_.wait();
  }
  t_.finish();
  RunStats& st = ex_.stats();
  st.bytes_to_workers += transfer_.to_workers;
  st.bytes_from_workers += transfer_.from_workers;
  st.serialise_ms += static_cast<double>(transfer_.serialise_ns) / 1e6;
}

void Dispatcher::dispatch() {
  if (s_.chunk > 1) return dispatch_chunks();
  const size_t most = s_.threads * (slow_tasks() ? 1u : kMaxBatch);
  while (!ready_->empty()) {
    // The least loaded worker (of two alike, one with tasks of its own) that has room for the
    // task it would take.
    std::iota(by_load_.begin(), by_load_.end(), 0u);
    std::stable_sort(by_load_.begin(), by_load_.end(), [&](unsigned a, unsigned b) {
      return std::pair(load(a), !ready_->has_own(a)) < std::pair(load(b), !ready_->has_own(b));
    });
    bool gave = false;
    for (unsigned w : by_load_) {
      if (load(w) >= most) break;  // (sorted: the others are full too)
      const std::optional<NodeId> n = ready_->peek(w);
      if (!n) continue;
      const bool greedy = ex_.graph().options(*n).sleep_us > 0 || slow_tasks();
      if (load(w) >= s_.threads * (greedy ? 1u : kMaxBatch)) continue;
      const Outcome o = send(w, *n);
      if (o != Outcome::full) ready_->take();
      if (o != Outcome::gave) return t_.flush();
      gave = true;
      break;
    }
    if (!gave) break;
  }
  t_.flush();
}

void Dispatcher::dispatch_chunks() {
  for (unsigned w = 0; w < s_.workers; ++w) {
    if (load(w) > 0) continue;
    for (unsigned k = 0; k < s_.chunk; ++k) {
      const std::optional<NodeId> n = ready_->peek(w);
      if (!n) return t_.flush();
      const Outcome o = send(w, *n);
      if (o != Outcome::full) ready_->take();
      if (o == Outcome::failed) return t_.flush();
      if (o == Outcome::full) break;  // the next worker may still take a chunk
    }
  }
  t_.flush();
}

Dispatcher::Outcome Dispatcher::send(unsigned w, NodeId n) {
  Transport::Sent sent;
  try {
    sent = t_.send(w, n);
  } catch (const CodecError& e) {
    ex_.fail_task(n, fmt::format("cannot send the arguments to a worker: {}", e.what()));
    return Outcome::failed;
  } catch (const std::exception& e) {
    ex_.fail_infrastructure(e.what());
    return Outcome::failed;
  }
  if (sent == Transport::Sent::full) return Outcome::full;
  if (sent == Transport::Sent::now) {
    in_flight_[w].push_back(n);
    ++total_;
    show_lanes(w);
  }
  return Outcome::gave;
}

bool Dispatcher::returned(unsigned w, NodeId n) {
  auto& flight = in_flight_[w];
  const auto it = std::find(flight.begin(), flight.end(), n);
  if (it == flight.end()) return false;
  flight.erase(it);
  --total_;
  show_lanes(w);
  return true;
}

void Dispatcher::ran(unsigned w, const TaskEvent& ran, Value result) {
  ++completed_;
  const double ns = std::chrono::duration<double, std::nano>(ran.end - ran.start).count();
  run_ns_ += ns;
  run_ns_squared_ += ns * ns;
  if (s_.chunk > 1) {  // a chunk's results count together, when its last is back
    chunk_results_[w].emplace_back(ran, std::move(result));
    if (!in_flight_[w].empty()) return;
    for (auto& [done, value] : chunk_results_[w]) {
      made_ready_.clear();
      ex_.task_ran(done, std::move(value), made_ready_);
      ready_->add(w, made_ready_);
    }
    chunk_results_[w].clear();
    return;
  }
  made_ready_.clear();
  ex_.task_ran(ran, std::move(result), made_ready_);
  ready_->add(w, made_ready_);
}

void Dispatcher::forget(unsigned w) {
  total_ -= in_flight_[w].size();
  in_flight_[w].clear();
  chunk_results_[w].clear();
  show_lanes(w);
}

void Dispatcher::abandon() {
  for (unsigned w = 0; w < s_.workers; ++w) {
    if (!in_flight_[w].empty()) t_.abandon(w);
    forget(w);
  }
  t_.abandoned();
}

// Tells the core which task each of worker w's threads runs (for --task-timeout and the live
// view): the first `threads` in flight. Only where a lane's task changed: telling it again
// would restart that task's clock.
void Dispatcher::show_lanes(unsigned w) {
  for (unsigned t = 0; t < s_.threads; ++t) {
    const NodeId now = t < in_flight_[w].size() ? in_flight_[w][t] : kNoTask;
    NodeId& shown = shown_[lane(w, t)];
    if (now == shown) continue;
    shown = now;
    if (now == kNoTask)
      ex_.worker_idle(lane(w, t));
    else
      ex_.task_began(lane(w, t), now);
  }
}

size_t Dispatcher::held_total() const {
  size_t sum = 0;
  for (unsigned w = 0; w < s_.workers; ++w) sum += t_.held(w);
  return sum;
}

std::string Dispatcher::running_on(unsigned w) const {
  const size_t running = std::min<size_t>(s_.threads, in_flight_[w].size());
  if (running == 0) return "no task";
  std::vector<std::string> tasks;
  for (size_t i = 0; i < running; ++i) {
    const NodeId n = in_flight_[w][i];
    tasks.push_back(fmt::format("task '{}' (op {})", ex_.graph().key(n), ex_.graph().op(n)->name));
  }
  if (running == 1) return tasks.front();
  return fmt::format("{} (its {} threads ran these side by side: which one it was is not known)",
                     fmt::join(tasks, " or "), running);
}

}  // namespace schedlab::remote
