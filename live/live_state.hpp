// What the live view shows, gathered while a command runs: an observer of every run (the task
// stream, progress per op, each worker's current task) plus what the command tells it (the
// suite's cell, errors, how the command ended). A collector thread turns it into one batch of
// JSON ten times a second; the server (live_server.hpp) hands the batches to browsers and the
// latest state to /api/state.
//
// The per-task path takes no lock: each worker writes its own lane (a ring of finished tasks,
// its current task, counters per op), and only the collector reads the lanes. A ring that
// fills between two collections drops bars from the picture, never from the counts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "schedlab/schedulers/observer.hpp"

namespace schedlab::live {

class LiveState final : public Observer {
 public:
  LiveState();  // starts the collector
  ~LiveState() override;
  LiveState(const LiveState&) = delete;
  LiveState& operator=(const LiveState&) = delete;

  // Observer: every run of the command.
  void run_started(const RunInfo& info) override;
  void task_started(const TaskEvent& e) override;
  void task_finished(const TaskEvent& e) override;
  void task_began(unsigned worker, NodeId node, Clock::time_point at) override;
  void worker_idle(unsigned worker) override;
  void run_finished(const RunStats& stats) override;

  // The command's side. `cell` names what runs now (a suite's cell, a lesson's scheduler).
  void cell_started(const std::string& cell, size_t index, size_t total, int run, int runs);
  void cell_finished(size_t index, size_t total, const std::string& outcome, bool failed);
  void message(const std::string& kind, const std::string& text);  // kind: error, timeout, stop
  // The command ended: "completed", "failed: ...", "interrupted"... The view keeps its last state.
  void finish(const std::string& outcome);

  // The server's side.
  std::string state_json() const;  // /api/state
  std::string graph_json() const;  // the current run's graph (nodes, deps, picture) or {"run":N}
  // The batches after `seq` (each a JSON object on one line), waiting up to `wait` for one;
  // `seq` moves past what is returned. A reader that fell behind gets the oldest kept.
  // A new reader (`seq` 0) starts with the current run.
  std::vector<std::pair<uint64_t, std::string>> batches_after(uint64_t& seq,
                                                              std::chrono::milliseconds wait) const;

  // Wakes every reader waiting in batches_after for good: the server is closing.
  void release_readers() const;

  static constexpr size_t kMaxDrawnTasks = 300;  // the graph is drawn up to this many tasks
  static constexpr size_t kMaxBarsPerBatch = 2000;

 private:
  struct Bar {
    NodeId node;
    float start_ms, end_ms, lock_ms, gil_ms;
    bool failed;
  };
  // One worker's part, written only by that worker while a run goes.
  struct alignas(64) Lane {
    static constexpr uint64_t kRing = 4096;
    std::atomic<uint32_t> current{0};  // node + 1 of the task it runs, 0: none
    std::atomic<float> current_start_ms{0};
    std::atomic<int> tid{0}, pid{0};
    std::atomic<uint64_t> head{0}, tail{0};  // ring positions: the worker writes head
    std::atomic<uint64_t> dropped{0}, failed{0};
    std::atomic<uint64_t> busy_ns{0};  // time in finished tasks, for when bars are too many
    std::unique_ptr<Bar[]> ring{new Bar[kRing]};
    std::unique_ptr<std::atomic<uint64_t>[]> done;  // per op group
    double cpu_percent = 0;
    uint64_t rss_bytes = 0;
  };

  void collect();         // the collector thread
  void publish_locked();  // one batch: the state, the bars since the last, the messages
  void drain_locked();    // the lanes' finished tasks into bars_
  void sample_workers(std::unique_lock<std::mutex>& lock);  // unlocks while reading /proc
  std::string state_json_locked(bool with_messages) const;
  void message_locked(const std::string& kind, const std::string& text);
  double ms_since(Clock::time_point t) const;

  mutable std::mutex mutex_;
  mutable std::condition_variable batch_ready_;
  std::condition_variable stop_collector_;
  bool stopping_ = false;
  mutable bool readers_released_ = false;
  std::thread collector_;
  const int pid_;

  // The current (or last) run; lanes_ changes only under mutex_ and between runs.
  const Graph* graph_ = nullptr;
  uint64_t run_ = 0;
  bool running_ = false;
  std::string scheduler_;
  unsigned workers_ = 0;
  Clock::time_point run_start_{}, command_start_;
  double run_wall_ms_ = 0;
  size_t tasks_total_ = 0;
  void group_graph(const RunInfo& info);  // group_of_, names, totals and graph_json_
  const Plan* grouped_plan_ = nullptr;
  const Graph* grouped_graph_ = nullptr;
  uint64_t graph_version_ = 0;       // counts group_graph calls: the drawn picture's key
  bool drawn_ = false;               // the run's graph is small enough to draw
  std::vector<uint8_t> node_state_;  // drawn graphs: per node 1 done, 2 failed
  std::vector<uint32_t> group_of_;   // per node: its op group
  std::vector<std::string> group_names_;
  std::vector<uint64_t> group_totals_;
  std::unique_ptr<Lane[]> lanes_;
  std::string graph_json_;     // for runs small enough to draw
  uint64_t dropped_bars_ = 0;  // lost to full rings
  std::string bars_;           // the next batch's bars, JSON arrays without the brackets
  size_t bars_in_batch_ = 0, skipped_bars_ = 0, dropped_in_batch_ = 0;
  std::vector<uint64_t> busy_seen_;  // per lane: busy_ns at the last batch
  double busy_since_ms_ = 0;         // run time of the last batch
  uint64_t proc_rss_ = 0;
  struct CpuSeen {
    double cpu_ms;
    Clock::time_point at;
  };
  std::unordered_map<int64_t, CpuSeen> cpu_seen_;  // by worker pid, or -tid for a thread

  // The command's progress.
  std::string cell_;
  size_t cells_done_ = 0, cells_total_ = 0;
  int cell_run_ = 0, cell_runs_ = 0;
  bool finished_ = false;
  std::string outcome_;
  std::vector<std::string> pending_messages_;  // JSON objects for the next batch
  std::vector<std::string> messages_;          // the latest kKeptMessages, for /api/state
  uint64_t message_ids_ = 0;

  std::deque<std::pair<uint64_t, std::string>> batches_;
  uint64_t run_first_seq_ = 1;       // the first batch of the current run: where a new page starts
  mutable std::mutex layout_mutex_;  // one layout of a run's graph, however many pages ask
  mutable uint64_t drawn_version_ = 0;
  mutable std::string drawn_graph_;
  uint64_t next_seq_ = 1;
};

}  // namespace schedlab::live
