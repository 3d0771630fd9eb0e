// The life of a worker rank: its main thread talks to the parent (the only thread that calls
// MPI), a pool of task threads runs ops. Ops are found by name in this process's registry.
//
// The comm thread never runs a task, so it always answers: it relays lock requests, sends
// heartbeats, watches the memory limit and, when a task thread hits a fatal signal, tells the
// parent which signal before the process dies (the parent cannot wait for a process that is
// not its child, so this note is how it learns the signal).
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/schedulers/cpu_relax.hpp"
#include "schedlab/schedulers/distributed/protocol.hpp"
#include "schedlab/schedulers/distributed/runtime.hpp"
#include "schedlab/schedulers/task_body.hpp"
#include "schedlab/schedulers/wire.hpp"

namespace schedlab::distributed {
namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

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
  uint32_t node;
  std::string op;
  TaskOptions options;
  bool gil;
  std::string args;  // encoded
};

class WorkerRank;

// The cluster-wide `global` lock: asked for through the comm thread, granted by the parent.
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
  WorkerRank(MPI_Comm comm, int parent, bool launched)
      : comm_(comm), parent_(parent), launched_(launched), global_(*this) {}

  [[noreturn]] void serve() {
    std::string hello;
    Writer(hello).put<int32_t>(getpid()).put_string(host_name());
    MPI_Send(hello.data(), static_cast<int>(hello.size()), MPI_BYTE, parent_, kHello, comm_);
    last_beat_ = Clock::now();
    std::string in;
    unsigned idle = 0;
    for (;;) {
      bool busy = progress_sends();
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(parent_, MPI_ANY_TAG, comm_, &flag, &st);
      if (flag) {
        busy = true;
        int n = 0;
        MPI_Get_count(&st, MPI_BYTE, &n);
        in.resize(static_cast<size_t>(n));
        MPI_Recv(in.data(), n, MPI_BYTE, parent_, st.MPI_TAG, comm_, MPI_STATUS_IGNORE);
        handle(st.MPI_TAG, in);
      }
      if (outbox_size_.load(std::memory_order_acquire) > 0) {
        busy = true;
        flush_outbox();
      }
      check_signal_note();
      if (Clock::now() - last_beat_ > kHeartbeatEvery) {
        last_beat_ = Clock::now();
        send_small(kHeartbeat, {});
        if (memory_limit_) check_memory();
      }
      if (busy) {
        idle = 0;
      } else if (++idle > 2000) {
        // Nothing for a while: sleep a little between looks, up to 200 us.
        usleep(std::min(200u, idle / 1000));
      } else {
        cpu_relax();
      }
    }
  }

  // Called by task threads.
  void post_result(std::string record) {
    std::lock_guard lock(out_mutex_);
    results_.push_back(std::move(record));
    outbox_size_.fetch_add(1, std::memory_order_release);
  }
  void post_control(Tag tag, uint32_t thread) {
    std::lock_guard lock(out_mutex_);
    control_.emplace_back(tag, thread);
    outbox_size_.fetch_add(1, std::memory_order_release);
  }
  void wait_grant(uint32_t thread) {
    std::unique_lock lock(grant_mutex_);
    grant_cv_.wait(lock, [&] { return granted_[thread]; });
    granted_[thread] = false;
  }

 private:
  void handle(int tag, std::string_view in) {
    switch (tag) {
      case kConfig: {
        Reader r(in);
        const auto threads = r.get<uint32_t>();
        memory_limit_ = r.get<uint64_t>();
        start_threads(threads);
        break;
      }
      case kTasks: {
        Reader r(in);
        std::lock_guard lock(queue_mutex_);
        while (!r.at_end()) {
          Task t;
          t.run = r.get<uint32_t>();
          t.node = r.get<uint32_t>();
          t.op = r.get_string();
          t.options.sleep_us = r.get<uint32_t>();
          const auto lock_and_gil = r.get<uint8_t>();
          t.options.lock = static_cast<LockKind>(lock_and_gil & 0x7f);
          t.gil = (lock_and_gil & kGilBit) != 0;
          t.args = r.get_bytes(r.get<uint64_t>());
          running_.push_back(t.node);
          queue_.push_back(std::move(t));
        }
        queued_.store(queue_.size(), std::memory_order_release);
        queue_cv_.notify_all();
        break;
      }
      case kGrant: {
        const auto thread = Reader(in).get<uint32_t>();
        std::lock_guard lock(grant_mutex_);
        granted_[thread] = true;
        grant_cv_.notify_all();
        break;
      }
      case kStop:
        leave();
    }
  }

  [[noreturn]] void leave() {
    // Task threads may still be running abandoned tasks: the process ends under them.
    if (!launched_) MPI_Comm_disconnect(&comm_);
    MPI_Finalize();
    _exit(0);
  }

  void start_threads(uint32_t threads) {
    if (threads == threads_.size()) return;
    {
      std::lock_guard lock(queue_mutex_);
      retire_ = true;
      queue_cv_.notify_all();
    }
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    retire_ = false;
    granted_.assign(threads, false);
    for (uint32_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { task_thread(i); });
  }

  void task_thread(uint32_t index) {
    t_thread = index;
    std::string record;
    for (;;) {
      Task t;
      {
        // A chain's next task comes within microseconds: look for it a little before sleeping.
        const auto until = Clock::now() + std::chrono::microseconds(30);
        while (queued_.load(std::memory_order_acquire) == 0 && Clock::now() < until) cpu_relax();
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
    ResultType type = ResultType::ok;
    std::string error;
    Value result;
    int64_t start = 0, end = 0, serialise = 0;
    TaskWaits waits;
    try {
      const int64_t t0 = now_ns();
      Value args = decode(t.args);
      serialise += now_ns() - t0;
      const Op* op = OpRegistry::global().find(t.op);
      if (!op) {
        throw InfrastructureError(fmt::format(
            "op '{}' is not known on worker ranks (they run {}); register it before calling "
            "schedlab::serve_if_distributed_worker() at the start of main",
            t.op, worker_program_name()));
      }
      start = now_ns();
      result = run_task_body(*op, args.as_list(), t.options,
                             TaskLocks{TaskLocks::in_process().process, &global_, t.gil}, &waits);
      end = now_ns();
    } catch (const InfrastructureError& e) {
      type = ResultType::infrastructure_error;
      error = e.what();
    } catch (...) {
      type = ResultType::task_error;
      error = current_exception_message();
    }
    if (end == 0) end = now_ns();
    if (start == 0) start = end;
    size_t size = error.size();
    if (type == ResultType::ok) {
      try {
        size = encoded_size(result);
      } catch (const std::exception& e) {
        type = ResultType::task_error;
        error = fmt::format("cannot send the result to the scheduler: {}", e.what());
        size = error.size();
      }
    }
    const int64_t t1 = now_ns();
    Writer w(record);
    w.put(static_cast<uint8_t>(type)).put(t.run).put(t.node).put(thread).put(start).put(end);
    const size_t serialise_at = record.size();
    w.put(serialise).put(static_cast<int64_t>(waits.lock_ms * 1e6));
    w.put(static_cast<int64_t>(waits.gil_ms * 1e6)).put(static_cast<uint64_t>(size));
    const size_t at = record.size();
    record.resize(at + size);
    if (type == ResultType::ok)
      encode_into(result, record.data() + at);
    else
      std::memcpy(record.data() + at, error.data(), size);
    serialise += now_ns() - t1;
    std::memcpy(record.data() + serialise_at, &serialise, sizeof serialise);
  }

  static std::string worker_program_name() {
    std::error_code ec;
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "this program";
  }

  // Sends what task threads posted: control messages one by one (they are tiny), results in
  // batches, a large one on its own.
  void flush_outbox() {
    std::vector<std::string> results;
    std::vector<std::pair<Tag, uint32_t>> control;
    {
      std::lock_guard lock(out_mutex_);
      results.swap(results_);
      control.swap(control_);
      outbox_size_.store(0, std::memory_order_relaxed);
    }
    for (auto [tag, thread] : control) {
      std::string m;
      Writer(m).put(thread);
      send_small(tag, m);
    }
    std::string batch;
    for (std::string& r : results) {
      // A finished task is no longer running (for the memory limit's message).
      {
        std::lock_guard lock(queue_mutex_);
        uint32_t node;
        std::memcpy(&node, r.data() + 1 + sizeof(uint32_t), sizeof node);  // after type, run
        std::erase(running_, node);
      }
      if (r.size() >= kAloneBytes) {
        isend(kResults, std::move(r));
      } else {
        batch += r;
      }
    }
    if (!batch.empty()) isend(kResults, std::move(batch));
  }

  void send_small(Tag tag, const std::string& m) {
    MPI_Send(m.data(), static_cast<int>(m.size()), MPI_BYTE, parent_, tag, comm_);
  }

  // Non-blocking, so that a large result and a large argument crossing never wait on each
  // other; the buffer lives until MPI is done with it.
  void isend(Tag tag, std::string bytes) {
    sends_.emplace_back();
    auto& [request, buffer] = sends_.back();
    buffer = std::move(bytes);
    MPI_Isend(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, parent_, tag, comm_,
              &request);
  }
  bool progress_sends() {
    bool any = false;
    while (!sends_.empty()) {
      int done = 0;
      MPI_Test(&sends_.front().first, &done, MPI_STATUS_IGNORE);
      if (!done) break;
      sends_.pop_front();
      any = true;
    }
    return any;
  }

  void check_signal_note() {
    char c;
    if (g_signal_pipe[0] < 0 || read(g_signal_pipe[0], &c, 1) != 1) return;
    const int sig = static_cast<unsigned char>(c);
    tell_death(sig, running_description());
    [[maybe_unused]] ssize_t w = write(g_ack_pipe[1], &c, 1);
  }

  std::string running_description() {
    std::lock_guard lock(queue_mutex_);
    return fmt::format("{} task(s) running", running_.size());
  }

  void tell_death(int sig, const std::string& what) {
    std::string m;
    Writer(m).put<int32_t>(sig).put_string(what);
    send_small(kDeath, m);
  }

  void check_memory() {
    const uint64_t rss = resident_bytes();
    if (rss <= memory_limit_) return;
    tell_death(0, fmt::format("its memory ({:.1f} MB) passed its limit of {:.1f} MB",
                              rss / 1e6, memory_limit_ / 1e6));
    // The parent fails the run; the rank ends here rather than take the machine down.
    _exit(3);
  }

  MPI_Comm comm_;
  int parent_;
  bool launched_;
  ClusterLock global_;
  uint64_t memory_limit_ = 0;
  Clock::time_point last_beat_;

  std::vector<std::thread> threads_;
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Task> queue_;
  std::vector<uint32_t> running_;  // nodes received and not yet answered
  std::atomic<size_t> queued_{0};
  bool retire_ = false;

  std::mutex out_mutex_;
  std::vector<std::string> results_;
  std::vector<std::pair<Tag, uint32_t>> control_;
  std::atomic<size_t> outbox_size_{0};

  std::mutex grant_mutex_;
  std::condition_variable grant_cv_;
  std::vector<bool> granted_;

  std::deque<std::pair<MPI_Request, std::string>> sends_;
};

void ClusterLock::lock() {
  w_.post_control(kLock, t_thread);
  w_.wait_grant(t_thread);
}
void ClusterLock::unlock() { w_.post_control(kUnlock, t_thread); }

}  // namespace

[[noreturn]] void serve_parent(MPI_Comm comm, int parent, bool launched) {
  // A name of its own, so that `ps` and CI's leak check (`pgrep -x schedlab-worker`) see it.
  prctl(PR_SET_NAME, "schedlab-worker");
  // Ctrl-C goes to the scheduling rank, which stops the cluster; a worker does not die of it.
  signal(SIGINT, SIG_IGN);
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  install_fatal_handlers();  // after MPI_Init, which installs handlers of its own
  try {
    WorkerRank(comm, parent, launched).serve();
  } catch (...) {
  }
  _exit(3);
}

}  // namespace schedlab::distributed
