// The life of a worker process: forked by the pool, it reads task requests from its ring, runs
// them (ops looked up by id and checked by name, since the registry was copied at fork), and
// posts responses. It never returns: it leaves with _exit, so none of the parent's atexit
// handlers or static destructors (pools, segments) run a second time in the child.
#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string_view>

#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/schedulers/clock_ns.hpp"
#include "schedlab/schedulers/observer.hpp"
#include "schedlab/schedulers/processes/pool.hpp"
#include "schedlab/schedulers/processes/spin.hpp"
#include "schedlab/schedulers/processes/transfer.hpp"
#include "schedlab/schedulers/remote/task_messages.hpp"
#include "schedlab/schedulers/task_body.hpp"

namespace schedlab::processes {
namespace {

// The `global` lock: a robust mutex in the segment. If its holder died, the next locker gets
// EOWNERDEAD instead of waiting forever; it repairs the mutex and fails the task.
class RobustLock final : public TaskLock {
 public:
  explicit RobustLock(pthread_mutex_t* m) : m_(m) {}
  void lock() override {
    int r = pthread_mutex_lock(m_);
    if (r == EOWNERDEAD) {
      pthread_mutex_consistent(m_);
      pthread_mutex_unlock(m_);
      throw remote::LockOwnerDied();
    }
    if (r != 0) throw InfrastructureError(fmt::format("global lock: {}", std::strerror(r)));
  }
  void unlock() override { pthread_mutex_unlock(m_); }

 private:
  pthread_mutex_t* m_;
};

// Fault injection for the tests of a worker dying at each stage of a task, as CPython's
// test_deadlock.py does for its process pool: SCHEDLAB_WORKER_FAULT=receive (while reading the
// arguments), run (while running the op), send (while writing the result; SIGKILL), or exit0
// (leaves with status 0 instead of answering). Read once, at fork.
enum class Fault : uint8_t { none, receive, run, send, exit0 };

Fault fault_from_environment() {
  const char* v = std::getenv("SCHEDLAB_WORKER_FAULT");
  std::string_view s = v ? v : "";
  return s == "receive" ? Fault::receive
         : s == "run"   ? Fault::run
         : s == "send"  ? Fault::send
         : s == "exit0" ? Fault::exit0
                        : Fault::none;
}

class Worker {
 public:
  Worker(char* segment, unsigned index, pid_t parent, std::string ool_prefix)
      : header_(reinterpret_cast<PoolHeader*>(segment)),
        channel_(channel(segment, index, false)),
        parent_(parent),
        ool_prefix_(std::move(ool_prefix)),
        global_(&header_->global_lock),
        fault_(fault_from_environment()) {
    to_parent_.name_prefix = fmt::format("{}r{}-", ool_prefix_, getpid());
  }

  [[noreturn]] void run() {
    for (;;) {
      std::span<const char> message = next_request();
      Reader in({message.data(), message.size()});
      if (static_cast<RequestType>(in.get<uint8_t>()) == RequestType::stop) _exit(0);
      handle_task(in);
    }
  }

 private:
  // Spins for a while (a chain's next task usually comes within a microsecond; see spin.hpp),
  // then sleeps on the bell, checking every 100 ms that the parent is still there.
  std::span<const char> next_request() {
    auto has_request = [&] { return !channel_.requests.empty(); };
    auto parent_here = [&] {
      return header_->parent_cpu.load(std::memory_order_relaxed) ==
             channel_.area->cpu.load(std::memory_order_relaxed);
    };
    spin_for_peer(has_request, parent_here, channel_.area->cpu);
    for (bool idle = false;; idle = true) {
      std::span<const char> m = channel_.requests.peek();
      if (!m.empty()) return m;
      // Idle a while (between runs, between cells): give back what the last run freed, which
      // a raised trim threshold keeps (suite::use_steady_allocator), so that the next cell's peak
      // RSS is its own.
      if (idle && !trimmed_) {
        malloc_trim(0);
        trimmed_ = true;
      }
      channel_.area->bell.wait(has_request, 100'000);
      if (getppid() != parent_) _exit(1);
    }
  }

  void handle_task(Reader& in) {
    trimmed_ = false;
    publish_cpu(channel_.area->cpu);  // where the parent finds us while we work
    const remote::TaskRequest request = remote::get_request(in);
    auto arguments = [&] {
      Segment holder;
      inject(Fault::receive);
      Value args = decode(receive_payload(in, holder, from_parent_));
      channel_.requests.pop();  // the arguments are ours now: free the ring for the parent
      popped_ = true;
      inject(Fault::run);
      return args;
    };
    static constexpr remote::WorkerSide kSide{
        .search = false,
        .where = "in the worker process",
        .hint =
            "register it before the first run (a pool started earlier knows only the ops "
            "registered then)"};
    remote::TaskOutcome outcome =
        remote::execute(request, arguments,
                        TaskLocks{TaskLocks::in_process().process, &global_, request.gil}, kSide);
    if (!popped_) channel_.requests.pop();
    popped_ = false;
    inject(Fault::exit0);
    respond(outcome, request.node);
  }

  void respond(remote::TaskOutcome& outcome, NodeId node) {
    size_t size = remote::payload_size(outcome, SIZE_MAX, "the parent");
    auto fill = [&](char* dst) {
      const int64_t t0 = now_ns();
      inject(Fault::send);
      remote::write_payload(outcome, dst);
      outcome.serialise_ns += now_ns() - t0;
    };
    auto header = [&]() -> std::string_view {
      Writer out(header_bytes_);
      remote::put_outcome(out, outcome, node);
      return header_bytes_;
    };
    auto posted = [&] {
      try {
        return post(channel_.responses, remote::kOutcomeHeaderBytes, header, size, fill,
                    to_parent_);
      } catch (const InfrastructureError& e) {
        // No shared memory for a large result (a full /dev/shm): say so, in a small message.
        outcome.type = remote::OutcomeType::infrastructure_error;
        outcome.error = e.what();
        size = outcome.error.size();
        return post(channel_.responses, remote::kOutcomeHeaderBytes, header, size, fill,
                    to_parent_);
      }
    };
    for (int spins = 0; !posted(); ++spins) {
      // The parent has not drained our responses yet: wait a little, and not forever.
      if (getppid() != parent_) _exit(1);
      timespec pause{0, spins < 100 ? 1'000L : 100'000L};
      nanosleep(&pause, nullptr);
    }
    header_->parent_bell.ring();
  }

  void inject(Fault here) const {
    if (fault_ != here) return;
    if (here == Fault::exit0) _exit(0);
    raise(SIGKILL);
  }

  PoolHeader* header_;
  WorkerChannel channel_;
  pid_t parent_;
  std::string ool_prefix_;
  RobustLock global_;
  std::string header_bytes_;
  BigBuffer to_parent_;
  BigMapping from_parent_;
  bool popped_ = false;
  bool trimmed_ = true;  // nothing freed since the last malloc_trim
  Fault fault_;
};

}  // namespace

void worker_main(char* segment, unsigned index, pid_t parent, const std::string& ool_prefix) {
  // Die with the parent, even if it is killed with SIGKILL; then check it did not die already.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  // A name of its own, so that `ps` and `pgrep -x schedlab-worker` (CI's leak check) see it.
  prctl(PR_SET_NAME, "schedlab-worker");
  // Ctrl-C goes to the parent, which stops the run and then stops us.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_DFL);
  reset_interrupt_after_fork();  // the parent's stop is not ours: it stops us with SIGTERM
  // Large values (arrays of many MB) arrive again and again: keep them on the heap, where
  // freed memory is reused, instead of a fresh mmap, whose every page faults, each time.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  try {
    Worker(segment, index, parent, ool_prefix).run();
  } catch (...) {
  }
  _exit(3);
}

}  // namespace schedlab::processes
