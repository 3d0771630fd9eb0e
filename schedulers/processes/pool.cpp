#include "schedlab/schedulers/processes/pool.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "schedlab/core/ops.hpp"

namespace schedlab::processes {
namespace {

std::atomic<uint32_t> g_pools{0};

// Random per process, so a name can never be guessed or reused by another run, even one that
// got the same pid after we died.
uint32_t process_nonce() {
  static const uint32_t nonce = [] {
    uint32_t n = 0;
    if (getrandom(&n, sizeof n, GRND_NONBLOCK) != sizeof n) {
      n = static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    return n;
  }();
  return nonce;
}

void init_robust_mutex(pthread_mutex_t* m) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(m, &attr);
  pthread_mutexattr_destroy(&attr);
}

}  // namespace

WorkerPool::WorkerPool(unsigned workers)
    : prefix_(fmt::format("{}{}-{:08x}-{}-", kShmPrefix, getpid(), process_nonce(),
                          g_pools.fetch_add(1))) {
  remove_stale_segments();
  segment_ = Segment::create(prefix_ + "pool", segment_size(workers));
  auto* h = new (segment_.data()) PoolHeader();
  h->magic = PoolHeader::kMagic;
  h->workers = workers;
  init_robust_mutex(&h->global_lock);
  for (unsigned w = 0; w < workers; ++w) {
    channels_.push_back(processes::channel(segment_.data(), w, true));
    to_workers_.push_back(BigBuffer{fmt::format("{}p{}-", prefix_, w), {}, 0, 0});
  }
  from_workers_.resize(workers);
  ops_at_start_ = OpRegistry::global().size();

  // PR_SET_PDEATHSIG fires when the *thread* that forked a worker ends, not the process. So the
  // workers are forked by a thread of the pool's own that lives exactly as long as the pool;
  // otherwise a pool first used from a short-lived thread would lose its workers with it.
  std::promise<int> forked;  // 0, or the errno of a failed fork
  keeper_ = std::thread([this, workers, &forked] {
    const pid_t parent = getpid();
    for (unsigned w = 0; w < workers; ++w) {
      pid_t pid = fork();
      if (pid < 0) {
        forked.set_value(errno);
        return;
      }
      if (pid == 0) worker_main(segment_.data(), w, parent, prefix_);  // never returns
      // Own process group: a terminal's Ctrl-C reaches the parent only, and a group kill
      // would reach anything a worker started.
      setpgid(pid, pid);
      pids_.push_back(pid);
      reaped_.push_back(false);
    }
    forked.set_value(0);
    std::unique_lock lock(keeper_mutex_);
    keeper_cv_.wait(lock, [this] { return release_keeper_; });
  });
  if (int err = forked.get_future().get()) {
    stop();
    throw InfrastructureError(fmt::format("cannot start worker process {} of {}: {}",
                                          pids_.size() + 1, workers, std::strerror(err)));
  }
  segment_.unlink();  // every worker has it mapped: nobody opens it by name
}

void WorkerPool::terminate(unsigned w) {
  if (!reaped_[w]) ::kill(pids_[w], SIGTERM);
  broken_ = true;
}

void WorkerPool::kill(unsigned w) {
  if (!reaped_[w]) ::kill(pids_[w], SIGKILL);
  broken_ = true;
}

WorkerPool::~WorkerPool() {
  stop();
}

std::optional<WorkerPool::Death> WorkerPool::check_workers() {
  std::optional<Death> first;
  for (unsigned w = 0; w < pids_.size(); ++w) {
    if (reaped_[w]) continue;
    int status = 0;
    if (waitpid(pids_[w], &status, WNOHANG) == pids_[w]) {
      reaped_[w] = true;
      broken_ = true;
      if (!first) first = Death{w, pids_[w], describe_exit_status(status)};
    }
  }
  return first;
}

void WorkerPool::stop() {
  // Ask politely (a stop request), give them a moment, then SIGKILL what is left.
  for (unsigned w = 0; w < pids_.size(); ++w) {
    if (reaped_[w]) continue;
    if (char* dst = channels_[w].requests.reserve(1)) {
      *dst = static_cast<char>(RequestType::stop);
      channels_[w].requests.commit();
      channels_[w].area->bell.ring();
    }
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  for (unsigned w = 0; w < pids_.size(); ++w) {
    while (!reaped_[w]) {
      int status;
      pid_t r = waitpid(pids_[w], &status, WNOHANG);
      if (r == pids_[w] || (r < 0 && errno == ECHILD)) {
        reaped_[w] = true;
      } else if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pids_[w], SIGKILL);
        ::kill(pids_[w], SIGKILL);
        waitpid(pids_[w], &status, 0);
        reaped_[w] = true;
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  }
  if (keeper_.joinable()) {  // only now, with every worker gone, may the forking thread end
    {
      std::lock_guard lock(keeper_mutex_);
      release_keeper_ = true;
    }
    keeper_cv_.notify_all();
    keeper_.join();
  }
  to_workers_.clear();
  from_workers_.clear();
  remove_segments_with_prefix(prefix_);
  // LLVM's OpenMP runtime registers every process that loads it in /dev/shm and unregisters
  // at exit, which workers (leaving with _exit) skip: remove their entries for them.
  for (pid_t pid : pids_) remove_segments_with_prefix(fmt::format("__KMP_REGISTERED_LIB_{}_", pid));
}

}  // namespace schedlab::processes
