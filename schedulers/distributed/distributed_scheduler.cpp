// distributed: tasks run on worker ranks of an MPI job, each with a pool of threads; the
// scheduling core runs here, on the scheduling rank, through the split path (gather_args, then
// task_ran or task_failed), as for `processes`. Arguments and results travel in the binary
// value encoding, batched per worker and per round.
//
// Which task goes to which worker and batching are the remote dispatcher's
// (remote/dispatcher.hpp), oldest first; this file is the transport: MPI messages, and the
// choice of task for a worker where values are kept (below).
//
// Large values stay where they were made: a result of kKeepBytes or more that other tasks read
// is kept by its worker (we hold a null in its place), a task that reads it goes to that
// worker when one of the oldest ready tasks can, and the worker puts it into the arguments
// itself. A task that runs elsewhere waits until we have fetched the value from its worker
// (once; later readers use our copy). Each kept value is freed when its last reader has run.
// Lanes (the trace's workers) are the dispatcher's: one per thread of each worker.
//
// Faults: a worker's note (a fatal signal), its pid (on this host) or its silence (elsewhere)
// fails the run within milliseconds of the death, and the cluster is replaced before the next
// run. A run stopped by a failed task waits up to kDrainGrace for the tasks in flight and keeps
// the cluster when they end; one stopped by Ctrl-C or a timeout (or whose tasks outlive the
// grace) abandons them, and the cluster is replaced.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include "schedlab/core/predict.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/schedulers/clock_ns.hpp"
#include "schedlab/schedulers/distributed/backoff.hpp"
#include "schedlab/schedulers/distributed/cluster.hpp"
#include "schedlab/schedulers/remote/dispatcher.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/schedulers/wire.hpp"

namespace schedlab {
namespace distributed {
namespace {

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

  // One run: how tasks reach the cluster's workers and their answers come back, where large
  // values stay, and which task suits which worker; the dispatcher does the rest.
  class Run final : public remote::Transport {
   public:
    Run(DistributedScheduler& s, Execution& ex, uint32_t id)
        : cluster_(*s.cluster_),
          ex_(ex),
          backoff_(s.backoff_),
          id_(id),
          threads_(s.config_.threads_per_worker),
          batches_(cluster_.size()),
          d_(ex, *this,
             {.workers = cluster_.size(),
              .threads = threads_,
              .policy = remote::Policy::oldest_first}) {
      backoff_.reset();
    }

    void loop() { d_.run(); }

   private:
    // What worker w takes next: the oldest of the first kLocalityScan ready tasks whose home
    // (see home_of) is w or that has none; else the oldest for which fetching its values costs
    // less than waiting for its home, which is busy with its tasks and with the ready tasks of
    // that home before this one (as Dask steals work); else nothing.
    std::optional<size_t> choose(unsigned w, const std::deque<NodeId>& ready) override {
      if (kept_.empty()) return 0;
      const size_t scan = std::min(ready.size(), kLocalityScan);
      const double typical_ns = d_.mean_task_ns();
      ahead_.assign(cluster_.size(), 0);
      std::optional<size_t> steal;
      for (size_t i = 0; i < scan; ++i) {
        const Home h = home_of(ready[i], w);
        if (!h.worker || *h.worker == w) return i;
        const double wait_ns =
            typical_ns * static_cast<double>(d_.load(*h.worker) + ahead_[*h.worker]) / threads_;
        if (!steal && static_cast<double>(h.fetch_bytes) * kFetchNsPerByte < wait_ns) steal = i;
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
      home_bytes_.assign(cluster_.size(), 0);
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
    // as an argument of its own (then it waits: later).
    Sent send(unsigned w, NodeId n) override {
      if (kept_.empty()) return add_task(w, n);
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
      if (missing == 0) return add_task(w, n);
      waiting_[n] = {w, missing};
      return Sent::later;
    }

    // A value we fetched (for the tasks that wait for it), or why it could not be.
    void on_fetched(unsigned w, NodeId d, OutcomeType type, std::string_view payload) {
      auto it = kept_.find(d);
      if (it == kept_.end() || it->second.fetched || ex_.stopped()) return;
      if (type != OutcomeType::value) {
        ex_.fail_infrastructure(fmt::format("{} could not send the value of task '{}' it kept: {}",
                                            cluster_.describe(w), ex_.graph().key(d), payload));
        return;
      }
      const int64_t t0 = ns_since_epoch(Clock::now());
      d_.transfer().from_workers += payload.size();
      ex_.fill_result(d, decode(payload), d_.lane(w, 0));
      d_.serialised(SpanEvent::Kind::decode, d, t0);
      it->second.fetched = true;
      auto waiters = fetch_waiters_.extract(d);
      if (waiters.empty()) return;
      for (NodeId n : waiters.mapped()) {
        auto wait = waiting_.find(n);
        if (wait == waiting_.end() || --wait->second.missing > 0) continue;
        const unsigned to = wait->second.worker;
        waiting_.erase(wait);
        if (d_.send_held(to, n) == remote::Dispatcher::Outcome::failed) break;
      }
      flush();
    }

    // The run stopped: tasks still waiting for values were never sent; they never will be.
    void drop_held() override {
      waiting_.clear();
      fetch_waiters_.clear();
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
    void finish() override {
      for (const auto& [d, k] : kept_) free_kept(k.worker, d);
      kept_.clear();
      send_frees();
    }

    // Appends task n to worker w's batch (or sends it alone when its arguments are large).
    Sent add_task(unsigned w, NodeId n) {
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
      Writer record(out, /*append=*/true);
      record.put(id_);
      remote::put_request(record, g, n, ex_.locks().gil, ex_.observed(), keep ? kKeepBit : 0);
      record.put(static_cast<uint32_t>(kept_args_.size()));
      for (auto [position, d] : kept_args_) Writer(out, /*append=*/true).put(position).put(d);
      Writer(out, /*append=*/true).put(static_cast<uint64_t>(size));
      const size_t at = out.size();
      out.resize(at + size);
      encode_into(list, out.data() + at);
      d_.serialised(SpanEvent::Kind::encode, n, t0);  // before sending: the rank may start at once
      if (alone) cluster_.send(w, kTasks, std::move(single));
      d_.transfer().to_workers += size;
      return Sent::now;
    }

    // Each worker's batch goes out as one message.
    void flush() override {
      for (unsigned w = 0; w < batches_.size(); ++w) {
        if (batches_[w].empty()) continue;
        cluster_.send(w, kTasks, std::move(batches_[w]));
        batches_[w] = {};
      }
    }

    // Reads what came; true if something happened (a heartbeat does not count: the backoff
    // would start over 8 times a second on two workers, waking us thousands of times).
    bool collect() override {
      cluster_.progress_sends();
      bool got = false;
      for (int i = 0; i < 64; ++i) {
        auto m = cluster_.receive(in_);
        if (!m) break;
        got = got || m->tag != kHeartbeat;
        handle(m->worker, m->tag);
      }
      if (got) backoff_.reset();
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
      const remote::OutcomeHeader outcome = remote::get_outcome(r);
      const auto type = outcome.type;
      const NodeId n = outcome.node;
      const auto run = r.get<uint32_t>();
      const auto thread = r.get<uint32_t>();
      const auto waits = r.get<uint32_t>();
      Reader spans(r.get_bytes(uint64_t{waits} * 16));  // each wait for the GIL: start, end
      gil_waits_.resize(waits);
      for (auto& [from, to] : gil_waits_) {
        from = spans.get<int64_t>();
        to = spans.get<int64_t>();
      }
      const std::string_view payload = r.get_bytes(r.get<uint64_t>());
      if (type == OutcomeType::value || type == OutcomeType::fetch_failed) {
        if (run != id_) return;
        // Its encoding of the value counts, but is drawn nowhere: a thread of the rank that
        // runs no task did it, maybe while its task threads ran.
        d_.transfer().serialise_ns += outcome.serialise_ns;
        on_fetched(w, n, type, payload);
        return;
      }
      if (run != id_ || !d_.returned(w, n)) return;  // from an abandoned run
      d_.serialised_by_worker(outcome, d_.lane(w, thread));
      if (ex_.observed()) {
        for (auto [from, to] : gil_waits_) {
          ex_.tell_span(
              {SpanEvent::Kind::gil_wait, n, d_.lane(w, thread), from_ns(from), from_ns(to)});
        }
      }
      const TaskEvent ran = outcome.event(d_.lane(w, thread), cluster_.worker(w).pid);
      if (type == OutcomeType::task_error) {
        ex_.task_failed(ran, std::string(payload));
        release_reads(n);
        return;
      }
      if (type == OutcomeType::kept) {
        kept_[n] = {w, static_cast<uint32_t>(ex_.plan().succs_of(n).size()),
                    Reader(payload).get<uint64_t>()};
        finish_task(w, ran, Value());
        return;
      }
      if (type != OutcomeType::ok) {
        ex_.fail_infrastructure(fmt::format("{} while running task '{}': {}", cluster_.describe(w),
                                            ex_.graph().key(n), payload));
        return;
      }
      const int64_t t0 = ns_since_epoch(Clock::now());
      d_.transfer().from_workers += payload.size();
      Value result = decode(payload);
      d_.serialised(SpanEvent::Kind::decode, n, t0);
      finish_task(w, ran, std::move(result));
    }

    void finish_task(unsigned w, const TaskEvent& ran, Value result) {
      d_.ran(w, ran, std::move(result));
      // Notice a finished task within about 1% of a typical task's time: the time of the task
      // that a moment of waiting falls in (weighted by time, so that many short tasks beside
      // a few long ones do not make us wake up often while the long ones run).
      if (const double ns = d_.weighted_task_ns(); ns > 0) {
        backoff_.set_ceiling(std::chrono::microseconds(static_cast<int64_t>(ns / 100e3)));
      }
      release_reads(ran.node);
    }

    void on_death_note(unsigned w, int sig, const std::string& what) {
      if (sig == 0 && !d_.in_flight(w).empty()) return fail_its_task(w, what);
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

    void wait() override {
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

    // Worker w passed its memory limit: the task it was running fails, naming the worker (and,
    // where several ran side by side, every one of them).
    void fail_its_task(unsigned w, const std::string& why) {
      const NodeId n = d_.in_flight(w).front();
      const TaskEvent ran{n, d_.lane(w, 0), cluster_.worker(w).pid, Clock::now(), Clock::now()};
      const bool several = std::min<size_t>(threads_, d_.in_flight(w).size()) > 1;
      ex_.task_failed(ran, several ? fmt::format("{}: {} while running {}", cluster_.describe(w),
                                                 why, d_.running_on(w))
                                   : fmt::format("{}: {}", cluster_.describe(w), why));
      died(w);
    }

    void fail_on_death(const Cluster::Death& d) {
      if (d.memory_limit && !d_.in_flight(d.worker).empty()) return fail_its_task(d.worker, d.how);
      ex_.fail_infrastructure(fmt::format("{} {} while running {}", cluster_.describe(d.worker),
                                          d.how, d_.running_on(d.worker)));
      died(d.worker);
    }

    // Worker w's tasks will not answer, and the cluster must be replaced.
    void died(unsigned w) {
      died_ = true;
      d_.forget(w);
    }

    // A stopped run waits a little for the tasks a failed task left in flight (see top), and
    // abandons them (and so the cluster) at once after a death, a signal or a timeout.
    Clock::duration drain_grace() const override { return kDrainGrace; }
    bool lost_a_worker() const override { return died_; }
    void abandoned() override { cluster_.stop_early(died_); }

    Cluster& cluster_;
    Execution& ex_;
    Backoff& backoff_;  // the scheduler's: its ceiling carries over from the last run
    const uint32_t id_;
    const unsigned threads_;
    std::vector<std::string> batches_;
    std::deque<std::pair<unsigned, uint32_t>> lock_requests_;  // holder first
    std::vector<Value> args_;
    std::vector<std::pair<uint32_t, NodeId>> kept_args_;  // add_task's scratch
    std::vector<uint64_t> home_bytes_;                    // home_of's scratch
    std::vector<size_t> ahead_;                           // choose's scratch
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
    std::vector<std::string> frees_ = std::vector<std::string>(cluster_.size());
    std::string in_;
    bool died_ = false;
    Clock::time_point last_check_ = Clock::now();
    std::vector<std::pair<int64_t, int64_t>> gil_waits_;  // of the result being read, in ns
    remote::Dispatcher d_;                                // last: it is given this transport
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
