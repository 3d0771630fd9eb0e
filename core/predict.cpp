#include "schedlab/core/predict.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <queue>

#include "schedlab/core/analysis.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab {

std::string_view policy_name(Policy policy) {
  switch (policy) {
    case Policy::fifo:
      return "oldest ready task first";
    case Policy::work_first:
      return "work-first";
    case Policy::depth_first:
      return "depth-first";
    case Policy::inline_then_fifo:
      return "first successor inline, others in arrival order";
    case Policy::unspecified:
      return "unspecified (predicted as oldest ready task first)";
  }
  return "";
}

std::string_view policy_rule(Policy policy) {
  switch (policy) {
    case Policy::fifo:
      return "a free worker takes the oldest ready task";
    case Policy::work_first:
      return "a worker runs a successor it made ready itself; idle workers take roots or steal "
             "the oldest queued task";
    case Policy::depth_first:
      return "one worker, the newest ready task first";
    case Policy::inline_then_fifo:
      return "a worker runs the first successor it made ready; the others queue in arrival order";
    case Policy::unspecified:
      return "the scheduler promises no order; predicted as: a free worker takes the oldest "
             "ready task";
  }
  return "";
}

unsigned MachineModel::process_count() const {
  switch (processes) {
    case ProcessModel::one_process:
      return 1;
    case ProcessModel::process_per_worker:
      return std::max(1u, workers);
    case ProcessModel::processes_of_threads:
      return std::max(1u, (workers + threads_per_process - 1) / std::max(1u, threads_per_process));
  }
  return 1;
}

unsigned MachineModel::process_of_worker(unsigned worker) const {
  switch (processes) {
    case ProcessModel::one_process:
      return 0;
    case ProcessModel::process_per_worker:
      return worker;
    case ProcessModel::processes_of_threads:
      // Workers are numbered across processes first (worker 1 is the second process's first
      // thread), as the distributed scheduler spreads ready tasks over its ranks.
      return worker % process_count();
  }
  return 0;
}
namespace {

// A resource granted first come, first served, with `free` units.
struct Resource {
  unsigned free = 1;
  std::deque<NodeId> waiting;
};

enum class Stage : uint8_t { lock, gil, core, parent };
enum class Phase : uint8_t { encoded, slept, computed, decoded };

class Simulation {
 public:
  // compute: per node, what its worker spends; encode/decode: what the parent spends on it
  // before and after (empty when workers share the parent's memory).
  Simulation(const Graph& g, const Plan& plan, const std::vector<double>& compute,
             const std::vector<double>& encode, const std::vector<double>& decode,
             const MachineModel& m)
      : g_(g),
        plan_(plan),
        compute_(compute),
        encode_(encode),
        decode_(decode),
        m_(m),
        pending_(plan.pending),
        own_(m.workers),
        worker_of_(g.size()),
        holds_gil_(g.size(), 0),
        process_locks_(m.process_count()),
        gils_(m.process_count()) {
    cores_.free = std::max(1u, m.cores);
  }

  // Where large results stay on their worker (m.kept_bytes): what a task's values cost then
  // depends on where it runs, so it is worked out as the task starts, from these per-node
  // costs (the op's compute, encoding and decoding its value once, its encoded size).
  void keep_large_values(const std::vector<double>& compute, const std::vector<double>& encode,
                         const std::vector<double>& decode, const std::vector<double>& bytes) {
    base_ = &compute, value_encode_ = &encode, value_decode_ = &decode, bytes_ = &bytes;
    kept_.assign(g_.size(), 0);
    fetched_.assign(g_.size(), 0);
    for (NodeId n : plan_.order) {
      kept_[n] = bytes[n] >= static_cast<double>(m_.kept_bytes) && !plan_.is_target(n) &&
                 !plan_.succs_of(n).empty();
      kept_count_ += kept_[n];
    }
  }
  // Tasks on cores at once slow each other (measured.copies > 1): from then on a task's time on a
  // core is work at solo speed, done at a rate that changes whenever one starts or ends there.
  // worker_move: per node, the part of a worker's time that is moving values.
  void share_cores(const TaskCosts::SideBySide& measured, const std::vector<double>& worker_move) {
    if (m_.processes == ProcessModel::one_process || measured.copies < 2 || m_.cores < 2 ||
        (measured.computing <= 1 && measured.moving <= 1))
      return;
    copies_ = measured.copies;
    compute_side_by_side_ = measured.computing;
    move_side_by_side_ = measured.moving;
    worker_move_ = worker_move;
  }

  bool ran_side_by_side() const { return side_by_side_; }
  size_t kept_count() const { return kept_count_; }
  size_t fetched_count() const { return fetched_count_; }
  double parent_moved_ms() const { return parent_moved_; }
  double worker_moved_ms() const { return worker_moved_; }

  double run() {
    ready_.assign(plan_.roots.begin(), plan_.roots.end());
    for (unsigned w = m_.workers; w-- > 0;) idle_.push_back(w);
    assign();
    while (!events_.empty()) {
      auto [t, seq, n, phase, gen] = events_.top();
      events_.pop();
      if (gen != gen_[n]) continue;  // a finish moved when the tasks on cores changed
      now_ = t;
      switch (phase) {
        case Phase::encoded:
          parent_done(n);
          take_lock(n);
          break;
        case Phase::slept:
          after_sleep(n);
          break;
        case Phase::computed:
          compute_done(n);
          break;
        case Phase::decoded:
          parent_done(n);
          finish(n);
          break;
      }
    }
    return now_;
  }

  // The simulated schedule, in order of start.
  std::vector<ScheduledTask> schedule() const {
    std::vector<ScheduledTask> out = schedule_;
    std::stable_sort(out.begin(), out.end(), [](const ScheduledTask& a, const ScheduledTask& b) {
      return a.start_ms < b.start_ms;
    });
    return out;
  }

 private:
  struct Event {
    double time;
    uint64_t seq;  // ties break in order of creation, so the simulation is deterministic
    NodeId node;
    Phase phase;
    uint32_t gen;  // the node's gen_ when pushed; an older one is stale
    bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  struct OnCore {
    NodeId node;
    double work;    // left, at solo speed
    double moving;  // the share of it that is moving values
    Phase phase;    // what its end is
  };

  unsigned process_of(NodeId n) const { return m_.process_of_worker(worker_of_[n]); }
  Resource* lock_of(NodeId n) {
    switch (g_.options(n).lock) {
      case LockKind::process:
        return &process_locks_[process_of(n)];
      case LockKind::global:
        return &global_;
      default:
        return nullptr;
    }
  }

  // A task for idle worker w, or false.
  bool next_for(unsigned w, NodeId& n) {
    if (m_.policy == Policy::work_first || m_.policy == Policy::depth_first) {
      if (!own_[w].empty()) {
        n = own_[w].back();
        own_[w].pop_back();
        return true;
      }
      if (ready_.empty()) {
        for (auto& victim : own_) {
          if (victim.empty()) continue;
          n = victim.front();
          victim.pop_front();
          return true;
        }
        return false;
      }
    }
    if (ready_.empty()) return false;
    size_t i = 0;
    if (base_ && !pick_kept(w, i)) return false;
    n = ready_[i];
    ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
  }

  // As the distributed scheduler picks with kept values: the oldest of the first kLocalityScan
  // tasks whose home (the process keeping the most bytes of its arguments) is w's or that has
  // none; else the oldest whose fetches cost less than waiting for its home (busy workers and
  // the ready tasks of that home before it, one typical task each); else none.
  bool pick_kept(unsigned w, size_t& pick) {
    const unsigned here = m_.process_of_worker(w);
    const double typical = finished_ ? ran_ms_ / static_cast<double>(finished_) : 0;
    const size_t scan = std::min<size_t>(ready_.size(), kLocalityScan);
    std::optional<size_t> steal;
    std::vector<double> per_process(m_.process_count(), 0);
    std::vector<unsigned> queued(m_.process_count(), 0);
    for (unsigned v = 0; v < m_.workers; ++v) {
      if (std::find(idle_.begin(), idle_.end(), v) == idle_.end())
        ++queued[m_.process_of_worker(v)];
    }
    for (size_t i = 0; i < scan; ++i) {
      std::fill(per_process.begin(), per_process.end(), 0.0);
      bool has_home = false;
      double fetch_bytes = 0;
      auto nested = [&](NodeId d) {
        if (kept_[d] && !fetched_[d]) fetch_bytes += (*bytes_)[d];
      };
      for (PackedArg a : g_.args(ready_[i])) {
        if (a.kind() == PackedArg::list) g_.for_each_ref_in(g_.list_items(a.index()), nested);
        if (a.kind() != PackedArg::ref || !kept_[a.index()]) continue;
        const NodeId d = a.index();
        has_home = true;
        per_process[process_of(d)] += (*bytes_)[d];
        if (process_of(d) != here && !fetched_[d]) fetch_bytes += (*bytes_)[d];
      }
      const auto home = static_cast<unsigned>(
          std::max_element(per_process.begin(), per_process.end()) - per_process.begin());
      if (!has_home || home == here) {
        pick = i;
        return true;
      }
      const double wait = typical * queued[home] / std::max(1u, m_.threads_per_process);
      if (!steal && fetch_bytes * m_.fetch_ns_per_byte / 1e6 < wait) steal = i;
      ++queued[home];
    }
    if (steal) pick = *steal;
    return steal.has_value();
  }

  // What task n's values cost on worker w: a value kept in w's process, as an argument of its
  // own, is read in place; another kept one is fetched through the parent (once); the others
  // move as for processes.
  void place(NodeId n, unsigned w) {
    const std::vector<double>&encode = *value_encode_, &decode = *value_decode_;
    double parent = 0, worker = (*base_)[n] + (kept_[n] ? 0 : encode[n]);
    auto moved = [&](NodeId d) {
      if (kept_[d] && !fetched_[d]) {
        fetched_[d] = 1;
        ++fetched_count_;
        // The whole fetch costs fetch_ns_per_byte; the reading worker's decode (below) is
        // part of it, the rest is the parent's (and the holder's) share.
        parent += std::max(0.0, (*bytes_)[d] * m_.fetch_ns_per_byte / 1e6 - decode[d]);
      } else {
        parent += encode[d];
      }
      worker += decode[d];
    };
    for (PackedArg a : g_.args(n)) {
      if (a.kind() == PackedArg::list) g_.for_each_ref_in(g_.list_items(a.index()), moved);
      if (a.kind() != PackedArg::ref) continue;
      if (kept_[a.index()] && process_of(a.index()) == m_.process_of_worker(w)) continue;
      moved(a.index());
    }
    encode_[n] = parent;
    decode_[n] = kept_[n] ? 0 : decode[n];
    compute_[n] = worker;
    if (!worker_move_.empty()) worker_move_[n] = worker - (*base_)[n];
    parent_moved_ += parent + decode_[n];
    worker_moved_ += worker - (*base_)[n];
  }

  void start(NodeId n, unsigned w) {
    worker_of_[n] = w;
    if (base_) place(n, w);
    slot_of_[n] = schedule_.size();
    schedule_.push_back({n, w, now_, now_});
    if (!encode_.empty() && encode_[n] > 0) return use_parent(n, Phase::encoded);
    take_lock(n);
  }

  // The parent encodes n's arguments (or decodes its result) when it is free; the worker waits.
  void use_parent(NodeId n, Phase then) {
    parent_phase_[n] = then;
    if (take(parent_, n)) granted(n, Stage::parent);
  }

  void take_lock(NodeId n) {
    if (Resource* l = lock_of(n)) {
      if (!take(*l, n)) return;  // waits for the lock, holding its worker
    }
    begin_sleep(n);
  }

  void assign() {
    for (size_t i = idle_.size(); i-- > 0;) {
      unsigned w = idle_[i];
      NodeId n;
      if (!next_for(w, n)) continue;
      idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(i));
      for (NodeId more; chunk_[w].size() + 1 < m_.chunksize && next_for(w, more);)
        chunk_[w].push_back(more);
      start(n, w);
    }
  }

  bool take(Resource& r, NodeId n) {
    if (r.free > 0) {
      --r.free;
      return true;
    }
    r.waiting.push_back(n);
    return false;
  }
  void give_back(Resource& r, Stage stage) {
    if (r.waiting.empty()) {
      ++r.free;
      return;
    }
    NodeId next = r.waiting.front();
    r.waiting.pop_front();
    granted(next, stage);
  }
  void granted(NodeId n, Stage stage) {
    switch (stage) {
      case Stage::lock:
        begin_sleep(n);
        break;
      case Stage::gil:
        want_core(n);
        break;
      case Stage::core:
        if (in_parent_[n]) {
          const Phase phase = parent_phase_[n];
          on_core(n, phase == Phase::encoded ? encode_[n] : decode_[n], 1.0, phase);
        } else {
          const double moving = worker_move_.empty() ? 0.0 : worker_move_[n];
          on_core(n, compute_[n], compute_[n] > 0 ? moving / compute_[n] : 0.0, Phase::computed);
        }
        break;
      case Stage::parent:  // the parent's thread computes too, so it needs a core
        in_parent_[n] = 1;
        want_core(n);
        break;
    }
  }

  // The slowdown of each of `on` tasks on cores at once, for work that is computing (factor
  // given at `copies` side by side) or moving values: linear from 1 alone.
  double slowdown(double side_by_side, size_t on) const {
    const auto measured = std::min<size_t>(on, copies_);  // no further than measured
    return 1 + (side_by_side - 1) * static_cast<double>(measured - 1) / (copies_ - 1);
  }
  double rate_divisor(const OnCore& a, size_t on) const {
    return (1 - a.moving) * slowdown(compute_side_by_side_, on) +
           a.moving * slowdown(move_side_by_side_, on);
  }
  // Brings every task on a core to now_ at the rate it had, then (after the caller changed the
  // set) moves each one's finish to where its rate now puts it.
  void progress_on_cores() {
    for (OnCore& a : on_cores_)
      a.work -= (now_ - on_cores_since_) / rate_divisor(a, on_cores_.size());
    on_cores_since_ = now_;
  }
  void reschedule_on_cores() {
    for (const OnCore& a : on_cores_) {
      events_.push({now_ + std::max(0.0, a.work) * rate_divisor(a, on_cores_.size()), seq_++,
                    a.node, a.phase, ++gen_[a.node]});
    }
  }
  void on_core(NodeId n, double work, double moving, Phase then) {
    if (copies_ < 2) {
      events_.push({now_ + work, seq_++, n, then, gen_[n]});
      return;
    }
    progress_on_cores();
    on_cores_.push_back({n, work, moving, then});
    side_by_side_ = side_by_side_ || on_cores_.size() > 1;
    reschedule_on_cores();
  }
  void off_core(NodeId n) {
    if (copies_ < 2) return;
    progress_on_cores();
    std::erase_if(on_cores_, [n](const OnCore& a) { return a.node == n; });
    reschedule_on_cores();
  }

  void begin_sleep(NodeId n) {
    double s = g_.options(n).sleep_ms();
    if (s > 0)
      events_.push({now_ + s, seq_++, n, Phase::slept, gen_[n]});
    else
      after_sleep(n);
  }
  void after_sleep(NodeId n) {
    if (compute_[n] <= 0) return worker_done(n);
    if (m_.gil) {
      holds_gil_[n] = 1;
      if (!take(gils_[process_of(n)], n)) return;
    }
    want_core(n);
  }
  void parent_done(NodeId n) {
    in_parent_[n] = 0;
    off_core(n);
    give_back(cores_, Stage::core);
    give_back(parent_, Stage::parent);
  }
  void want_core(NodeId n) {
    if (take(cores_, n)) granted(n, Stage::core);
  }
  void compute_done(NodeId n) {
    off_core(n);
    give_back(cores_, Stage::core);
    if (holds_gil_[n]) give_back(gils_[process_of(n)], Stage::gil);
    worker_done(n);
  }
  // The op is done; the parent may still have to decode the result.
  void worker_done(NodeId n) {
    if (Resource* l = lock_of(n)) give_back(*l, Stage::lock);
    if (!decode_.empty() && decode_[n] > 0) return use_parent(n, Phase::decoded);
    finish(n);
  }
  void finish(NodeId n) {
    schedule_[slot_of_[n]].end_ms = now_;
    ++finished_;
    ran_ms_ += g_.options(n).sleep_ms() + (base_ ? (*base_)[n] : compute_[n]);
    const unsigned w = worker_of_[n];
    const bool chunked = m_.chunksize > 1;
    if (chunked) {  // the worker goes on with its chunk; the results count when all are done
      held_[w].push_back(n);
      if (!chunk_[w].empty()) {
        const NodeId next = chunk_[w].front();
        chunk_[w].pop_front();
        return start(next, w);
      }
    }
    made_ready_.clear();
    for (NodeId done :
         chunked ? std::span<const NodeId>(held_[w]) : std::span<const NodeId>(&n, 1)) {
      for (NodeId s : plan_.succs_of(done)) {
        if (--pending_[s] == 0) made_ready_.push_back(s);
      }
    }
    if (chunked) held_[w].clear();
    const bool fifo = m_.policy == Policy::fifo || m_.policy == Policy::unspecified;
    const bool continued = !fifo && !chunked && !made_ready_.empty();
    switch (m_.policy) {
      case Policy::fifo:
      case Policy::unspecified:
        ready_.insert(ready_.end(), made_ready_.begin(), made_ready_.end());
        break;
      case Policy::work_first:  // the others on its own stack, newest on top
        own_[w].insert(own_[w].end(), made_ready_.begin() + continued, made_ready_.end());
        break;
      case Policy::depth_first:  // the others on its stack so that they come in order made
        own_[w].insert(own_[w].end(), made_ready_.rbegin(), made_ready_.rend() - continued);
        break;
      case Policy::inline_then_fifo:  // the others at the end of the one queue
        ready_.insert(ready_.end(), made_ready_.begin() + continued, made_ready_.end());
        break;
    }
    // The first ready successor runs at once, on the same worker (all but fifo).
    if (continued) start(made_ready_[0], w);
    if (!continued) idle_.push_back(w);
    std::sort(idle_.begin(), idle_.end(), std::greater<unsigned>());  // lowest id on top
    assign();
  }

  const Graph& g_;
  const Plan& plan_;
  std::vector<double> compute_, encode_, decode_;  // per node: worker, parent before and after
  // keep_large_values: the per-node costs, which results are kept and which were fetched.
  const std::vector<double>*base_ = nullptr, *value_encode_ = nullptr, *value_decode_ = nullptr,
        *bytes_ = nullptr;
  std::vector<uint8_t> kept_, fetched_;
  size_t kept_count_ = 0, fetched_count_ = 0;
  double parent_moved_ = 0, worker_moved_ = 0;
  uint64_t finished_ = 0;
  double ran_ms_ = 0;  // sleep and compute of the tasks finished
  const MachineModel& m_;
  std::vector<uint32_t> pending_;
  std::vector<std::deque<NodeId>> own_;  // work_first: each worker's stack of ready tasks
  std::vector<unsigned> worker_of_;
  std::vector<size_t> slot_of_ = std::vector<size_t>(g_.size());  // index into schedule_
  std::vector<ScheduledTask> schedule_;
  std::vector<NodeId> made_ready_;  // scratch for finish()
  // chunksize > 1: the rest of each worker's chunk, and the tasks of it that are done.
  std::vector<std::deque<NodeId>> chunk_ = std::vector<std::deque<NodeId>>(m_.workers);
  std::vector<std::vector<NodeId>> held_ = std::vector<std::vector<NodeId>>(m_.workers);
  std::vector<uint8_t> holds_gil_;
  std::vector<Phase> parent_phase_ = std::vector<Phase>(g_.size());
  std::vector<uint8_t> in_parent_ = std::vector<uint8_t>(g_.size());
  std::vector<Resource> process_locks_, gils_;
  // share_cores: the measured slowdowns, and the tasks on cores with their work left.
  unsigned copies_ = 1;
  double compute_side_by_side_ = 1, move_side_by_side_ = 1;
  std::vector<double> worker_move_;
  std::vector<OnCore> on_cores_;
  double on_cores_since_ = 0;
  bool side_by_side_ = false;  // two or more were on cores at once
  std::vector<uint32_t> gen_ = std::vector<uint32_t>(g_.size());
  Resource global_, cores_, parent_;
  std::deque<NodeId> ready_;
  std::vector<unsigned> idle_;  // a stack: lowest worker id on top
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  double now_ = 0;
  uint64_t seq_ = 0;
};

}  // namespace

namespace {

// A per-node cost vector as long as the graph (zeros where the given one is short).
std::vector<double> per_node(const Graph& graph, const std::vector<double>& given) {
  std::vector<double> out(graph.size(), 0.0);
  std::copy_n(given.begin(), std::min(given.size(), out.size()), out.begin());
  return out;
}

// Where workers are processes: what the parent spends before (encoding arguments) and after
// (decoding the result) each task, and the worker's share (decoding arguments, encoding the
// result) added to `worker` and kept in `worker_move`. Returns the parent's and the workers'
// totals.
std::pair<double, double> moving_costs(const Graph& graph, const Plan& plan, const TaskCosts& costs,
                                       std::vector<double>& worker,
                                       std::vector<double>& worker_move,
                                       std::vector<double>& before, std::vector<double>& after) {
  const std::vector<double> encode = per_node(graph, costs.encode_ms),
                            decode = per_node(graph, costs.decode_ms);
  before.assign(graph.size(), 0.0);
  after.assign(graph.size(), 0.0);
  double parent = 0, workers = 0;
  for (NodeId n : plan.order) {
    double in_parent = 0, in_worker = encode[n];
    graph.for_each_ref(n, [&](NodeId d) {
      in_parent += encode[d];
      in_worker += decode[d];
    });
    before[n] = in_parent;
    after[n] = decode[n];
    worker[n] += in_worker;
    worker_move[n] = in_worker;
    parent += in_parent + decode[n];
    workers += in_worker;
  }
  return {parent, workers};
}

}  // namespace

Prediction predict(const Graph& graph, std::span<const NodeId> targets, const TaskCosts& costs,
                   const MachineModel& machine, double second_ms) {
  auto plan = plan_for(graph, targets);
  const std::vector<double> compute = per_node(graph, costs.compute_ms);
  Prediction p;
  double sleep_total = 0, compute_total = 0, process_locked = 0, global_locked = 0;
  size_t process_tasks = 0, global_tasks = 0;
  std::vector<double> cost(graph.size(), 0);
  for (NodeId n : plan->order) {
    const double s = graph.options(n).sleep_ms(), c = compute[n];
    sleep_total += s;
    compute_total += c;
    cost[n] = s + c;
    if (graph.options(n).lock == LockKind::process) process_locked += s + c, ++process_tasks;
    if (graph.options(n).lock == LockKind::global) global_locked += s + c, ++global_tasks;
  }
  const CriticalPath critical = critical_path(*plan, cost);
  p.critical_path_ms = critical.ms;
  p.total_work_ms = sleep_total + compute_total;
  const auto workers = static_cast<double>(std::max(1u, machine.workers));
  p.bound_ms = std::max(p.critical_path_ms, p.total_work_ms / workers);
  // Values cross between processes only where workers are processes.
  std::vector<double> worker = compute, worker_move(graph.size(), 0.0), before, after;
  auto [parent_moving, worker_moving] =
      machine.processes == ProcessModel::one_process
          ? std::pair<double, double>{0, 0}
          : moving_costs(graph, *plan, costs, worker, worker_move, before, after);
  const bool keeps = machine.kept_bytes > 0 && machine.processes != ProcessModel::one_process;
  const std::vector<double> encode = per_node(graph, costs.encode_ms),
                            decode = per_node(graph, costs.decode_ms),
                            bytes = per_node(graph, costs.bytes);
  size_t kept = 0, fetched = 0;
  bool side_by_side = false;
  if (plan->tasks) {
    Simulation simulation(graph, *plan, worker, before, after, machine);
    if (keeps) simulation.keep_large_values(compute, encode, decode, bytes);
    simulation.share_cores(costs.side_by_side, worker_move);
    p.predicted_ms = simulation.run();
    p.schedule = simulation.schedule();
    side_by_side = simulation.ran_side_by_side();
    if (keeps) {
      parent_moving = simulation.parent_moved_ms();
      worker_moving = simulation.worker_moved_ms();
      kept = simulation.kept_count();
      fetched = simulation.fetched_count();
    }
  }

  auto ms = [second_ms](double x) {
    return second_ms > 0 ? fmt::format("{:.2f}s", x / second_ms) : fmt::format("{:.1f} ms", x);
  };
  auto tasks = [](size_t n) { return fmt::format("{} task{}", n, n == 1 ? "" : "s"); };
  std::vector<std::string>& why = p.reasoning;
  why.push_back(fmt::format("{} tasks, {} dependencies; total work {} (sleeping {}, computing {})",
                            plan->tasks, plan->edges, ms(p.total_work_ms), ms(sleep_total),
                            ms(compute_total)));
  // A long chain shows its first three and last three tasks.
  std::string chain;
  const std::vector<NodeId>& path = critical.tasks;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.size() > 8 && i >= 3 && i < path.size() - 3) {
      if (i == 3) chain += " -> ...";
      continue;
    }
    chain += (chain.empty() ? "" : " -> ") + std::string(graph.key(path[i]));
  }
  why.push_back(fmt::format("critical path {}: {}", ms(p.critical_path_ms), chain));
  p.critical_chain = std::move(chain);
  why.push_back(fmt::format("bound max(span, work/{}) = max({}, {}) = {}", machine.workers,
                            ms(p.critical_path_ms), ms(p.total_work_ms / workers), ms(p.bound_ms)));
  // A lock, the GIL, too few cores and moving values each either hold a run back from its
  // bound or, where one might expect them to, do not: said apart, so a lesson can tell which.
  auto slower = [&](std::string line) {
    p.slowed_by.push_back(line);
    why.push_back(std::move(line));
  };
  auto not_slower = [&](std::string line) {
    p.not_slowed_by.push_back(line);
    why.push_back(std::move(line));
  };
  if (process_tasks && machine.process_count() > 1) {
    not_slower(
        fmt::format("lock=process on {}: each worker process has its own "
                    "lock, so they do not wait for each other",
                    tasks(process_tasks)));
  }
  // One worker runs every task one after the other whatever it shares: a lock or the GIL
  // costs it nothing, and neither the reasoning nor a lesson may blame them for sync's time.
  const bool alone = machine.workers <= 1;
  if (process_tasks && alone) {
    not_slower(
        fmt::format("lock=process on {}: one worker runs them one after the other anyway, "
                    "so the lock costs it nothing",
                    tasks(process_tasks)));
  }
  if (process_tasks && !alone && machine.process_count() <= 1) {
    slower(
        fmt::format("lock=process on {}: the workers share one process, so "
                    "these tasks take turns: {} one after the other",
                    tasks(process_tasks), ms(process_locked)));
  }
  if (global_tasks && alone) {
    not_slower(fmt::format("lock=global on {}: one worker runs them one after the other anyway",
                           tasks(global_tasks)));
  }
  if (global_tasks && !alone) {
    slower(
        fmt::format("lock=global on {}: every worker takes turns: {} one after "
                    "the other",
                    tasks(global_tasks), ms(global_locked)));
  }
  // Computing below 1% of the work (calibrated microseconds of add or mul) is not worth a line.
  const bool computes = compute_total > 0.01 * p.total_work_ms;
  if (machine.gil && !computes) {
    not_slower(
        "GIL on: these tasks (almost) only sleep, and sleeping releases the GIL, so "
        "it changes (almost) nothing here");
  }
  if (machine.gil && computes && machine.process_count() > 1) {
    not_slower(
        "GIL on: each worker process has its own interpreter lock, so computing runs in "
        "parallel");
  }
  if (machine.gil && computes && alone) {
    not_slower("GIL on: one worker computes alone, so the GIL holds nothing back");
  }
  if (machine.gil && computes && !alone && machine.process_count() <= 1) {
    slower(
        fmt::format("GIL on: threads of one process compute one at a time: {} of computing "
                    "cannot overlap",
                    ms(compute_total)));
  }
  // Moving under 1% of the work (a few small numbers) is not worth a line either.
  if (parent_moving + worker_moving > 0.01 * p.total_work_ms) {
    slower(fmt::format(
        "values move between processes: the parent encodes arguments and decodes results for "
        "one task at a time ({} in all), the workers decode and encode their side ({}); threads "
        "would read them in place",
        ms(parent_moving), ms(worker_moving)));
  }
  if (kept > 0) {
    why.push_back(fmt::format(
        "{} large result{} ({} KiB or more encoded) stay{} on the worker that made {}: tasks "
        "that read one go to that worker when it is free; {} fetched for a task elsewhere "
        "(through the scheduling rank, about {:.0f} ms per MB)",
        kept, kept == 1 ? "" : "s", machine.kept_bytes / 1024, kept == 1 ? "s" : "",
        kept == 1 ? "it" : "them",
        fetched == 0 ? std::string("none is")
                     : fmt::format("{} {}", fetched, fetched == 1 ? "is" : "are"),
        machine.fetch_ns_per_byte));
  }
  // Under 5% is within what timing it can tell; each part is named only where it counts.
  const TaskCosts::SideBySide& measured = costs.side_by_side;
  const bool moves = parent_moving + worker_moving > 0;
  std::vector<std::string> slowed;
  if (measured.computing >= 1.05)
    slowed.push_back(fmt::format("its computing ran {:.2f}x as long", measured.computing));
  if (moves && measured.moving >= 1.05)
    slowed.push_back(fmt::format("moving its costliest value {:.2f}x", measured.moving));
  if (side_by_side && !slowed.empty()) {
    slower(fmt::format(
        "processes side by side slow each other (memory bandwidth, caches): measured here with "
        "{} copies at once in processes, each against one alone, {}",
        measured.copies, fmt::join(slowed, ", ")));
  }
  if (compute_total > 0 && machine.cores < machine.workers) {
    slower(fmt::format("{} workers on {} cores: at most {} tasks compute at once", machine.workers,
                       machine.cores, machine.cores));
  }
  why.push_back(fmt::format("schedule on {} worker{}, {} ({}): {}", machine.workers,
                            machine.workers == 1 ? "" : "s", policy_name(machine.policy),
                            policy_rule(machine.policy), ms(p.predicted_ms)));
  if (machine.chunksize > 1) {
    why.push_back(fmt::format(
        "in chunks of {} (--chunksize, Dask's batching): an idle worker takes up to {} ready "
        "tasks at once and runs them one after the other, and what they make ready waits for "
        "the last of them; tasks that could run side by side may so run in turn",
        machine.chunksize, machine.chunksize));
  }
  if (machine.startup_ms > 0) {
    for (ScheduledTask& t : p.schedule)
      t.start_ms += machine.startup_ms, t.end_ms += machine.startup_ms;
    p.predicted_ms += machine.startup_ms;
    why.push_back(fmt::format(
        "a fresh pool of {} worker process{} for this run (--pool fresh, as Dask's "
        "multiprocessing scheduler starts one per compute): {} to stop the last and start it, "
        "before any task: {} in all",
        machine.workers, machine.workers == 1 ? "" : "es", ms(machine.startup_ms),
        ms(p.predicted_ms)));
  }
  // Why two policies can differ on one graph: who runs out of work, and when.
  if (machine.workers > 1 && !p.schedule.empty()) {
    std::vector<double> last(machine.workers, 0);
    for (const ScheduledTask& t : p.schedule) last[t.worker] = std::max(last[t.worker], t.end_ms);
    auto idlest = std::min_element(last.begin(), last.end());
    const double idle = p.predicted_ms - *idlest;
    if (idle > 0.05 * p.predicted_ms) {
      why.push_back(
          fmt::format("worker {} is idle for the last {}: nothing left that it could "
                      "start (the rest depends on running tasks{})",
                      idlest - last.begin(), ms(idle),
                      process_tasks + global_tasks ? " or waits for a lock" : ""));
    }
  }
  return p;
}

}  // namespace schedlab
