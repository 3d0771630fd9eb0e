#include "schedlab/live/live_state.hpp"

#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "schedlab/core/graph_dot.hpp"
#include "schedlab/core/value_json.hpp"
#include "schedlab/reports/graphviz.hpp"
#include "schedlab/schedulers/proc_stat.hpp"
#include "schedlab/schedulers/resource_usage.hpp"

namespace schedlab::live {
namespace {

constexpr auto kBatchPeriod = std::chrono::milliseconds(100);  // ten batches a second
constexpr int kSampleEvery = 3;          // batches between samples of CPU and memory (3 a second)
constexpr size_t kKeptBatches = 600;     // a minute of batches for readers that fall behind
constexpr size_t kKeptMessages = 200;    // messages in /api/state, the latest
constexpr uint64_t kFirstBatches = 300;  // what a page that opens late gets of the current run

std::string message_json(uint64_t id, const std::string& kind, const std::string& text,
                         double at_ms) {
  return fmt::format(R"({{"id":{},"kind":{},"text":{},"at_ms":{:.1f}}})", id, json_string(kind),
                     json_string(text), at_ms);
}

}  // namespace

LiveState::LiveState() : pid_(static_cast<int>(getpid())), command_start_(Clock::now()) {
  collector_ = std::thread([this] { collect(); });
}

LiveState::~LiveState() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_collector_.notify_all();
  collector_.join();
}

double LiveState::ms_since(Clock::time_point t) const {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void LiveState::run_started(const RunInfo& info) {
  std::lock_guard lock(mutex_);
  // The last run's final bars go out in a batch of their own: a batch's bars are of its run.
  if (!bars_.empty() || skipped_bars_ || dropped_in_batch_) publish_locked();
  run_first_seq_ = next_seq_;
  ++run_;
  running_ = true;
  graph_ = info.graph;
  scheduler_ = info.scheduler;
  workers_ = std::max(1u, info.workers);
  run_start_ = info.start;
  run_wall_ms_ = 0;
  tasks_total_ = info.tasks;
  dropped_bars_ = 0;
  // This runs on the run's clock (after compute() started it), so what can be is kept from the
  // last run: a suite runs each cell's graph several times with the same plan.
  const Graph& g = *info.graph;
  const bool same_graph = info.plan && info.plan == grouped_plan_ && info.graph == grouped_graph_;
  if (!same_graph) group_graph(info);
  drawn_ = info.plan && info.plan->tasks <= kMaxDrawnTasks;
  node_state_.assign(drawn_ ? g.size() : 0, 0);
  lanes_ = std::make_unique<Lane[]>(workers_);
  busy_seen_.assign(workers_, 0);
  busy_since_ms_ = 0;
  for (unsigned w = 0; w < workers_; ++w) {
    lanes_[w].done = std::make_unique<std::atomic<uint64_t>[]>(group_names_.size());
    // Worker processes are known before their first task: processes gives one per worker,
    // distributed one per rank, whose threads are lanes rank, rank + ranks, ... (local ranks
    // only: with remote ones the list is shorter and tasks tell their pids as they finish).
    const size_t pids = info.worker_pids.size();
    if (pids > 0 && workers_ % pids == 0) lanes_[w].pid = info.worker_pids[w % pids];
  }
}

void LiveState::group_graph(const RunInfo& info) {
  const Graph& g = *info.graph;
  grouped_plan_ = info.plan;
  grouped_graph_ = info.graph;
  ++graph_version_;
  // Op groups, as Dask's progress groups tasks by key prefix: "inc 7/10". A graph has few ops,
  // and neighbours mostly share one: the last op found is tried first.
  group_of_.assign(g.size(), 0);
  group_names_.clear();
  group_totals_.clear();
  std::vector<const Op*> ops;
  const Op* last = nullptr;
  uint32_t last_index = 0;
  if (info.plan) {
    for (NodeId n : info.plan->order) {
      const Op* op = g.op(n);
      if (op != last) {
        auto it = std::find(ops.begin(), ops.end(), op);
        if (it == ops.end()) {
          ops.push_back(op);
          group_names_.push_back(op->name);
          group_totals_.push_back(0);
          it = ops.end() - 1;
        }
        last = op;
        last_index = static_cast<uint32_t>(it - ops.begin());
      }
      group_of_[n] = last_index;
      ++group_totals_[last_index];
    }
  }
  if (group_names_.empty()) {
    group_names_.push_back("tasks");
    group_totals_.push_back(info.tasks);
  }
  // Small graphs are drawn with each task's state; the page works out waiting and ready.
  graph_json_.clear();
  if (info.plan && info.plan->tasks <= kMaxDrawnTasks) {
    nlohmann::json nodes = nlohmann::json::array();
    for (NodeId n : info.plan->order) {
      nlohmann::json deps = nlohmann::json::array();
      for (uint32_t i = info.plan->dep_begin[n]; i < info.plan->dep_begin[n + 1]; ++i) {
        deps.push_back(info.plan->deps[i]);
      }
      nodes.push_back({{"id", n}, {"key", g.key(n)}, {"op", g.op(n)->name}, {"deps", deps}});
    }
    graph_json_ =
        nlohmann::json{{"nodes", nodes}, {"dot", graph_to_dot(g, info.plan->targets, "LR")}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

void LiveState::task_started(const TaskEvent& e) {
  Lane& lane = lanes_[e.worker % workers_];
  if (e.pid != pid_) {
    // A worker process's task, told when its result came: what runs there now came through
    // task_began.
    lane.pid.store(e.pid, std::memory_order_relaxed);
    return;
  }
  lane.current_start_ms.store(
      std::chrono::duration<float, std::milli>(e.start - run_start_).count(),
      std::memory_order_relaxed);
  lane.current.store(e.node + 1, std::memory_order_relaxed);
  if (lane.tid.load(std::memory_order_relaxed) == 0) {
    lane.tid.store(static_cast<int>(syscall(SYS_gettid)), std::memory_order_relaxed);
  }
}

void LiveState::worker_idle(unsigned worker) {
  lanes_[worker % workers_].current.store(0, std::memory_order_relaxed);
}

void LiveState::task_began(unsigned worker, NodeId node, Clock::time_point at) {
  Lane& lane = lanes_[worker % workers_];
  lane.current_start_ms.store(std::chrono::duration<float, std::milli>(at - run_start_).count(),
                              std::memory_order_relaxed);
  lane.current.store(node + 1, std::memory_order_relaxed);
}

void LiveState::task_finished(const TaskEvent& e) {
  Lane& lane = lanes_[e.worker % workers_];
  const auto ms = [&](Clock::time_point t) {
    return std::chrono::duration<float, std::milli>(t - run_start_).count();
  };
  const uint64_t head = lane.head.load(std::memory_order_relaxed);
  if (head - lane.tail.load(std::memory_order_acquire) < Lane::kRing) {
    lane.ring[head % Lane::kRing] = {e.node,
                                     ms(e.start),
                                     ms(e.end),
                                     static_cast<float>(e.lock_wait_ms),
                                     static_cast<float>(e.gil_wait_ms),
                                     e.failed};
    lane.head.store(head + 1, std::memory_order_release);
  } else {
    lane.dropped.store(lane.dropped.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  lane.busy_ns.store(
      lane.busy_ns.load(std::memory_order_relaxed) +
          static_cast<uint64_t>(std::max<int64_t>(
              0, std::chrono::duration_cast<std::chrono::nanoseconds>(e.end - e.start).count())),
      std::memory_order_relaxed);
  if (e.failed)
    lane.failed.store(lane.failed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic<uint64_t>& done = lane.done[group_of_.empty() ? 0 : group_of_[e.node]];
  done.store(done.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // The worker's next task may have begun already (a worker process with tasks queued).
  if (lane.current.load(std::memory_order_relaxed) == e.node + 1) {
    lane.current.store(0, std::memory_order_relaxed);
  }
}

void LiveState::run_finished(const RunStats& stats) {
  std::lock_guard lock(mutex_);
  // What is left in the rings goes out with the next batch; the graph may not outlive the run,
  // so keys are taken now.
  drain_locked();
  run_wall_ms_ = stats.wall_ms;
  running_ = false;
  for (unsigned w = 0; w < workers_; ++w) lanes_[w].current.store(0, std::memory_order_relaxed);
  graph_ = nullptr;
}

void LiveState::drain_locked() {
  if (!lanes_ || !graph_) return;
  const Graph& g = *graph_;
  // Each worker gets its share of a batch's bars, so that one busy lane does not hide the others
  // (a drawn graph has fewer tasks than a batch takes: all of them go).
  const size_t quota = drawn_ ? kMaxBarsPerBatch : std::max<size_t>(1, kMaxBarsPerBatch / workers_);
  for (unsigned w = 0; w < workers_; ++w) {
    Lane& lane = lanes_[w];
    const uint64_t head = lane.head.load(std::memory_order_acquire);
    uint64_t tail = lane.tail.load(std::memory_order_relaxed);
    const size_t limit = std::min(kMaxBarsPerBatch, bars_in_batch_ + quota);
    for (; tail < head; ++tail) {
      const Bar& b = lane.ring[tail % Lane::kRing];
      if (drawn_) node_state_[b.node] = b.failed ? 2 : 1;
      if (bars_in_batch_ >= limit) {
        ++skipped_bars_;
        continue;
      }
      if (bars_in_batch_++) bars_ += ',';
      fmt::format_to(std::back_inserter(bars_), R"([{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{},{}])",
                     b.node, json_string(g.key(b.node)), w, b.start_ms, b.end_ms, b.lock_ms,
                     b.gil_ms, b.failed ? 1 : 0, group_of_.empty() ? 0 : group_of_[b.node]);
    }
    lane.tail.store(tail, std::memory_order_release);
    const uint64_t dropped = lane.dropped.exchange(0, std::memory_order_relaxed);
    dropped_bars_ += dropped;
    dropped_in_batch_ += dropped;
  }
}

void LiveState::sample_workers(std::unique_lock<std::mutex>& lock) {
  // Which processes and threads to read, taken under the lock; /proc is read without it (reads
  // can take milliseconds on a busy machine, and run_started waits for this lock).
  struct Target {
    int64_t id;  // a worker process's pid, or -tid for a thread of this process
  };
  std::vector<Target> targets;
  const uint64_t run = run_;
  for (unsigned w = 0; lanes_ && w < workers_; ++w) {
    const int pid = lanes_[w].pid.load(std::memory_order_relaxed);
    const int tid = lanes_[w].tid.load(std::memory_order_relaxed);
    targets.push_back({pid != 0 && pid != pid_ ? pid : tid != 0 ? -int64_t{tid} : 0});
  }
  lock.unlock();
  const ProcStat self = read_proc_stat(pid_);
  std::vector<ProcStat> stats;
  for (const Target& t : targets) {
    stats.push_back(t.id > 0   ? read_proc_stat(static_cast<pid_t>(t.id))
                    : t.id < 0 ? read_thread_stat(static_cast<pid_t>(-t.id))
                               : ProcStat{});
  }
  const auto now = Clock::now();
  lock.lock();
  proc_rss_ = self.rss_bytes;
  if (run != run_ || !lanes_) return;  // another run began meanwhile: its lanes are new
  for (unsigned w = 0; w < workers_ && w < targets.size(); ++w) {
    ProcStat& s = stats[w];
    if (!s.read) continue;
    if (targets[w].id < 0) s.rss_bytes = self.rss_bytes;  // threads share the process's memory
    // Pools outlive runs: the last sample of a worker, whatever run took it, gives its rate.
    auto [it, first] = cpu_seen_.try_emplace(targets[w].id, CpuSeen{s.cpu_ms, now});
    const double seconds = std::chrono::duration<double>(now - it->second.at).count();
    Lane& lane = lanes_[w];
    if (!first && seconds > 0) {
      lane.cpu_percent = std::clamp((s.cpu_ms - it->second.cpu_ms) / (seconds * 10), 0.0, 100.0);
    }
    it->second = {s.cpu_ms, now};
    lane.rss_bytes = s.rss_bytes;
  }
}

void LiveState::collect() {
  std::unique_lock lock(mutex_);
  for (int tick = 0; !stopping_; ++tick) {
    if (running_) drain_locked();
    if (tick % kSampleEvery == 0) sample_workers(lock);
    if (stopping_) break;
    publish_locked();
    stop_collector_.wait_for(lock, kBatchPeriod, [this] { return stopping_; });
  }
}

void LiveState::publish_locked() {
  std::string batch =
      fmt::format(R"({{"seq":{},"state":{},"bars":[{}],"skipped":{})", next_seq_,
                  state_json_locked(false), bars_, skipped_bars_ + dropped_in_batch_);
  // Where bars were left out, each worker's busy time since the last batch says how full its
  // lane was, so that the page does not show a busy worker as idle.
  if (lanes_ && (skipped_bars_ + dropped_in_batch_) > 0) {
    const double now_ms = running_ ? ms_since(run_start_) : run_wall_ms_;
    batch += fmt::format(R"(,"busy":{{"t0":{:.3f},"t1":{:.3f},"ms":[)", busy_since_ms_, now_ms);
    for (unsigned w = 0; w < workers_; ++w) {
      const uint64_t busy = lanes_[w].busy_ns.load(std::memory_order_relaxed);
      batch +=
          fmt::format("{}{:.3f}", w ? "," : "", static_cast<double>(busy - busy_seen_[w]) / 1e6);
    }
    batch += "]}";
  }
  if (lanes_) {
    for (unsigned w = 0; w < workers_; ++w) {
      busy_seen_[w] = lanes_[w].busy_ns.load(std::memory_order_relaxed);
    }
    busy_since_ms_ = running_ ? ms_since(run_start_) : run_wall_ms_;
  }
  bars_.clear();
  bars_in_batch_ = skipped_bars_ = dropped_in_batch_ = 0;
  batch += ",\"messages\":[";
  for (size_t i = 0; i < pending_messages_.size(); ++i) {
    batch += (i ? "," : "") + pending_messages_[i];
  }
  batch += "]}";
  pending_messages_.clear();
  batches_.emplace_back(next_seq_++, std::move(batch));
  if (batches_.size() > kKeptBatches) batches_.pop_front();
  batch_ready_.notify_all();
}

void LiveState::cell_started(const std::string& cell, size_t index, size_t total, int run,
                             int runs) {
  std::lock_guard lock(mutex_);
  cell_ = cell;
  cells_done_ = index;
  cells_total_ = total;
  cell_run_ = run;
  cell_runs_ = runs;
}

void LiveState::cell_finished(size_t index, size_t total, const std::string& outcome, bool failed) {
  {
    std::lock_guard lock(mutex_);
    cells_done_ = index + 1;
    cells_total_ = total;
  }
  if (failed) message("error", cell_ + ": " + outcome);
}

void LiveState::message(const std::string& kind, const std::string& text) {
  std::lock_guard lock(mutex_);
  message_locked(kind, text);
}

void LiveState::message_locked(const std::string& kind, const std::string& text) {
  std::string m = message_json(++message_ids_, kind, text, ms_since(command_start_));
  pending_messages_.push_back(m);
  messages_.push_back(std::move(m));
  if (messages_.size() > kKeptMessages) messages_.erase(messages_.begin());
}

void LiveState::finish(const std::string& outcome) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  outcome_ = outcome;
  if (cells_total_ > 0 && outcome == "completed") cells_done_ = cells_total_;
  message_locked(outcome == "completed" ? "end" : "stop", "The run ended: " + outcome);
  publish_locked();  // at once: the server may close right after
}

void LiveState::release_readers() const {
  std::lock_guard lock(mutex_);
  readers_released_ = true;
  batch_ready_.notify_all();
}

std::string LiveState::state_json() const {
  std::lock_guard lock(mutex_);
  return state_json_locked(true);
}

std::string LiveState::state_json_locked(bool with_messages) const {
  nlohmann::json s;
  s["run"] = run_;
  s["scheduler"] = scheduler_;
  s["worker_count"] = workers_;
  s["running"] = running_;
  s["tasks_total"] = tasks_total_;
  nlohmann::json groups = nlohmann::json::array();
  uint64_t done = 0;
  for (size_t g = 0; g < group_names_.size(); ++g) {
    uint64_t n = 0;
    for (unsigned w = 0; lanes_ && w < workers_; ++w) {
      n += lanes_[w].done[g].load(std::memory_order_relaxed);
    }
    done += n;
    groups.push_back({{"name", group_names_[g]}, {"done", n}, {"total", group_totals_[g]}});
  }
  s["tasks_done"] = done;
  uint64_t failed = 0;
  for (unsigned w = 0; lanes_ && w < workers_; ++w) {
    failed += lanes_[w].failed.load(std::memory_order_relaxed);
  }
  s["tasks_failed"] = failed;
  if (drawn_) {  // the drawn graph's finished tasks, whatever batches a page has seen
    nlohmann::json done_nodes = nlohmann::json::array(), failed_nodes = nlohmann::json::array();
    for (NodeId n = 0; n < node_state_.size(); ++n) {
      if (node_state_[n] == 1) done_nodes.push_back(n);
      if (node_state_[n] == 2) failed_nodes.push_back(n);
    }
    s["done_nodes"] = std::move(done_nodes);
    s["failed_nodes"] = std::move(failed_nodes);
  }
  s["groups"] = std::move(groups);
  s["run_elapsed_ms"] = running_ ? ms_since(run_start_) : run_wall_ms_;
  s["bars_dropped"] = dropped_bars_;
  nlohmann::json workers = nlohmann::json::array();
  for (unsigned w = 0; lanes_ && w < workers_; ++w) {
    const Lane& lane = lanes_[w];
    const uint32_t current = lane.current.load(std::memory_order_relaxed);
    const int pid = lane.pid.load(std::memory_order_relaxed);
    workers.push_back(
        {{"id", w},
         {"node", current ? nlohmann::json(current - 1) : nlohmann::json(nullptr)},
         {"group", current && !group_of_.empty() ? group_of_[current - 1] : 0},
         {"task_start_ms", lane.current_start_ms.load(std::memory_order_relaxed)},
         {"pid", pid != 0 ? pid : pid_},
         {"task", current && graph_ ? nlohmann::json(std::string(graph_->key(current - 1)))
                                    : nlohmann::json(nullptr)},
         {"cpu_percent", lane.cpu_percent},
         {"rss_bytes", lane.rss_bytes},
         {"own_process", pid == 0 || pid == pid_}});
  }
  s["workers"] = std::move(workers);
  s["process_rss_bytes"] = proc_rss_;
  s["cell"] = cell_.empty() ? nlohmann::json(nullptr) : nlohmann::json(cell_);
  s["cells_done"] = cells_done_;
  s["cells_total"] = cells_total_;
  s["cell_run"] = cell_run_ + 1;
  s["cell_runs"] = cell_runs_;
  const double elapsed = ms_since(command_start_);
  s["elapsed_ms"] = elapsed;
  // What is left, from the pace so far: cells done plus the share of the current one.
  double eta = 0;
  if (cells_total_ > 0 && !finished_) {
    double part = 0;
    if (cell_runs_ > 0) {
      const double run_part = tasks_total_ ? static_cast<double>(done) / tasks_total_ : 0;
      part = (cell_run_ + (running_ ? run_part : 0)) / cell_runs_;
    }
    const double progress = static_cast<double>(cells_done_) + std::min(part, 1.0);
    if (progress > 0) eta = elapsed / progress * (static_cast<double>(cells_total_) - progress);
  }
  s["eta_ms"] = eta;
  s["finished"] = finished_;
  s["outcome"] = outcome_;
  // Batches carry new messages apart; /api/state has every message kept (a page that opens
  // late reads them there, by id).
  if (with_messages) {
    std::string out = s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.pop_back();
    out += ",\"messages\":[";
    for (size_t i = 0; i < messages_.size(); ++i) out += (i ? "," : "") + messages_[i];
    return out + "]}";
  }
  return s.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string LiveState::graph_json() const {
  std::string json;
  uint64_t run = 0, version = 0;
  {
    std::lock_guard lock(mutex_);
    json = graph_json_;
    run = run_;
    version = graph_version_;
  }
  if (json.empty()) return fmt::format(R"({{"run":{},"nodes":null}})", run);
  std::lock_guard layout(layout_mutex_);
  if (drawn_version_ == version) return fmt::format(R"({{"run":{},{})", run, drawn_graph_);
  // Laid out here, on the server's thread and outside the lock: the run does not wait for dot.
  auto parsed = nlohmann::json::parse(json);
  const reports::Drawing d = reports::dot_to_svg(parsed["dot"].get<std::string>());
  parsed.erase("dot");
  parsed["svg"] = d.svg ? nlohmann::json(*d.svg) : nlohmann::json(nullptr);
  parsed["why_not"] = d.why_not;
  drawn_version_ = version;
  // Kept without its opening brace, so that each run's number goes in front.
  drawn_graph_ = parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).substr(1);
  return fmt::format(R"({{"run":{},{})", run, drawn_graph_);
}

std::vector<std::pair<uint64_t, std::string>> LiveState::batches_after(
    uint64_t& seq, std::chrono::milliseconds wait) const {
  std::unique_lock lock(mutex_);
  batch_ready_.wait_for(lock, wait, [&] {
    return stopping_ || readers_released_ || (!batches_.empty() && batches_.back().first > seq);
  });
  // A new page starts with the current run, at most kFirstBatches of it.
  if (seq == 0 && next_seq_ > 1) {
    seq = std::max(run_first_seq_, next_seq_ - std::min(next_seq_, kFirstBatches)) - 1;
  }
  std::vector<std::pair<uint64_t, std::string>> out;
  for (const auto& b : batches_) {
    if (b.first > seq) out.push_back(b);
  }
  if (!batches_.empty()) seq = std::max(seq, batches_.back().first);
  return out;
}

}  // namespace schedlab::live
