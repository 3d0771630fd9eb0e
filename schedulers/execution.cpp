#include "schedlab/schedulers/execution.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/value_codec.hpp"

namespace schedlab {

Execution::Execution(const Graph& graph, std::shared_ptr<const Plan> plan, RunInfo info,
                     std::vector<Observer*> observers, TaskLocks locks)
    : graph_(graph),
      plan_(std::move(plan)),
      info_(std::move(info)),
      observers_(std::move(observers)),
      locks_(locks),
      nodes_(std::make_unique_for_overwrite<NodeCounters[]>(graph.size())),
      results_(graph.size()),
      arg_buffers_(info_.workers),
      pid_(static_cast<int>(getpid())),
      counters_(info_.workers) {
  info_.graph = &graph_;
  info_.tasks = plan_->tasks;
  info_.plan = plan_.get();
  std::erase(observers_, nullptr);
  for (Observer* o : observers_) {
    if (o->wants_tasks()) task_observers_.push_back(o);
  }
  const uint32_t* pending = plan_->pending.data();
  const uint32_t* succ_begin = plan_->succ_begin.data();
  NodeCounters* nodes = nodes_.get();
  for (NodeId n = 0; n < graph.size(); ++n) {
    nodes[n] = {pending[n], succ_begin[n + 1] - succ_begin[n]};
  }
}

Execution::ResultSlots::ResultSlots(size_t size) : n(size), v(std::allocator<Value>().allocate(n)) {
  std::uninitialized_value_construct_n(v, n);
}

Execution::ResultSlots::~ResultSlots() {
  // A Value that holds no heap memory has nothing to destroy.
  if (may_hold_heap) std::destroy_n(v, n);
  std::allocator<Value>().deallocate(v, n);
}

void Execution::start(Limits limits) {
  started_ = true;
  for (Observer* o : observers_) o->run_started(info_);
  limits_ = limits;
  if (limits.any()) {
    run_stop_ = std::make_unique<RunStop>();
    deadlines_ = std::make_unique<Deadlines>(
        limits, info_.workers, info_.start,
        [this](NodeId n, bool whole_run, Clock::duration ran) { timed_out(n, whole_run, ran); });
  }
}

void Execution::timed_out(NodeId n, bool whole_run, Clock::duration ran) {
  auto ms = [](Clock::duration d) {
    return fmt::format("{:.0f} ms", std::chrono::duration<double, std::milli>(d).count());
  };
  std::string key, op, task = "no task was running";
  if (n != Deadlines::kNone) {
    key = graph_.key(n);
    op = graph_.op(n)->name;
    task = fmt::format("task '{}' (op {}) had been running for {}", key, op, ms(ran));
  }
  std::string message =
      whole_run ? fmt::format("timed out: the run took longer than --timeout {}; {}",
                              ms(limits_.run), task)
                : fmt::format("timed out: task '{}' (op {}) ran longer than --task-timeout {}", key,
                              op, ms(limits_.task));
  // A run that has already failed is stopping anyway: its failure is what the user should see.
  if (record_failure(Failure::timeout, std::move(key), std::move(op), message)) {
    run_stop_->request(message);
  }
}

Execution::~Execution() {
  // A scheduler that threw (a pool that could not start, a lost worker) never reached finish():
  // the observers still get their run_finished, once, so that samplers stop and views let go
  // of the graph.
  if (started_ && !closed_) close_stats();
  results_.may_hold_heap = std::any_of(counters_.begin(), counters_.end(),
                                       [](const WorkerCounters& c) { return c.kept_heap_results; });
}

const Value& Execution::scalar_arg(PackedArg a) const {
  if (a.kind() == PackedArg::literal) return graph_.literal(a.index());
  return graph_.is_task(a.index()) ? results_[a.index()] : graph_.literal_value(a.index());
}

void Execution::resolve(std::span<const PackedArg> items, std::vector<Value>& out) const {
  for (PackedArg a : items) {
    if (a.kind() != PackedArg::list) {
      out.push_back(scalar_arg(a));
      continue;
    }
    std::vector<Value> items_out;
    resolve(graph_.list_items(a.index()), items_out);
    out.emplace_back(List(std::move(items_out)));
  }
}

void Execution::gather_args(NodeId n, std::vector<Value>& out) const {
  out.clear();
  resolve(graph_.args(n), out);
}

void Execution::tell_started(const TaskEvent& e) {
  for (Observer* o : task_observers_) o->task_started(e);
}

void Execution::tell_finished(const TaskEvent& e) {
  for (Observer* o : task_observers_) o->task_finished(e);
}

void Execution::run_plain(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept {
  const Op& op = *graph_.op(n);
  Value result;
  // Each argument as a Value: a task's result or a literal.
  auto call = [&](auto spec, auto arg) {
    if (spec.size() == 1) {
      // Read in place: an input is released only after its last reader completes, and this
      // task is one of its readers.
      result = op.call(ArgSpan(&arg(spec[0]), 1));
      return;
    }
    // Several arguments must sit side by side: copies, built only as many as there are.
    union Args {
      Args() {}
      ~Args() {}
      Value v[Plan::kPlainArgs];
    } args;
    size_t k = 0;
    struct Drop {
      Value* v;
      size_t& k;
      ~Drop() { std::destroy_n(v, k); }
    } drop{args.v, k};
    for (auto a : spec) {
      new (&args.v[k]) Value(arg(a));
      ++k;  // only once built: Drop destroys the first k
    }
    result = op.call(ArgSpan(args.v, k));
  };  // our copies of the arguments go before complete() may release the inputs
  try {
    if (plan_->flags[n] & Plan::kDepArgs) {
      // Its deps are its arguments: no need to read the graph's argument arrays.
      call(plan_->deps_of(n), [this](NodeId d) -> const Value& { return results_[d]; });
    } else {
      call(graph_.args(n), [this](PackedArg a) -> const Value& { return scalar_arg(a); });
    }
  } catch (...) {
    fail_task(n, current_exception_message());
    return;
  }
  complete(n, std::move(result), worker, ready);
}

void Execution::run_links(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept {
  const Plan& p = *plan_;
  const uint8_t* flags = p.flags.data();
  WorkerCounters& c = counters_[worker];
  NodeId d = p.deps[p.dep_begin[n]];
  // Only n reads d's result: it leaves its slot, and each link's result goes straight to the
  // next link, until a task that others wait for in other ways.
  Value in = std::move(results_[d]);
  for (;;) {
    Value out;
    try {
      out = graph_.op(n)->call(ArgSpan(&in, 1));
    } catch (...) {
      keep(c, d, std::move(in));
      fail_task(n, current_exception_message());
      return;
    }
    if (out.kind() == ValueKind::list && too_deep(n, out)) {
      keep(c, d, std::move(in));
      return;
    }
    const bool one_succ = flags[n] & Plan::kOneSucc;
    const NodeId s = one_succ ? p.succs[p.succ_begin[n]] : n;
    if (!one_succ || !(flags[s] & Plan::kLink) || stopped()) {
      keep(c, d, std::move(in));
      complete(n, std::move(out), worker, ready);
      return;
    }
    // What complete() would do for n, whose result only s reads, and for d, released.
    ++c.tasks_run;
    count_live(c, 1, static_cast<int64_t>(out.approx_bytes()));
    count_live(c, -1, -static_cast<int64_t>(in.approx_bytes()));
    std::atomic_ref(nodes_[d].consumers).store(0, std::memory_order_relaxed);
    std::atomic_ref(nodes_[s].pending).store(0, std::memory_order_relaxed);
    in = std::move(out);
    d = n;
    n = s;
  }
}

void Execution::run(NodeId n, unsigned worker, std::vector<NodeId>& ready) noexcept {
  // A scheduler written elsewhere may get its worker numbers wrong: say so rather than write
  // past the per-worker counters.
  if (worker >= counters_.size()) [[unlikely]] {
    fail_infrastructure(fmt::format(
        "the scheduler '{}' ran task '{}' on worker {}, but it has {} worker{} (numbered 0 to {})",
        info_.scheduler, graph_.key(n), worker, counters_.size(), counters_.size() == 1 ? "" : "s",
        counters_.size() - 1));
    return;
  }
  // Most tasks of large graphs: nobody watches them, no limits, no lock, sleep or GIL, a few
  // arguments and no lists. They skip the general path's argument vector and task body.
  // A plain task whose only newly ready successor is plain runs it at once, here.
  if (!observed() && !deadlines_ && !locks_.gil) {
    const uint8_t* flags = plan_->flags.data();
    const size_t before = ready.size();
    for (;;) {
      if (flags[n] & Plan::kLink) {
        run_links(n, worker, ready);
      } else if (flags[n] & Plan::kPlain) {
        run_plain(n, worker, ready);
      } else {
        break;
      }
      if (ready.size() != before + 1 || stopped()) return;
      n = ready.back();
      ready.pop_back();
    }
  }
  const bool observed = this->observed();
  TaskEvent event{n, worker, pid_, {}, {}};
  if (observed) {
    event.start = event.end = Clock::now();
    tell_started(event);
  }
  std::vector<Value>& args = arg_buffers_[worker];
  Value result;
  TaskWaits waits;
  if (deadlines_) deadlines_->begin(worker, n, observed ? event.start : Clock::now());
  RunStopScope stop_with_this_run(run_stop_.get());
  try {
    gather_args(n, args);
    result =
        run_task_body(*graph_.op(n), args, graph_.options(n), locks_, observed ? &waits : nullptr);
  } catch (...) {
    event.failed = true;
    fail_task(n, current_exception_message());
  }
  if (deadlines_) deadlines_->end(worker);
  args.clear();  // drop our references before complete() may release the inputs
  if (observed) {
    event.end = Clock::now();
    event.lock_wait_ms = waits.lock_ms;
    event.gil_wait_ms = waits.gil_ms;
    for (const GilWaitSpan& w : waits.gil_spans)
      tell_span({SpanEvent::Kind::gil_wait, n, worker, w.start, w.end});
    tell_finished(event);
  }
  if (!event.failed) complete(n, std::move(result), worker, ready);
}

void Execution::tell_both(const TaskEvent& ran) {
  TaskEvent started = ran;
  started.end = started.start;
  started.lock_wait_ms = started.gil_wait_ms = 0;
  tell_started(started);
  tell_finished(ran);
}

void Execution::task_ran(const TaskEvent& ran, Value result, std::vector<NodeId>& ready) {
  if (observed()) tell_both(ran);
  complete(ran.node, std::move(result), ran.worker, ready);
}

void Execution::fill_result(NodeId n, Value value, unsigned worker) {
  WorkerCounters& c = counters_[worker];
  count_live(c, 0,
             static_cast<int64_t>(value.approx_bytes()) -
                 static_cast<int64_t>(results_[n].approx_bytes()));
  keep(c, n, std::move(value));
}

void Execution::task_failed(TaskEvent ran, std::string message) {
  ran.failed = true;
  if (observed()) tell_both(ran);
  fail_task(ran.node, std::move(message));
}

void Execution::count_live(WorkerCounters& c, int64_t count, int64_t bytes) {
  // Owner-only read-modify-write: relaxed load and store, no locked instruction.
  int64_t my_count = c.live_count.load(std::memory_order_relaxed) + count;
  int64_t my_bytes = c.live_bytes.load(std::memory_order_relaxed) + bytes;
  c.live_count.store(my_count, std::memory_order_relaxed);
  c.live_bytes.store(my_bytes, std::memory_order_relaxed);
  if (count < 0) return;
  if (counters_.size() > 1) {
    if (c.until_sample-- > 0) return;
    c.until_sample = kPeakSample - 1;
    sample_peak(c);
    return;
  }
  c.peak_count = std::max(c.peak_count, my_count);
  c.peak_bytes = std::max(c.peak_bytes, my_bytes);
}

void Execution::sample_peak(WorkerCounters& c) {
  int64_t count = 0, bytes = 0;
  for (const WorkerCounters& w : counters_) {
    count += w.live_count.load(std::memory_order_relaxed);
    bytes += w.live_bytes.load(std::memory_order_relaxed);
  }
  c.peak_count = std::max(c.peak_count, count);
  c.peak_bytes = std::max(c.peak_bytes, bytes);
}

// Every scheduler holds results to one depth: the value codec's, which values that travel
// between processes must keep to. Checked where a value is made, so that sync and threads do
// not accept what processes refuse, and nothing later (printing, encoding) recurses past it.
bool Execution::too_deep(NodeId n, const Value& result) {
  if (!nested_deeper_than(result, kMaxValueDepth)) return false;
  fail_task(n, fmt::format("its result has lists nested deeper than {} levels, the limit of every "
                           "scheduler (values must be able to travel between processes)",
                           kMaxValueDepth));
  return true;
}

void Execution::complete(NodeId n, Value result, unsigned worker, std::vector<NodeId>& ready) {
  if (result.kind() == ValueKind::list && too_deep(n, result)) return;
  WorkerCounters& c = counters_[worker];
  ++c.tasks_run;
  const Plan& p = *plan_;
  std::span<const NodeId> succs = p.succs_of(n);
  // An intermediate is live until its last consumer has read it.
  if (!succs.empty()) count_live(c, 1, static_cast<int64_t>(result.approx_bytes()));
  keep(c, n, std::move(result));

  // A counter that only this task decrements (its only consumer, its successor's only
  // dependency: every chain and tree edge) is stored, not decremented with a locked
  // instruction: no other thread writes it, and what it guards is published by the queue that
  // hands the ready task on.
  auto last = [](uint32_t& counter, bool only_one) {
    std::atomic_ref shared(counter);
    if (only_one) {
      shared.store(0, std::memory_order_relaxed);
      return true;
    }
    return shared.fetch_sub(1, std::memory_order_acq_rel) == 1;
  };
  const uint8_t* flags = p.flags.data();
  for (NodeId d : p.deps_of(n)) {
    if (last(nodes_[d].consumers, flags[d] & Plan::kOneSucc)) {
      count_live(c, -1, -static_cast<int64_t>(results_[d].approx_bytes()));
      if (!(flags[d] & Plan::kTarget)) results_[d] = Value();  // released: nobody needs it
    }
  }
  for (NodeId s : succs) {
    if (last(nodes_[s].pending, flags[s] & Plan::kOneDep)) ready.push_back(s);
  }
}

bool Execution::record_failure(Failure kind, std::string key, std::string op, std::string message) {
  bool expected = false;
  if (!failed_.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
    // A task that stopped because the run stopped did not fail on its own.
    if (kind == Failure::task && message != Interrupted().what()) {
      std::lock_guard lock(failure_mutex_);
      if (++other_failures_ <= kListedOtherFailures) {
        some_other_failures_.push_back(fmt::format("task '{}' (op {}): {}", key, op, message));
      }
    }
    return false;
  }
  std::lock_guard lock(failure_mutex_);
  failure_ = kind;
  failure_key_ = std::move(key);
  failure_op_ = std::move(op);
  failure_message_ = std::move(message);
  return true;
}

void Execution::fail_task(NodeId n, std::string message) {
  record_failure(Failure::task, std::string(graph_.key(n)), graph_.op(n)->name, std::move(message));
}

void Execution::fail_infrastructure(std::string message) {
  record_failure(Failure::infrastructure, {}, {}, std::move(message));
}

void Execution::close_stats() {
  closed_ = true;
  deadlines_.reset();
  stats_.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - info_.start).count();
  for (const WorkerCounters& c : counters_) {
    stats_.tasks_run += c.tasks_run;
    stats_.peak_live_intermediates =
        std::max(stats_.peak_live_intermediates, static_cast<uint64_t>(c.peak_count));
    stats_.peak_live_bytes = std::max(stats_.peak_live_bytes, static_cast<uint64_t>(c.peak_bytes));
  }
  for (Observer* o : observers_) o->add_figures(stats_);
  for (Observer* o : observers_) o->run_finished(stats_);
}

std::vector<Value> Execution::finish() {
  close_stats();
  {
    std::lock_guard lock(failure_mutex_);
    // A signal wins over everything: a task it stopped failed with "interrupted" only because
    // of it, and Ctrl-C during a timeout still means Ctrl-C.
    if (signal_requested()) throw Interrupted();
    switch (failure_) {
      case Failure::timeout:
        throw TimedOut(failure_message_);
      case Failure::task:
        throw TaskError(failure_key_, failure_op_, failure_message_, other_failures_,
                        some_other_failures_);
      case Failure::infrastructure:
        throw InfrastructureError(failure_message_);
      case Failure::none:
        break;
    }
  }
  if (stats_.tasks_run < plan_->tasks) {
    throw InfrastructureError(fmt::format(
        "the scheduler '{}' returned after {} of {} tasks ran, with no failure or stop: it "
        "lost tasks or returned before they finished",
        info_.scheduler, stats_.tasks_run, plan_->tasks));
  }
  if (stats_.tasks_run > plan_->tasks) {
    throw InfrastructureError(
        fmt::format("the scheduler '{}' ran {} tasks of a graph of {}: it ran some more than once",
                    info_.scheduler, stats_.tasks_run, plan_->tasks));
  }
  std::vector<Value> out;
  out.reserve(plan_->targets.size());
  for (NodeId t : plan_->targets) {
    out.push_back(graph_.is_task(t) ? results_[t] : graph_.literal_value(t));
  }
  return out;
}

}  // namespace schedlab
