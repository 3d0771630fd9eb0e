#include "schedlab/core/interrupt.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace schedlab {
namespace detail {
std::atomic<int> g_interrupt_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);
constinit thread_local const RunStop* t_run_stop = nullptr;
}  // namespace detail

namespace {
std::atomic<int>& g_reason = detail::g_interrupt_signal;

// The self-pipe: a stop writes one byte and nobody reads it, so the read end stays readable
// and every poll() on it returns at once, however many sleepers there are.
std::atomic<int> g_read_fd{-1}, g_write_fd{-1};
std::mutex g_pipe_mutex;

// Runs that timed out and have not ended, oldest first, with their messages; and the pipe that
// tells the watchdog (written once per timeout, drained by the watchdog: the list is what
// counts).
std::mutex g_timeouts_mutex;
std::vector<std::pair<const RunStop*, std::string>> g_timeouts;
int g_timeout_pipe[2] = {-1, -1};

// "schedlab-<pid>-": the shared-memory names of this process (processes/shm.hpp), for the second
// Ctrl-C, which exits from the signal handler and may only call async-signal-safe functions.
char g_shm_prefix[64] = {};
std::atomic<size_t> g_shm_prefix_len{0};  // set before the handlers are installed

void ensure_pipe() {
  if (g_read_fd.load() >= 0) return;
  std::lock_guard lock(g_pipe_mutex);
  if (g_read_fd.load() >= 0) return;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;  // sleeps then poll the flag instead
  g_write_fd.store(fds[1]);
  g_read_fd.store(fds[0]);
  if (g_reason.load() != 0) (void)!write(fds[1], "x", 1);
}

void drain_pipe() {
  int fd = g_read_fd.load();
  char drain[64];
  if (fd >= 0) {
    while (read(fd, drain, sizeof drain) > 0) {
    }
  }
}

void wake_sleepers() {
  int fd = g_write_fd.load();
  if (fd >= 0) (void)!write(fd, "x", 1);  // a full pipe is fine: it is readable already
}

// Only raw system calls: this runs inside a signal handler.
void remove_own_segments() {
  const size_t prefix_len = g_shm_prefix_len.load();
  if (prefix_len == 0) return;
  int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  alignas(8) char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      struct Entry {
        uint64_t ino;
        int64_t off;
        unsigned short reclen;
        unsigned char type;
        char name[1];
      };
      auto* e = reinterpret_cast<Entry*>(buf + at);
      if (std::strncmp(e->name, g_shm_prefix, prefix_len) == 0) unlinkat(dir, e->name, 0);
      at += e->reclen;
    }
  }
  close(dir);
}

extern "C" void on_signal(int sig) {
  const int saved_errno = errno;  // the interrupted code may be about to read it
  const int before = g_reason.exchange(sig);
  if (before == SIGINT || before == SIGTERM || before == SIGHUP) {  // the second: leave now
    remove_own_segments();
    _exit(exit_code_for_stop(sig));
  }
  wake_sleepers();
  errno = saved_errno;
}

std::atomic<int> g_runs{0};
}  // namespace

void request_interrupt(int reason) {
  int expected = 0;
  g_reason.compare_exchange_strong(expected, reason ? reason : SIGINT);
  ensure_pipe();
  wake_sleepers();
}

void clear_interrupt() {
  g_reason.store(0);
  drain_pipe();
}

RunStop::RunStop() {
  if (pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) pipe_[0] = pipe_[1] = -1;
}

RunStop::~RunStop() {
  if (requested()) {
    std::lock_guard lock(g_timeouts_mutex);
    std::erase_if(g_timeouts, [this](const auto& t) { return t.first == this; });
  }
  for (int fd : pipe_) {
    if (fd >= 0) close(fd);
  }
}

namespace {
// Under g_timeouts_mutex: the watchdog's pipe, made when first needed. False if it cannot be.
bool have_timeout_pipe() {
  return g_timeout_pipe[0] >= 0 || pipe2(g_timeout_pipe, O_CLOEXEC | O_NONBLOCK) == 0;
}
}  // namespace

void RunStop::request(const std::string& message) {
  if (requested_.exchange(true, std::memory_order_acq_rel)) return;
  if (pipe_[1] >= 0) (void)!write(pipe_[1], "x", 1);
  std::lock_guard lock(g_timeouts_mutex);
  g_timeouts.emplace_back(this, message);
  if (have_timeout_pipe()) (void)!write(g_timeout_pipe[1], "x", 1);
}

std::string unfinished_timeout() {
  std::lock_guard lock(g_timeouts_mutex);
  return g_timeouts.empty() ? std::string() : g_timeouts.front().second;
}

int timeout_fd() {
  std::lock_guard lock(g_timeouts_mutex);
  return have_timeout_pipe() ? g_timeout_pipe[0] : -1;
}

int interrupt_signal() {
  return g_reason.load();
}

std::string describe_stop(int signal) {
  switch (signal) {
    case SIGTERM:
      return "terminated (SIGTERM)";
    case SIGHUP:
      return "hung up (SIGHUP)";
    default:
      return "interrupted";
  }
}

void mark_run(bool started) {
  g_runs.fetch_add(started ? 1 : -1);
}

bool run_in_progress() {
  return g_runs.load() > 0;
}

namespace {
std::atomic<const char*> g_unstoppable{nullptr};
std::atomic<void (*)()> g_pause{nullptr};
}  // namespace

UnstoppableScope::UnstoppableScope(const char* what, void (*pause)())
    : outer_what_(g_unstoppable.exchange(what)), outer_pause_(g_pause.exchange(pause)) {
  mark_run(true);
}

UnstoppableScope::~UnstoppableScope() {
  // Said done before the run mark goes: a watchdog that still sees the run no longer blames it.
  g_unstoppable.store(outer_what_);
  g_pause.store(outer_pause_);
  mark_run(false);
}

const char* unstoppable_now(bool pause) {
  const char* what = g_unstoppable.load();
  if (auto* p = g_pause.load(); what && pause && p) p();
  return what;
}

int exit_code_for_stop(int signal) {
  return signal > 0 ? 128 + signal : 130;
}

bool sleep_unless_interrupted(std::chrono::nanoseconds d) {
  using Clock = std::chrono::steady_clock;
  ensure_pipe();
  const auto deadline = Clock::now() + d;
  for (;;) {
    if (interrupt_requested()) return false;
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return true;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    const RunStop* run = detail::t_run_stop;
    pollfd p[2] = {{g_read_fd.load(), POLLIN, 0}, {run ? run->fd() : -1, POLLIN, 0}};
    if (p[0].fd < 0 || (run && p[1].fd < 0)) {
      // No pipe (out of descriptors): look at the flags every 10 ms.
      timespec step{0, static_cast<long>(std::min<int64_t>(ns, 10'000'000))};
      nanosleep(&step, nullptr);
      continue;
    }
    ppoll(p, run ? 2 : 1, &ts, nullptr);
  }
}

int interrupt_fd() {
  ensure_pipe();
  return g_read_fd.load();
}

void reset_interrupt_after_fork() {
  for (std::atomic<int>* fd : {&g_read_fd, &g_write_fd}) {
    if (int old = fd->exchange(-1); old >= 0) close(old);
  }
  g_reason.store(0);
  g_shm_prefix_len.store(0);
  ensure_pipe();
}

void install_interrupt_handlers() {
  ensure_pipe();
  int len = std::snprintf(g_shm_prefix, sizeof g_shm_prefix, "schedlab-%d-", getpid());
  g_shm_prefix_len.store(len > 0 ? static_cast<size_t>(len) : 0);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking waits wake up and notice the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);  // the terminal went away: stop as cleanly as for SIGTERM
}

}  // namespace schedlab
