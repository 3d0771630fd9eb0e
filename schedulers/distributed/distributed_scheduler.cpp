// distributed: tasks run on worker ranks of an MPI job, each with a pool of threads; the
// scheduling core runs here, on the scheduling rank, through the split path (gather_args, then
// task_ran or task_failed), as for `processes`. Arguments and results travel in the binary
// value encoding, batched per worker and per round.
//
// Dispatch: ready tasks go, oldest first (but see kept values below), to the worker with the
// fewest in flight. While tasks
// are short a worker holds several per thread (it picks the next up without waiting for us);
// a task that sleeps, or any task once tasks are seen to take long, goes only to a worker with
// an idle thread, so slow tasks are scheduled greedily, as the predictions assume.
//
// Large values stay where they were made: a result of kKeepBytes or more that other tasks read
// is kept by its worker (we hold a null in its place), a task that reads it goes to that
// worker when one of the oldest ready tasks can, and the worker puts it into the arguments
// itself. A task that runs elsewhere waits until we have fetched the value from its worker
// (once; later readers use our copy). Each kept value is freed when its last reader has run.
// Lanes (the trace's workers): worker w's thread t is lane t * workers + w, so that lanes
// 0..workers-1 are one thread of each worker, as the predictor numbers them.
//
// Faults: a worker's note (a fatal signal), its pid (on this host) or its silence (elsewhere)
// fails the run within milliseconds of the death, and the cluster is replaced before the next
// run. A run stopped by a failed task waits up to kDrainGrace for the tasks in flight and keeps
// the cluster when they end; one stopped by Ctrl-C or a timeout (or whose tasks outlive the
// grace) abandons them, and the cluster is replaced.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <numeric>
#include <optional>
#include <thread>
#include <unordered_map>

#include "schedlab/core/predict.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/schedulers/clock_ns.hpp"
#include "schedlab/schedulers/distributed/backoff.hpp"
#include "schedlab/schedulers/distributed/cluster.hpp"
#include "schedlab/schedulers/remote_dispatch.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/schedulers/wire.hpp"

namespace schedlab {
namespace distributed {
namespace {

using remote::kMaxBatch;
using remote::kShortTaskUs;
constexpr auto kLivenessCheck =
    std::chrono::milliseconds(20);  // /proc reads cost a core's time too
constexpr auto kBlameSilentDeath = std::chrono::milliseconds(300);
// How long a death seen from outside waits for the dead worker's note, which it sent before it
// died but which, over TCP, can still be on its way (under load, often for milliseconds).
constexpr auto kAwaitDeathNote = std::chrono::milliseconds(200);
// How long a stopped run waits for the tasks in flight before it abandons them (and so the
// cluster): replacing a cluster means spawning ranks, and Open MPI 4.1's spawn (with PMIx 4)
// sometimes never returns, so a cluster is kept whenever its tasks end on their own.
constexpr auto kDrainGrace = std::chrono::milliseconds(250);

// Runs are numbered across the process: under a launcher every scheduler instance shares the
// same ranks, and an answer from another instance's abandoned run must not match.
std::atomic<uint32_t> g_runs{0};

class DistributedScheduler final : public Scheduler {
 public:
  explicit DistributedScheduler(const SchedulerConfig& config) : config_(config) {
    std::lock_guard mpi(mpi_mutex());
    restart();
  }
  unsigned workers() const override { return config_.workers * config_.threads_per_worker; }
  std::vector<int> worker_pids() override {
    std::lock_guard mpi(mpi_mutex());
    ready_cluster();
    std::vector<int> out;
    for (unsigned w = 0; w < cluster_->size(); ++w) {
      if (cluster_->worker(w).local) out.push_back(cluster_->worker(w).pid);
    }
    return out;
  }

  void run(Execution& ex) override {
    // MPI is initialised for one thread at a time: distributed runs of the process take turns.
    std::lock_guard mpi(mpi_mutex());
    ready_cluster();
    cluster_->configure(config_.threads_per_worker, config_.memory_limit);
    Run r(*this, ex, ++g_runs);
    r.loop();
  }

 private:
  // A cluster that lost a worker, or that a run stopped early, is replaced; so is one whose
  // worker died between runs (its note, or its pid, says so now rather than in the next run).
  void ready_cluster() {
    if (cluster_ && !cluster_->broken()) {
      // Read what came meanwhile first: heartbeats are what keep a remote worker alive.
      const bool noted = cluster_->drain_deaths();
      if (noted || cluster_->check_workers()) cluster_->stop_early(true);
    }
    if (!cluster_ || cluster_->broken()) restart();
  }
  void restart() {
    auto fresh = std::make_unique<Cluster>(config_.workers, config_.threads_per_worker,
                                           config_.memory_limit);
    cluster_ = std::move(fresh);
  }

  class Run {
   public:
    Run(DistributedScheduler& s, Execution& ex, uint32_t id)
        : cluster_(*s.cluster_),
          ex_(ex),
          backoff_(s.backoff_),
          id_(id),
          threads_(s.config_.threads_per_worker),
          in_flight_(cluster_.size()),
          batches_(cluster_.size()) {
      ready_.assign(ex.roots().begin(), ex.roots().end());
      backoff_.reset();
    }

    void loop() {
      for (;;) {
        if (!ex_.stopped()) dispatch();
        if (ex_.stopped() && !waiting_.empty()) drop_waiting();
        const bool got = collect();
        if (ex_.stopped() && total_in_flight_ > 0 && !drain_until_) {
          // Only a failed task's run waits: a signal or a timeout wants the run ended now.
          drain_until_ = Clock::now() + (ex_.failed_by_a_task() && !signal_requested()
                                             ? kDrainGrace
                                             : Clock::duration::zero());
        }
        // (A death leaves a cluster to replace even when it held the last task in flight.)
        if (ex_.stopped() && (died_ || (total_in_flight_ > 0 && Clock::now() >= *drain_until_))) {
          abandon_in_flight();
        }
        if (total_in_flight_ == 0 && waiting_.empty() && (ready_.empty() || ex_.stopped())) break;
        if (got)
          backoff_.reset();
        else
          wait();
      }
      free_all_kept();
      RunStats& st = ex_.stats();
      st.bytes_to_workers += bytes_to_;
      st.bytes_from_workers += bytes_from_;
      st.serialise_ms += serialise_ns_ / 1e6;
    }

   private:
    bool slow_tasks() const { return completed_ > 0 && run_ns_ / completed_ > kShortTaskUs * 1e3; }

    // Tasks given to worker w: sent, or waiting for values we fetch for it.
    size_t load(unsigned w) const { return in_flight_[w].size() + waiting_on_[w]; }

    void dispatch() {
      const size_t most = threads_ * (slow_tasks() ? 1u : kMaxBatch);
      while (!ready_.empty()) {
        // The least loaded worker that has room for a task it may take.
        std::iota(by_load_.begin(), by_load_.end(), 0u);
        std::stable_sort(by_load_.begin(), by_load_.end(),
                         [&](unsigned a, unsigned b) { return load(a) < load(b); });
        bool gave = false;
        for (unsigned w : by_load_) {
          if (load(w) >= most) break;  // (sorted: the others are full too)
          const auto at = pick_for(w);
          if (at == ready_.end()) continue;
          const NodeId n = *at;
          const bool greedy = ex_.graph().options(n).sleep_us > 0 || slow_tasks();
          if (load(w) >= threads_ * (greedy ? 1u : kMaxBatch)) continue;
          ready_.erase(at);
          if (!give(w, n)) return send_batches();
          gave = true;
          break;
        }
        if (!gave) break;
      }
      send_batches();
    }

    void send_batches() {
      for (unsigned w = 0; w < batches_.size(); ++w) {
        if (batches_[w].empty()) continue;
        cluster_.send(w, kTasks, std::move(batches_[w]));
        batches_[w] = {};
      }
    }

    // What worker w takes next: the oldest of the first kLocalityScan ready tasks whose home
    // (see home_of) is w or that has none; else the oldest for which fetching its values costs
    // less than waiting for its home, which is busy with its tasks and with the ready tasks of
    // that home before this one (as Dask steals work); else nothing (end()).
    std::deque<NodeId>::iterator pick_for(unsigned w) {
      if (kept_.empty()) return ready_.begin();
      const size_t scan = std::min(ready_.size(), kLocalityScan);
      const double typical_ns = completed_ ? run_ns_ / static_cast<double>(completed_) : 0;
      ahead_.assign(in_flight_.size(), 0);
      auto steal = ready_.end();
      for (size_t i = 0; i < scan; ++i) {
        const auto at = ready_.begin() + static_cast<std::ptrdiff_t>(i);
        const Home h = home_of(*at, w);
        if (!h.worker || *h.worker == w) return at;
        const double wait_ns =
            typical_ns * static_cast<double>(load(*h.worker) + ahead_[*h.worker]) / threads_;
        if (steal == ready_.end() &&
            static_cast<double>(h.fetch_bytes) * kFetchNsPerByte < wait_ns) {
          steal = at;
        }
        ++ahead_[*h.worker];
      }
      return steal;
    }

    // A task's home: the worker keeping the most (encoded) bytes of its arguments (values in
    // a list do not count: they are always fetched, as the worker fills in arguments only),
    // and how many kept bytes it would have fetched on worker w.
    struct Home {
      std::optional<unsigned> worker;  // none: it reads no kept value as an argument
      uint64_t fetch_bytes = 0;
    };
    Home home_of(NodeId n, unsigned w) {
      const Graph& g = ex_.graph();
      home_bytes_.assign(in_flight_.size(), 0);
      Home h;
      auto fetched_elsewhere = [&](NodeId d) {
        auto it = kept_.find(d);
        if (it != kept_.end() && !it->second.fetched) h.fetch_bytes += it->second.bytes;
      };
      for (PackedArg a : g.args(n)) {
        if (a.kind() == PackedArg::list)
          g.for_each_ref_in(g.list_items(a.index()), fetched_elsewhere);
        if (a.kind() != PackedArg::ref) continue;
        auto it = kept_.find(a.index());
        if (it == kept_.end()) continue;
        home_bytes_[it->second.worker] += it->second.bytes;
        h.worker = 0;
        if (it->second.worker != w && !it->second.fetched) h.fetch_bytes += it->second.bytes;
      }
      if (h.worker) {
        h.worker = static_cast<unsigned>(std::max_element(home_bytes_.begin(), home_bytes_.end()) -
                                         home_bytes_.begin());
      }
      return h;
    }

    // Sends task n to worker w, or first fetches the kept values it needs that w does not have
    // as an argument of its own. False if it cannot be sent (the task failed).
    bool give(unsigned w, NodeId n) {
      if (kept_.empty()) return send_task(w, n);
      const Graph& g = ex_.graph();
      unsigned missing = 0;
      auto need = [&](NodeId d) {
        auto it = kept_.find(d);
        if (it == kept_.end() || it->second.fetched) return;
        auto [at, first] = fetch_waiters_.try_emplace(d);  // asked for already, unless first
        if (first) {
          std::string m;
          Writer(m).put(id_).put(d);
          cluster_.send(it->second.worker, kFetch, std::move(m));
        }
        auto& waiters = at->second;
        if (std::find(waiters.begin(), waiters.end(), n) != waiters.end()) return;
        waiters.push_back(n);
        ++missing;
      };
      for (PackedArg a : g.args(n)) {
        if (a.kind() == PackedArg::ref) {
          auto it = kept_.find(a.index());
          if (it == kept_.end() || it->second.worker != w) need(a.index());
        } else if (a.kind() == PackedArg::list) {
          g.for_each_ref_in(g.list_items(a.index()), need);
        }
      }
      if (missing > 0) {
        waiting_[n] = {w, missing};
        ++waiting_on_[w];
        return true;
      }
      return send_task(w, n);
    }

    // Sends task n to worker w now. False if it cannot be sent (the task failed).
    bool send_task(unsigned w, NodeId n) {
      try {
        add_task(w, n);
      } catch (const CodecError& e) {
        ex_.fail_task(n, fmt::format("cannot send the arguments to a worker: {}", e.what()));
        return false;
      }
      in_flight_[w].push_back(n);
      ++total_in_flight_;
      show_lanes(w);
      return true;
    }

    // A value we fetched (for the tasks that wait for it), or why it could not be.
    void on_fetched(unsigned w, NodeId d, ResultType type, std::string_view payload) {
      auto it = kept_.find(d);
      if (it == kept_.end() || it->second.fetched || ex_.stopped()) return;
      if (type != ResultType::value) {
        ex_.fail_infrastructure(fmt::format("{} could not send the value of task '{}' it kept: {}",
                                            cluster_.describe(w), ex_.graph().key(d), payload));
        return;
      }
      const int64_t t0 = ns_since_epoch(Clock::now());
      bytes_from_ += payload.size();
      ex_.fill_result(d, decode(payload), lane(w, 0));
      serialise_ns_ += ns_since_epoch(Clock::now()) - t0;
      it->second.fetched = true;
      auto waiters = fetch_waiters_.extract(d);
      if (waiters.empty()) return;
      for (NodeId n : waiters.mapped()) {
        auto wait = waiting_.find(n);
        if (wait == waiting_.end() || --wait->second.missing > 0) continue;
        const unsigned to = wait->second.worker;
        waiting_.erase(wait);
        --waiting_on_[to];
        if (!send_task(to, n)) break;
      }
      send_batches();
    }

    // The run stopped: tasks still waiting for values were never sent; they never will be.
    void drop_waiting() {
      waiting_.clear();
      fetch_waiters_.clear();
      std::fill(waiting_on_.begin(), waiting_on_.end(), 0);
    }

    // Task n has run (or failed): values it read that nobody else will are freed on their worker.
    void release_reads(NodeId n) {
      if (kept_.empty()) return;
      for (NodeId d : ex_.plan().deps_of(n)) {
        auto it = kept_.find(d);
        if (it == kept_.end() || --it->second.readers_left > 0) continue;
        free_kept(it->second.worker, d);
        kept_.erase(it);
      }
    }
    void free_kept(unsigned w, NodeId d) {
      std::string& m = frees_[w];
      if (m.empty()) Writer(m).put(id_);
      Writer(m, /*append=*/true).put(d);
    }
    void send_frees() {
      for (unsigned w = 0; w < frees_.size(); ++w) {
        if (frees_[w].empty()) continue;
        if (!cluster_.broken()) cluster_.send(w, kFree, std::move(frees_[w]));
        frees_[w] = {};
      }
    }
    void free_all_kept() {
      for (const auto& [d, k] : kept_) free_kept(k.worker, d);
      kept_.clear();
      send_frees();
    }

    // Appends task n to worker w's batch (or sends it alone when its arguments are large).
    void add_task(unsigned w, NodeId n) {
      const Graph& g = ex_.graph();
      const int64_t t0 = ns_since_epoch(Clock::now());
      ex_.gather_args(n, args_);
      // Arguments kept on w: it puts them in itself (we hold a null, or a fetched copy).
      kept_args_.clear();
      const auto spec = g.args(n);
      for (uint32_t i = 0; i < spec.size() && !kept_.empty(); ++i) {
        if (spec[i].kind() != PackedArg::ref) continue;
        auto it = kept_.find(spec[i].index());
        if (it == kept_.end() || it->second.worker != w) continue;
        kept_args_.emplace_back(i, spec[i].index());
        args_[i] = Value();
      }
      const bool keep = !ex_.plan().is_target(n) && !ex_.plan().succs_of(n).empty();
      Value list(
          List(std::make_move_iterator(args_.begin()), std::make_move_iterator(args_.end())));
      args_.clear();
      const size_t size = encoded_size(list);
      if (size > kMaxMessageBytes) {
        throw CodecError(
            fmt::format("its arguments take {:.1f} GB encoded; one MPI message holds "
                        "at most 2 GB",
                        size / 1e9));
      }
      const bool alone = size >= kAloneBytes;
      if (alone && !batches_[w].empty()) {
        // The batch before it goes first: the worker runs tasks in the order they come.
        cluster_.send(w, kTasks, std::move(batches_[w]));
        batches_[w] = {};
      }
      std::string single;
      std::string& out = alone ? single : batches_[w];
      Writer(out, /*append=*/true)
          .put(id_)
          .put(n)
          .put_string(g.op(n)->name)
          .put(g.options(n).sleep_us)
          .put(static_cast<uint8_t>(static_cast<uint8_t>(g.options(n).lock) |
                                    (ex_.locks().gil ? kGilBit : 0) | (keep ? kKeepBit : 0)))
          .put(static_cast<uint32_t>(kept_args_.size()));
      for (auto [position, d] : kept_args_) Writer(out, /*append=*/true).put(position).put(d);
      Writer(out, /*append=*/true).put(static_cast<uint64_t>(size));
      const size_t at = out.size();
      out.resize(at + size);
      encode_into(list, out.data() + at);
      if (alone) cluster_.send(w, kTasks, std::move(single));
      bytes_to_ += size;
      serialise_ns_ += ns_since_epoch(Clock::now()) - t0;
    }

    // Tells the core which task each of worker w's threads runs (for --task-timeout): the
    // first `threads` in flight.
    // Only where a lane's task changed: telling it again would restart that task's clock.
    void show_lanes(unsigned w) {
      for (unsigned t = 0; t < threads_; ++t) {
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
    unsigned lane(unsigned w, unsigned thread) const {
      return std::min(thread, threads_ - 1) * static_cast<unsigned>(in_flight_.size()) + w;
    }

    // Reads what came; true if something happened (a heartbeat does not count: the backoff
    // would start over 8 times a second on two workers, waking us thousands of times).
    bool collect() {
      cluster_.progress_sends();
      bool got = false;
      for (int i = 0; i < 64; ++i) {
        auto m = cluster_.receive(in_);
        if (!m) break;
        got = got || m->tag != kHeartbeat;
        handle(m->worker, m->tag);
      }
      return got;
    }

    void handle(unsigned w, int tag) {
      Reader r(in_);
      switch (tag) {
        case kResults:
          while (!r.at_end()) handle_result(w, r);
          send_frees();
          break;
        case kLock:
          lock_requests_.push_back({w, r.get<uint32_t>()});
          if (lock_requests_.size() == 1) grant();
          break;
        case kUnlock:
          if (!lock_requests_.empty()) lock_requests_.pop_front();
          if (!lock_requests_.empty()) grant();
          break;
        case kDeath: {
          const int sig = r.get<int32_t>();
          const std::string what(r.get_string());
          on_death_note(w, sig, what);
          break;
        }
        default:  // heartbeats: being heard is all they are for
          break;
      }
    }

    // The cluster-wide `global` lock: first come, first served.
    void grant() {
      std::string m;
      Writer(m).put(lock_requests_.front().second);
      cluster_.send(lock_requests_.front().first, kGrant, std::move(m));
    }

    void handle_result(unsigned w, Reader& r) {
      const auto type = static_cast<ResultType>(r.get<uint8_t>());
      const auto run = r.get<uint32_t>();
      const auto n = r.get<uint32_t>();
      const auto thread = r.get<uint32_t>();
      const auto start = r.get<int64_t>(), end = r.get<int64_t>();
      const auto worker_serialise = r.get<int64_t>();
      const auto lock_wait = r.get<int64_t>(), gil_wait = r.get<int64_t>();
      const std::string_view payload = r.get_bytes(r.get<uint64_t>());
      if (type == ResultType::value || type == ResultType::fetch_failed) {
        if (run == id_) on_fetched(w, n, type, payload);
        return;
      }
      auto& flight = in_flight_[w];
      auto it = std::find(flight.begin(), flight.end(), n);
      if (run != id_ || it == flight.end()) return;  // from an abandoned run
      flight.erase(it);
      --total_in_flight_;
      show_lanes(w);
      serialise_ns_ += worker_serialise;
      const TaskEvent ran{
          n,     lane(w, thread), cluster_.worker(w).pid, from_ns(start), from_ns(end),
          false, lock_wait / 1e6, gil_wait / 1e6};
      if (type == ResultType::task_error) {
        ex_.task_failed(ran, std::string(payload));
        release_reads(n);
        return;
      }
      if (type == ResultType::kept) {
        kept_[n] = {w, static_cast<uint32_t>(ex_.plan().succs_of(n).size()),
                    Reader(payload).get<uint64_t>()};
        finish_task(ran, Value(), end - start);
        return;
      }
      if (type != ResultType::ok) {
        ex_.fail_infrastructure(fmt::format("{} while running task '{}': {}", cluster_.describe(w),
                                            ex_.graph().key(n), payload));
        return;
      }
      const int64_t t0 = ns_since_epoch(Clock::now());
      bytes_from_ += payload.size();
      Value result = decode(payload);
      serialise_ns_ += ns_since_epoch(Clock::now()) - t0;
      finish_task(ran, std::move(result), end - start);
    }

    void finish_task(const TaskEvent& ran, Value result, int64_t ran_ns) {
      ++completed_;
      run_ns_ += static_cast<double>(ran_ns);
      run_ns_squared_ += static_cast<double>(ran_ns) * static_cast<double>(ran_ns);
      // Notice a finished task within about 1% of a typical task's time: the time of the task
      // that a moment of waiting falls in (weighted by time, so that many short tasks beside
      // a few long ones do not make us wake up often while the long ones run).
      if (run_ns_ > 0) {
        backoff_.set_ceiling(
            std::chrono::microseconds(static_cast<int64_t>(run_ns_squared_ / run_ns_ / 100e3)));
      }
      became_ready_.clear();
      ex_.task_ran(ran, std::move(result), became_ready_);
      ready_.insert(ready_.end(), became_ready_.begin(), became_ready_.end());
      release_reads(ran.node);
    }

    void on_death_note(unsigned w, int sig, const std::string& what) {
      if (sig == 0 && !in_flight_[w].empty()) return fail_its_task(w, what);
      if (sig == SIGTERM) {
        // When one rank dies, Open MPI ends the others with SIGTERM: blame the one that died
        // silently (SIGKILL), if there is one, rather than a bystander.
        const auto until = Clock::now() + kBlameSilentDeath;
        while (Clock::now() < until) {
          if (auto d = cluster_.check_workers(/*except=*/w)) return fail_on_death_seen(*d);
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
      fail_on_death(cluster_.death_from_note(w, sig, what));
    }

    void wait() {
      backoff_.wait();
      if (Clock::now() - last_check_ < kLivenessCheck) return;
      last_check_ = Clock::now();
      if (auto death = cluster_.check_workers()) fail_on_death_seen(*death);
    }

    // A death seen from outside (its pid gone, or a zombie): a worker killed by a signal it
    // could catch sent a note naming the signal before it died, and that note is what the run
    // reports, if it comes within kAwaitDeathNote. Only without one is the death reported as
    // seen from outside (a silent death, SIGKILL, is reported that much later).
    void fail_on_death_seen(const Cluster::Death& d) {
      const auto until = Clock::now() + kAwaitDeathNote;
      while (!died_ && Clock::now() < until) {
        if (!collect()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!died_) fail_on_death(d);
    }

    // The tasks worker w's threads were running (its first `threads` in flight), as a phrase:
    // with several, which one a crash or an allocation came from is not known, so all are
    // named.
    std::string running_on(unsigned w) const {
      const size_t running = std::min<size_t>(threads_, in_flight_[w].size());
      if (running == 0) return "no task";
      std::vector<std::string> tasks;
      for (size_t i = 0; i < running; ++i) {
        const NodeId n = in_flight_[w][i];
        tasks.push_back(
            fmt::format("task '{}' (op {})", ex_.graph().key(n), ex_.graph().op(n)->name));
      }
      if (running == 1) return tasks.front();
      return fmt::format(
          "{} (its {} threads ran these side by side: which one it was is not known)",
          fmt::join(tasks, " or "), running);
    }

    // Worker w passed its memory limit: the task it was running fails, naming the worker (and,
    // where several ran side by side, every one of them).
    void fail_its_task(unsigned w, const std::string& why) {
      const NodeId n = in_flight_[w].front();
      const TaskEvent ran{n, lane(w, 0), cluster_.worker(w).pid, Clock::now(), Clock::now()};
      const bool several = std::min<size_t>(threads_, in_flight_[w].size()) > 1;
      ex_.task_failed(ran, several ? fmt::format("{}: {} while running {}", cluster_.describe(w),
                                                 why, running_on(w))
                                   : fmt::format("{}: {}", cluster_.describe(w), why));
      forget(w, true);
    }

    void fail_on_death(const Cluster::Death& d) {
      if (d.memory_limit && !in_flight_[d.worker].empty()) return fail_its_task(d.worker, d.how);
      ex_.fail_infrastructure(fmt::format("{} {} while running {}", cluster_.describe(d.worker),
                                          d.how, running_on(d.worker)));
      forget(d.worker, true);
    }

    // Worker w's tasks will not answer.
    void forget(unsigned w, bool died) {
      died_ = died_ || died;
      total_in_flight_ -= in_flight_[w].size();
      in_flight_[w].clear();
      show_lanes(w);
    }

    // The run has stopped: tasks in flight will not be used, and are not waited for.
    void abandon_in_flight() {
      for (unsigned w = 0; w < in_flight_.size(); ++w) forget(w, false);
      cluster_.stop_early(died_);
    }

    Cluster& cluster_;
    Execution& ex_;
    Backoff& backoff_;  // the scheduler's: its ceiling carries over from the last run
    const uint32_t id_;
    const unsigned threads_;
    std::deque<NodeId> ready_;
    std::vector<std::vector<NodeId>> in_flight_;
    std::vector<std::string> batches_;
    static constexpr NodeId kNoTask = ~NodeId{0};
    std::vector<NodeId> shown_ = std::vector<NodeId>(in_flight_.size() * threads_, kNoTask);
    std::deque<std::pair<unsigned, uint32_t>> lock_requests_;  // holder first
    std::vector<NodeId> became_ready_;
    std::vector<Value> args_;
    std::vector<std::pair<uint32_t, NodeId>> kept_args_;  // add_task's scratch
    std::vector<uint64_t> home_bytes_;                    // home_of's scratch
    std::vector<size_t> ahead_;                           // pick_for's scratch
    std::vector<unsigned> by_load_ = std::vector<unsigned>(in_flight_.size());
    std::vector<size_t> waiting_on_ = std::vector<size_t>(in_flight_.size());  // per worker
    // Results kept on their worker: which one, how many readers have yet to run, and whether
    // we have fetched a copy (the core then holds it; fetch_waiters_ has those asked for).
    struct Kept {
      unsigned worker = 0;
      uint32_t readers_left = 0;
      uint64_t bytes = 0;  // encoded
      bool fetched = false;
    };
    std::unordered_map<NodeId, Kept> kept_;
    struct Waiting {  // a task given a worker, waiting for values we fetch
      unsigned worker = 0;
      unsigned missing = 0;
    };
    std::unordered_map<NodeId, Waiting> waiting_;
    std::unordered_map<NodeId, std::vector<NodeId>> fetch_waiters_;  // by the value fetched
    std::vector<std::string> frees_ = std::vector<std::string>(in_flight_.size());
    std::string in_;
    size_t total_in_flight_ = 0;
    std::optional<Clock::time_point> drain_until_;  // set when the run has stopped
    bool died_ = false;
    Clock::time_point last_check_ = Clock::now();
    uint64_t bytes_to_ = 0, bytes_from_ = 0, completed_ = 0;
    double run_ns_ = 0, run_ns_squared_ = 0;
    int64_t serialise_ns_ = 0;
  };

  SchedulerConfig config_;
  std::unique_ptr<Cluster> cluster_;
  Backoff backoff_;
};

}  // namespace
}  // namespace distributed

std::unique_ptr<Scheduler> make_distributed_scheduler(const SchedulerConfig& config) {
  return std::make_unique<distributed::DistributedScheduler>(config);
}

}  // namespace schedlab
