#include "schedlab/schedulers/remote/dispatcher.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>

#include "schedlab/core/value_codec.hpp"

namespace schedlab::remote {

std::optional<size_t> transport_choice(Transport& t, unsigned w, const std::deque<NodeId>& ready) {
  return t.choose(w, ready);
}

Dispatcher::Dispatcher(Execution& ex, Transport& t, Settings s)
    : ex_(ex),
      t_(t),
      s_(s),
      ready_(s.policy, ex.roots(), s.workers, t),
      in_flight_(s.workers),
      held_(s.workers),
      chunk_results_(s.workers),
      shown_(static_cast<size_t>(s.workers) * s.threads, kNoTask),
      by_load_(s.workers) {}

void Dispatcher::run() {
  for (;;) {
    if (!ex_.stopped()) dispatch();
    if (ex_.stopped() && held_total_ > 0) {
      t_.drop_held();
      std::fill(held_.begin(), held_.end(), 0);
      held_total_ = 0;
    }
    const bool got = t_.collect();
    if (ex_.stopped() && total_ > 0 && !drain_until_) {
      // Only a failed task's run waits: a signal or a timeout wants the run ended now.
      drain_until_ =
          Clock::now() + (ex_.failed_by_a_task() && !signal_requested() ? t_.drain_grace()
                                                                        : Clock::duration::zero());
    }
    if (ex_.stopped() && (t_.lost_a_worker() || (total_ > 0 && Clock::now() >= *drain_until_))) {
      abandon();
    }
    if (total_ == 0 && held_total_ == 0 && (ready_.empty() || ex_.stopped())) break;
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
  // Less loaded; of two alike, one with tasks of its own.
  auto before = [&](unsigned a, unsigned b) {
    return std::pair(load(a), !ready_.has_own(a)) < std::pair(load(b), !ready_.has_own(b));
  };
  while (!ready_.empty()) {
    // The least loaded worker takes the task it would take, if it has room for it; else the
    // next least loaded, and so on (a rare case: the sort is paid for only then).
    unsigned best = 0;
    for (unsigned w = 1; w < s_.workers; ++w) {
      if (before(w, best)) best = w;
    }
    Try r = try_give(best, most);
    if (r == Try::skip) {
      std::iota(by_load_.begin(), by_load_.end(), 0u);
      std::stable_sort(by_load_.begin(), by_load_.end(), before);
      for (unsigned w : by_load_) {
        if (w == best) continue;
        r = try_give(w, most);
        if (r != Try::skip) break;
      }
    }
    if (r == Try::stop) return t_.flush();
    if (r != Try::gave) break;  // nobody can take a ready task now
  }
  t_.flush();
}

// Worker w takes the task it would take if it has room for it: gave, skip (it has no room for
// that task, or wants none), full (it has no room at all, nor has any worker loaded more), or
// stop (dispatching stops: the send failed, or the worker cannot be reached now).
Dispatcher::Try Dispatcher::try_give(unsigned w, size_t most) {
  if (load(w) >= most) return Try::full;
  const std::optional<NodeId> n = ready_.peek(w);
  if (!n) return Try::skip;
  const bool greedy = ex_.graph().options(*n).sleep_us > 0 || slow_tasks();
  if (load(w) >= s_.threads * (greedy ? 1u : kMaxBatch)) return Try::skip;
  const Outcome o = send(w, *n);
  if (o != Outcome::full) ready_.take();
  return o == Outcome::gave ? Try::gave : Try::stop;
}

void Dispatcher::dispatch_chunks() {
  for (unsigned w = 0; w < s_.workers; ++w) {
    if (load(w) > 0) continue;
    for (unsigned k = 0; k < s_.chunk; ++k) {
      const std::optional<NodeId> n = ready_.peek(w);
      if (!n) return t_.flush();
      const Outcome o = send(w, *n);
      if (o != Outcome::full) ready_.take();
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
  } else {
    ++held_[w];
    ++held_total_;
  }
  return Outcome::gave;
}

bool Dispatcher::returned(unsigned w, NodeId n) {
  auto& flight = in_flight_[w];
  if (!flight.empty() && flight.front() == n) {
    flight.pop_front();  // the usual case: a worker answers in the order it was given tasks
  } else {
    const auto it = std::find(flight.begin(), flight.end(), n);
    if (it == flight.end()) return false;
    flight.erase(it);
  }
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
      ready_.add(w, made_ready_, /*in_order=*/true);
    }
    chunk_results_[w].clear();
    return;
  }
  made_ready_.clear();
  ex_.task_ran(ran, std::move(result), made_ready_);
  ready_.add(w, made_ready_);
}

void Dispatcher::serialised(SpanEvent::Kind kind, NodeId n, int64_t t0_ns, int64_t t1_ns) {
  transfer_.serialise_ns += t1_ns - t0_ns;
  if (ex_.observed() && t1_ns - t0_ns >= std::chrono::nanoseconds(kShortestSpan).count())
    ex_.tell_span({kind, n, kSchedulerLane, from_ns(t0_ns), from_ns(t1_ns)});
}

void Dispatcher::serialised_by_worker(const OutcomeHeader& outcome, unsigned lane) {
  transfer_.serialise_ns += outcome.serialise_ns;
  if (!ex_.observed()) return;
  for (const SpanEvent& s : {outcome.decoded(lane), outcome.encoded(lane)}) {
    if (s.end - s.start >= kShortestSpan) ex_.tell_span(s);
  }
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
