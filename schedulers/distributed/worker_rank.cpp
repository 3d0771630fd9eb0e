// The life of a worker rank. Its main thread receives tasks from the parent and sends results
// back. With one thread per worker it runs each task itself (a chain's hand-off is then one
// message each way, no thread in between); with more, a pool of task threads runs them and
// the main thread relays. Ops are found by name in this process's registry.
//
// A watch thread never runs a task, so it always answers: it sends heartbeats, watches the
// memory limit, leaves at once when the parent says stop (even while a task runs), and, when
// a task hits a fatal signal, tells the parent which signal before the process dies (the
// parent cannot wait for a process that is not its child, so this note is how it learns it).
// MPI calls are made under one mutex, never while an op runs, so either thread can end the
// process (MPI_Finalize on a stop, which every rank of the cluster gets; a bare _exit past the
// memory limit, since finalizing would wait for the other ranks).
#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/schedulers/clock_ns.hpp"
#include "schedlab/schedulers/distributed/backoff.hpp"
#include "schedlab/schedulers/distributed/protocol.hpp"
#include "schedlab/schedulers/distributed/runtime.hpp"
#include "schedlab/schedulers/distributed/send_queue.hpp"
#include "schedlab/schedulers/task_body.hpp"
#include "schedlab/schedulers/wire.hpp"

namespace schedlab::distributed {
namespace {

using Clock = std::chrono::steady_clock;

// Fatal signals: the handler hands the signal to the comm thread through a pipe and waits (a
// little) for it to be told to the parent, then dies of it.
int g_signal_pipe[2] = {-1, -1};
int g_ack_pipe[2] = {-1, -1};

extern "C" void on_fatal_signal(int sig) {
  const int saved = errno;
  const char c = static_cast<char>(sig);
  [[maybe_unused]] ssize_t w = write(g_signal_pipe[1], &c, 1);
  pollfd p{g_ack_pipe[0], POLLIN, 0};
  poll(&p, 1, 500);
  signal(sig, SIG_DFL);
  errno = saved;
  raise(sig);
}

void install_fatal_handlers() {
  if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0 || pipe2(g_ack_pipe, O_CLOEXEC) != 0) {
    return;  // no note on a crash; the parent still sees the death
  }
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM}) sigaction(sig, &sa, nullptr);
}

uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

struct Task {
  uint32_t run;  // the parent's run, echoed so it can drop answers of an abandoned one
  remote::TaskRequest request;
  bool keep;  // keep a large result here
  std::vector<std::pair<uint32_t, uint32_t>>
      kept_args;          // position, node whose kept value goes there
  std::string_view args;  // encoded: in the received message (run inline)...
  std::string owned;      // ...or a copy, for a task thread
};

class WorkerRank;

// The cluster-wide `global` lock: asked for from the parent, which grants it.
class ClusterLock final : public TaskLock {
 public:
  explicit ClusterLock(WorkerRank& w) : w_(w) {}
  void lock() override;
  void unlock() override;

 private:
  WorkerRank& w_;
};

thread_local uint32_t t_thread = 0;  // the task thread's index in its rank

class WorkerRank {
 public:
  WorkerRank(MPI_Comm comm, int parent) : comm_(comm), parent_(parent), global_(*this) {}

  [[noreturn]] void serve() {
    std::string hello;
    Writer(hello).put<int32_t>(getpid()).put_string(host_name());
    send_now(kHello, hello);
    std::thread([this] { watch(); }).detach();
    std::string in;
    Backoff backoff;
    auto idle_since = Clock::now();
    bool trimmed = true;
    for (;;) {
      bool busy = false;
      int tag = -1;
      {
        std::lock_guard mpi(mpi_);
        busy = sends_.progress();
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(parent_, MPI_ANY_TAG, comm_, &flag, &st);
        if (flag) {
          tag = st.MPI_TAG;
          receive_probed(comm_, st, in);
        }
      }
      if (tag >= 0) {
        busy = true;
        handle(tag, in);
        if (in.capacity() > kAloneBytes * 16) std::string().swap(in);  // keep no 100 MB buffer
      }
      if (outbox_size_.load(std::memory_order_acquire) > 0) {
        busy = true;
        flush_outbox();
      }
      if (busy) {
        backoff.reset();
        idle_since = Clock::now();
        trimmed = false;
      } else {
        // Idle a while: give back what the last run freed (see processes/worker.cpp). A while
        // is 1 s: the repetitions of a suite's cell come further apart than 100 ms here, and
        // paging a run's tables in again made flights' parses on two ranks 116 ms -> 160 ms.
        if (!trimmed && Clock::now() - idle_since > std::chrono::seconds(1)) {
          malloc_trim(0);
          trimmed = true;
        }
        backoff.wait();
      }
    }
  }

  // From task threads (pool mode).
  void post_result(std::string record) {
    std::lock_guard lock(out_mutex_);
    results_.push_back(std::move(record));
    outbox_size_.fetch_add(1, std::memory_order_release);
  }

  void take_global_lock() {
    std::string m;
    Writer(m).put(t_thread);
    send_now(kLock, m);
    if (!pool_) {
      // Run inline: wait for the grant right here (other messages wait in MPI meanwhile).
      for (Backoff backoff;; backoff.wait()) {
        {
          std::lock_guard mpi(mpi_);
          int flag = 0;
          MPI_Iprobe(parent_, kGrant, comm_, &flag, MPI_STATUS_IGNORE);
          if (flag) {
            uint32_t thread = 0;
            MPI_Recv(&thread, sizeof thread, MPI_BYTE, parent_, kGrant, comm_, MPI_STATUS_IGNORE);
            return;
          }
        }
      }
    }
    std::unique_lock lock(grant_mutex_);
    grant_cv_.wait(lock, [&] { return granted_[t_thread]; });
    granted_[t_thread] = false;
  }
  void give_back_global_lock() {
    std::string m;
    Writer(m).put(t_thread);
    send_now(kUnlock, m);
  }

 private:
  void handle(int tag, std::string_view in) {
    switch (tag) {
      case kConfig: {
        Reader r(in);
        const auto threads = r.get<uint32_t>();
        memory_limit_.store(r.get<uint64_t>());
        start_pool(threads);
        break;
      }
      case kTasks: {
        Reader r(in);
        std::string batch;
        while (!r.at_end()) {
          Task t;
          t.run = r.get<uint32_t>();
          t.request = remote::get_request(r);
          t.keep = (t.request.flags & kKeepBit) != 0;
          for (auto k = r.get<uint32_t>(); k > 0; --k) {
            const auto position = r.get<uint32_t>();
            t.kept_args.emplace_back(position, r.get<uint32_t>());
          }
          start_run(t.run);
          t.args = r.get_bytes(r.get<uint64_t>());
          if (pool_) {
            t.owned = t.args;  // the message buffer is reused for the next message
            std::lock_guard lock(queue_mutex_);
            queue_.push_back(std::move(t));
            continue;
          }
          std::string record;
          run(t, 0, record);

          add_to_batch(batch, std::move(record));
        }
        if (pool_) {
          std::lock_guard lock(queue_mutex_);
          queued_.store(queue_.size(), std::memory_order_release);
          queue_cv_.notify_all();
        } else if (!batch.empty()) {
          isend(kResults, std::move(batch));
        }
        break;
      }
      case kGrant: {
        const auto thread = Reader(in).get<uint32_t>();
        std::lock_guard lock(grant_mutex_);
        granted_[thread] = true;
        grant_cv_.notify_all();
        break;
      }
      case kFetch: {
        Reader r(in);
        const auto run = r.get<uint32_t>();
        send_kept(run, r.get<uint32_t>(), /*blocking=*/false);
        break;
      }
      case kFree: {
        Reader r(in);
        const auto run = r.get<uint32_t>();
        std::lock_guard lock(kept_mutex_);
        if (run != kept_run_) break;
        while (!r.at_end()) kept_.erase(r.get<uint32_t>());
        break;
      }
      case kStop:
        leave();
    }
  }

  // Values kept for the parent's run `run`; those of an earlier run are dropped (a run that
  // stopped early may not have said to free them).
  void start_run(uint32_t run) {
    std::lock_guard lock(kept_mutex_);
    if (run == kept_run_) return;
    kept_.clear();
    kept_run_ = run;
  }

  Value kept_value(uint32_t node) {
    std::lock_guard lock(kept_mutex_);
    auto it = kept_.find(node);
    if (it == kept_.end()) {
      throw InfrastructureError(
          fmt::format("the value of task #{} that this worker kept is gone", node));
    }
    return it->second;
  }

  // The parent fetched a kept value, for a task that runs elsewhere. From the main thread
  // (queued sends) or, while it runs a task, the watch thread (blocking sends).
  void send_kept(uint32_t run, uint32_t node, bool blocking) {
    remote::TaskOutcome outcome;
    outcome.type = OutcomeType::value;
    std::string payload;
    try {
      {
        std::lock_guard lock(kept_mutex_);
        if (run != kept_run_) throw InfrastructureError("it was kept for another run");
      }
      const Value v = kept_value(node);
      outcome.start_ns = outcome.end_ns = now_ns();  // the encoding follows "end", as a task's
      payload.resize(encoded_size(v));
      encode_into(v, payload.data());
      outcome.serialise_ns = now_ns() - outcome.end_ns;
    } catch (const std::exception& e) {
      outcome.type = OutcomeType::fetch_failed;
      payload = e.what();
    }
    std::string record;
    Writer w(record);
    remote::put_outcome(w, outcome, node);
    w.put(run).put(uint32_t{0}).put(uint32_t{0}).put(static_cast<uint64_t>(payload.size()));
    record += payload;
    if (blocking)
      send_now(kResults, record);
    else
      isend(kResults, std::move(record));
  }

  [[noreturn]] void leave() {
    // Tasks still running (abandoned) end with the process; the parent does not wait for them.
    std::lock_guard mpi(mpi_);  // never released: no MPI call may follow the finalize
    MPI_Finalize();
    _exit(0);
  }

  // The watch thread: a fatal signal's note, the parent's stop, heartbeats, the memory limit.
  void watch() {
    auto last_beat = Clock::now();
    for (;;) {
      // Every 5 ms while a task runs or memory is limited; an idle rank's main thread answers a
      // stop itself, so this thread then looks every 50 ms (an idle cluster costs next to
      // nothing: the classroom keeps several).
      const bool watching = running_.load() > 0 || memory_limit_.load() > 0;
      pollfd p{g_signal_pipe[0], POLLIN, 0};
      if (poll(&p, 1, watching ? 5 : 50) > 0) {
        char c = 0;
        if (read(g_signal_pipe[0], &c, 1) == 1) {
          std::string m;
          Writer(m).put<int32_t>(static_cast<unsigned char>(c)).put_string("");
          send_now(kDeath, m);
          [[maybe_unused]] ssize_t w = write(g_ack_pipe[1], &c, 1);
        }
      }
      std::optional<std::pair<uint32_t, uint32_t>> fetch;  // run, node
      {
        std::lock_guard mpi(mpi_);
        int flag = 0;
        MPI_Iprobe(parent_, kStop, comm_, &flag, MPI_STATUS_IGNORE);
        if (flag) {
          MPI_Recv(nullptr, 0, MPI_BYTE, parent_, kStop, comm_, MPI_STATUS_IGNORE);
          // Tasks that sleep end at once; the process ends under the others.
          request_interrupt();
          MPI_Finalize();
          _exit(0);
        }
        // A fetch waits for no task: the main thread may be running one for seconds.
        if (running_.load() > 0) {
          MPI_Iprobe(parent_, kFetch, comm_, &flag, MPI_STATUS_IGNORE);
          if (flag) {
            uint32_t asked[2] = {0, 0};
            MPI_Recv(asked, sizeof asked, MPI_BYTE, parent_, kFetch, comm_, MPI_STATUS_IGNORE);
            fetch.emplace(asked[0], asked[1]);
          }
        }
      }
      if (fetch) send_kept(fetch->first, fetch->second, /*blocking=*/true);
      if (Clock::now() - last_beat > kHeartbeatEvery) {
        last_beat = Clock::now();
        send_now(kHeartbeat, {});
      }
      check_memory();  // reading statm costs microseconds
    }
  }

  void start_pool(uint32_t threads) {
    if (threads == threads_.size() || (threads <= 1 && !pool_)) return;
    {
      std::lock_guard lock(queue_mutex_);
      retire_ = true;
      queue_cv_.notify_all();
    }
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    retire_ = false;
    pool_ = threads > 1;
    granted_.assign(std::max(threads, 1u), false);
    if (!pool_) return;
    for (uint32_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { task_thread(i); });
  }

  void task_thread(uint32_t index) {
    t_thread = index;
    std::string record;
    for (;;) {
      Task t;
      {
        // The next task often comes within microseconds: look for it a little before sleeping.
        const auto until = Clock::now() + std::chrono::microseconds(30);
        while (queued_.load(std::memory_order_acquire) == 0 && Clock::now() < until) sched_yield();
        std::unique_lock lock(queue_mutex_);
        queue_cv_.wait(lock, [&] { return !queue_.empty() || retire_; });
        if (retire_) return;
        t = std::move(queue_.front());
        queue_.pop_front();
        queued_.store(queue_.size(), std::memory_order_release);
      }
      run(t, index, record);
      post_result(std::move(record));
      record = {};
    }
  }
  void run(const Task& t, uint32_t thread, std::string& record) {
    struct Running {
      std::atomic<int>& count;
      explicit Running(std::atomic<int>& c) : count(c) { count.fetch_add(1); }
      ~Running() { count.fetch_sub(1); }
    } running(running_);
    auto arguments = [&] {
      Value args = decode(t.owned.empty() ? t.args : std::string_view(t.owned));
      if (t.kept_args.empty()) return args;
      List list = args.as_list();
      for (auto [position, node] : t.kept_args) list.at(position) = kept_value(node);
      return Value(std::move(list));
    };
    static const std::string where = fmt::format("on worker ranks (they run {})", worker_program());
    static const remote::WorkerSide side{
        .search = true,
        .where = where,
        .hint =
            "register it before calling schedlab::serve_if_distributed_worker() at the start "
            "of main"};
    const remote::TaskRequest& request = t.request;
    remote::TaskOutcome outcome =
        remote::execute(request, arguments,
                        TaskLocks{TaskLocks::in_process().process, &global_, request.gil}, side);
    size_t size = remote::payload_size(outcome, kMaxMessageBytes, "the scheduler",
                                       "one MPI message holds at most 2 GB");
    if (outcome.type == OutcomeType::ok && t.keep && size >= kKeepBytes) {
      std::lock_guard lock(kept_mutex_);
      if (t.run == kept_run_) {
        kept_.insert_or_assign(request.node, std::move(outcome.result));
        outcome.type = OutcomeType::kept;
      }
    }
    const int64_t t0 = now_ns();
    Writer w(record);
    remote::put_outcome(w, outcome, request.node);
    w.put(t.run).put(thread).put(static_cast<uint32_t>(outcome.waits.gil_spans.size()));
    for (const GilWaitSpan& g : outcome.waits.gil_spans)
      w.put(ns_since_epoch(g.start)).put(ns_since_epoch(g.end));
    if (outcome.type == OutcomeType::kept) {
      w.put(uint64_t{sizeof(uint64_t)}).put(static_cast<uint64_t>(size));
      return;
    }
    w.put(static_cast<uint64_t>(size));
    const size_t at = record.size();
    record.resize(at + size);
    remote::write_payload(outcome, record.data() + at);
    remote::patch_serialise(record.data(), outcome.serialise_ns + now_ns() - t0);
  }

  void add_to_batch(std::string& batch, std::string record) {
    if (record.size() >= kAloneBytes)
      isend(kResults, std::move(record));  // alone, from its own string: no copy
    else
      batch += record;
  }

  // Sends what task threads posted, in one batch (a large result alone).
  void flush_outbox() {
    std::vector<std::string> results;
    {
      std::lock_guard lock(out_mutex_);
      results.swap(results_);
      outbox_size_.store(0, std::memory_order_relaxed);
    }
    std::string batch;
    for (std::string& r : results) add_to_batch(batch, std::move(r));
    if (!batch.empty()) isend(kResults, std::move(batch));
  }

  void send_now(Tag tag, const std::string& m) {
    std::lock_guard mpi(mpi_);
    MPI_Send(m.data(), static_cast<int>(m.size()), MPI_BYTE, parent_, tag, comm_);
  }

  void isend(Tag tag, std::string bytes) {  // main thread only
    std::lock_guard mpi(mpi_);
    sends_.send(comm_, parent_, tag, std::move(bytes));
  }

  void check_memory() {
    const uint64_t limit = memory_limit_.load();
    if (limit == 0) return;
    const uint64_t rss = resident_bytes();
    if (rss <= limit) return;
    std::string m;
    Writer(m).put<int32_t>(0).put_string(
        fmt::format("its memory ({:.1f} MB) passed its limit of {:.1f} MB (--memory-limit); "
                    "the worker was stopped",
                    rss / 1e6, limit / 1e6));
    send_now(kDeath, m);
    // The parent fails the run; the rank ends here rather than take the machine down, at once:
    // MPI_Finalize would wait for every other rank of the job.
    // (Its own exit code: the parent may see the exit before it reads the note.)
    std::lock_guard mpi(mpi_);
    _exit(kMemoryLimitExitCode);
  }

  MPI_Comm comm_;
  int parent_;
  ClusterLock global_;
  std::mutex mpi_;  // every MPI call
  std::atomic<uint64_t> memory_limit_{0};
  std::atomic<int> running_{0};  // tasks running now

  bool pool_ = false;  // task threads run the tasks (more than one thread per worker)
  std::vector<std::thread> threads_;
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Task> queue_;
  std::atomic<size_t> queued_{0};
  bool retire_ = false;

  std::mutex out_mutex_;
  std::vector<std::string> results_;
  std::atomic<size_t> outbox_size_{0};

  std::mutex grant_mutex_;
  std::condition_variable grant_cv_;
  std::vector<bool> granted_ = std::vector<bool>(1, false);

  SendQueue sends_;

  std::mutex kept_mutex_;  // task threads keep values; the main thread sends and frees them
  uint32_t kept_run_ = 0;
  std::unordered_map<uint32_t, Value> kept_;
};

void ClusterLock::lock() {
  w_.take_global_lock();
}
void ClusterLock::unlock() {
  w_.give_back_global_lock();
}

}  // namespace

[[noreturn]] void serve_parent(MPI_Comm comm, int parent) {
  // A name of its own, so that `ps` and CI's leak check (`pgrep -x schedlab-worker`) see it.
  prctl(PR_SET_NAME, "schedlab-worker");
  // Ctrl-C goes to the scheduling rank, which stops the cluster; a worker does not die of it.
  signal(SIGINT, SIG_IGN);
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  install_fatal_handlers();  // after MPI_Init, which installs handlers of its own
  // As a `processes` worker: large values (tables, arrays of many MB) are made and dropped
  // again and again; keep them on the heap, where freed memory is reused, instead of a fresh
  // mmap whose every page faults each time (a flights parse took 125 ms here instead of 105).
  // Idle ranks give it back (malloc_trim).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  try {
    WorkerRank(comm, parent).serve();
  } catch (...) {
    // Nobody else would say it: the parent hears only that this worker ended.
    std::fprintf(stderr, "schedlab worker (pid %d on host %s): %s\n", getpid(), host_name().c_str(),
                 printable(current_exception_message()).c_str());
  }
  _exit(3);
}

}  // namespace schedlab::distributed
