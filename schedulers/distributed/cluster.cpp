#include "schedlab/schedulers/distributed/cluster.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "schedlab/core/duration.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/schedulers/distributed/process_limit.hpp"
#include "schedlab/schedulers/proc_stat.hpp"
#include "schedlab/schedulers/processes/shm.hpp"
#include "schedlab/schedulers/wire.hpp"

namespace schedlab::distributed {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kHelloPatience = std::chrono::seconds(30);
constexpr auto kStoppedDead = std::chrono::seconds(2);
constexpr auto kPatience = std::chrono::seconds(1);  // for workers to leave after a stop

// The state letter and exit status of a process on this host from /proc/<pid>/stat: 0 when it
// is gone. The exit status is there while it is a zombie (state Z).
// Launched worlds say hello once, when their workers start; every cluster on them shares it.
std::vector<WorkerRank>& launched_ranks() {
  static std::vector<WorkerRank> ranks;
  return ranks;
}

// How long MPI_Comm_spawn may take: SCHEDLAB_SPAWN_TIMEOUT ("90s"), 60 s by default.
std::chrono::milliseconds spawn_patience() {
  const char* text = std::getenv("SCHEDLAB_SPAWN_TIMEOUT");
  if (!text || !*text) return std::chrono::seconds(60);
  const double ms = parse_duration_ms(text, "SCHEDLAB_SPAWN_TIMEOUT (environment)", 3'600'000);
  if (ms < 1) {
    throw UsageError(fmt::format(
        "SCHEDLAB_SPAWN_TIMEOUT (environment) {}: give at least 1ms (60s when unset)", text));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

// Every process descended from this one (Open MPI's daemon and the ranks it started).
std::vector<pid_t> descendants() {
  std::multimap<pid_t, pid_t> children;  // parent -> child
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      const pid_t pid = std::atoi(e->d_name);
      if (pid > 0) children.emplace(read_proc_stat(pid).parent, pid);
    }
    closedir(d);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo{getpid()};
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    for (auto [it, end] = children.equal_range(p); it != end; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

// LLVM's OpenMP runtime (libomp: clang builds) registers itself again in the child of a fork,
// in /dev/shm/__KMP_REGISTERED_LIB_<pid>_<uid>, which an exec does not remove: Open MPI's
// daemon, which the first spawn forks and execs from this process, would leave that file
// behind for good once this process has run OpenMP. The daemon never runs OpenMP, so its file
// goes once it has started. (Only where this process's own file says libomp is live in it.)
void remove_openmp_files_of_our_daemons() {
  const auto file = [](pid_t pid) {
    return fmt::format("/dev/shm/__KMP_REGISTERED_LIB_{}_{}", pid, getuid());
  };
  if (access(file(getpid()).c_str(), F_OK) != 0) return;
  for (pid_t pid : descendants()) {
    char path[32], name[16] = {};
    std::snprintf(path, sizeof path, "/proc/%d/comm", pid);
    FILE* f = std::fopen(path, "r");
    if (!f) continue;
    const bool daemon = std::fscanf(f, "%15s", name) == 1 && std::strcmp(name, "orted") == 0;
    std::fclose(f);
    if (daemon) ::unlink(file(pid).c_str());
  }
}

// Whether this process started a local cluster (its Open MPI daemon and ranks are ours).
std::atomic<bool> g_started_a_cluster{false};

// Stops every process below this one (a stopped process forks no more ranks) and returns them.
std::vector<pid_t> freeze_descendants() {
  std::vector<pid_t> tree;
  for (int round = 0; round < 10; ++round) {
    size_t before = tree.size();
    for (pid_t p : descendants()) {
      if (std::find(tree.begin(), tree.end(), p) != tree.end()) continue;
      ::kill(p, SIGSTOP);
      tree.push_back(p);
    }
    if (tree.size() == before) break;
  }
  return tree;
}

// Where Open MPI keeps its session folders: $TMPDIR (else $TEMP, $TMP, /tmp)/ompi.<host, up to
// its first dot>.<uid>, as Open MPI 4.1 names it. Empty unless it is a real folder of ours.
std::filesystem::path session_root() {
  namespace fs = std::filesystem;
  const char* tmp = nullptr;
  for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
    if (const char* v = std::getenv(name); v && *v) {
      tmp = v;
      break;
    }
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return {};
  const std::string short_host(host, strcspn(host, "."));
  const fs::path root = fs::path(tmp ? tmp : "/tmp") /
                        fmt::format("ompi.{}.{}", short_host, static_cast<unsigned>(getuid()));
  struct stat st {};
  if (lstat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) return {};
  return root;
}

// Our children that are Open MPI's daemon: found by parent pid, and each confirmed by its name
// and by its session folder, whose contact.txt ends with that pid. With the job's id (the first
// number of contact.txt), for its job family's folder.
struct Daemon {
  pid_t pid;
  uint64_t job;
};
std::vector<Daemon> our_daemons(const std::filesystem::path& root) {
  std::vector<Daemon> out;
  if (root.empty()) return out;
  for (pid_t p : descendants()) {
    if (read_proc_stat(p).parent != getpid()) continue;
    char path[32], name[16] = {};
    std::snprintf(path, sizeof path, "/proc/%d/comm", p);
    if (FILE* f = std::fopen(path, "r")) {
      const bool read = std::fscanf(f, "%15s", name) == 1;
      std::fclose(f);
      if (!read || std::strcmp(name, "orted") != 0) continue;
    }
    std::ifstream contact(root / fmt::format("pid.{}", p) / "contact.txt");
    std::string first, last, line;
    if (!std::getline(contact, first)) continue;
    while (std::getline(contact, line)) last = line;
    uint64_t job = 0;
    if (std::sscanf(first.c_str(), "%" SCNu64, &job) == 1 && last == std::to_string(p))
      out.push_back({p, job});
  }
  return out;
}

// Ends the local cluster this process started, for an exit that will not finalize MPI: freezes
// Open MPI's daemon and the ranks (a stopped process forks no more ranks), removes what the
// daemon keeps for our job under its session folder (pid.<daemon> and jf.<the job's upper 16
// bits>, 17 MB for 48 ranks, which Open MPI removes only when MPI finalizes), then kills them:
// last, since Open MPI may end this process as soon as it finds its daemon gone.
void remove_job_family(const std::filesystem::path& root, const Daemon& d) {
  std::error_code ec;
  std::filesystem::remove_all(root / fmt::format("jf.{}", d.job >> 16), ec);
}

void end_local_cluster() {
  const std::filesystem::path root = session_root();
  const std::vector<Daemon> daemons = our_daemons(root);
  const std::vector<pid_t> frozen = freeze_descendants();
  for (const Daemon& d : daemons) {
    remove_job_family(root, d);
    std::error_code ec;
    std::filesystem::remove_all(root / fmt::format("pid.{}", d.pid), ec);
  }
  for (pid_t p : frozen) ::kill(p, SIGKILL);
}

// Open MPI 4.1's MPI_Comm_spawn (with PMIx 4, as Debian 12 ships) now and then never returns:
// a new rank waits forever in PMIx_Init (open-mpi/ompi#9713, openpmix#2735). The stuck call
// cannot be cancelled and MPI cannot be used again in this process, so rather than hang for
// good, the watch ends the process with exit 3, saying why, taking the ranks and Open MPI's
// daemon with it and removing our shared memory.
class SpawnWatch {
 public:
  SpawnWatch(unsigned workers, std::chrono::milliseconds patience)
      : thread_([this, workers, patience] {
          std::unique_lock lock(mutex_);
          if (done_.wait_for(lock, patience, [this] { return spawned_; })) return;
          std::cerr << fmt::format(
              "schedlab: error: Open MPI did not start the {} worker rank{} of a local cluster "
              "within {} ms. Its MPI_Comm_spawn hangs now and then (Open MPI 4.1 with PMIx 4, "
              "open-mpi/ompi#9713) and cannot be stopped, so schedlab exits. Run the command "
              "again, raise SCHEDLAB_SPAWN_TIMEOUT if this machine is only slow, or start the "
              "ranks with mpirun -n {}.\n",
              workers, workers == 1 ? "" : "s", patience.count(), workers + 1);
          end_local_cluster();
          processes::remove_segments_with_prefix(
              fmt::format("{}{}-", processes::kShmPrefix, getpid()));
          _exit(3);
        }) {}
  ~SpawnWatch() {
    {
      std::lock_guard lock(mutex_);
      spawned_ = true;
    }
    done_.notify_one();
    thread_.join();
  }
  SpawnWatch(const SpawnWatch&) = delete;
  SpawnWatch& operator=(const SpawnWatch&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool spawned_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace

void stop_local_cluster_now() {
  if (g_started_a_cluster) end_local_cluster();
}

void remove_session_of_broken_cluster() {
  if (!g_started_a_cluster) return;
  const std::filesystem::path root = session_root();
  // The daemon stays: it ends when it finds us gone (killing it first may end us at once).
  for (const Daemon& d : our_daemons(root)) remove_job_family(root, d);
}

Cluster::Cluster(unsigned workers, unsigned threads_per_worker, uint64_t memory_limit) {
  if (!under_mpi()) {  // a local cluster will be started
    int running = 0;
    MPI_Initialized(&running);
    const std::string shortfall =
        process_limit_shortfall(cluster_task_count(workers, threads_per_worker, running != 0));
    if (!shortfall.empty()) throw InfrastructureError(shortfall);
  }
  ensure_mpi();
  const int available = launched_workers();
  if (available > 0) {
    if (workers > static_cast<unsigned>(available)) {
      throw UsageError(fmt::format(
          "the launcher started {} worker rank{} (mpirun -n {}): ask for at most --workers {}, "
          "or launch more ranks",
          available, available == 1 ? "" : "s", available + 1, available));
    }
    launched_ = true;
    comm_ = MPI_COMM_WORLD;
    if (launched_ranks().empty()) {
      workers_.resize(static_cast<size_t>(available));
      say_hello();
      launched_ranks() = workers_;
    }
    workers_.assign(launched_ranks().begin(), launched_ranks().begin() + workers);
  } else {
    const std::string program = worker_program();
    std::vector<int> errors(workers, MPI_SUCCESS);
    int rc;
    {
      g_started_a_cluster = true;
      // Ctrl-C cannot cut a spawn short (48 ranks on 2 cores take seconds): the stop watchdog
      // ends the process after its grace instead, through stop_local_cluster_now.
      const UnstoppableScope starting("Open MPI starting the worker ranks of a local cluster",
                                      [] { freeze_descendants(); });
      SpawnWatch watch(workers, spawn_patience());
      rc = MPI_Comm_spawn(program.c_str(), MPI_ARGV_NULL, static_cast<int>(workers), MPI_INFO_NULL,
                          0, MPI_COMM_SELF, &comm_, errors.data());
    }
    const bool all_started =
        std::all_of(errors.begin(), errors.end(), [](int e) { return e == MPI_SUCCESS; });
    if (rc != MPI_SUCCESS || comm_ == MPI_COMM_NULL || !all_started) {
      throw InfrastructureError(fmt::format(
          "cannot start {} worker rank{} of {} with MPI_Comm_spawn (see Open MPI's message "
          "above; too many for this machine? try fewer --workers)",
          workers, workers == 1 ? "" : "s", program));
    }
    remove_openmp_files_of_our_daemons();
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    workers_.resize(workers);
    try {
      say_hello();
    } catch (...) {
      stop_early(true);  // the ranks that did start must not outlive this
      throw;
    }
  }
  for (WorkerRank& r : workers_) r.last_heard = Clock::now();
  configure(threads_per_worker, memory_limit);
}

void Cluster::configure(unsigned threads_per_worker, uint64_t memory_limit) {
  memory_limit_ = memory_limit;
  std::string config;
  Writer(config).put<uint32_t>(threads_per_worker).put<uint64_t>(memory_limit);
  for (unsigned w = 0; w < size(); ++w) {
    // Launched ranks are shared by every scheduler of the process: what each was told is kept
    // with them, and a rank is told again only when a scheduler wants it otherwise.
    std::string& told = launched_ ? launched_ranks()[w].config : workers_[w].config;
    if (told == config) continue;
    told = config;
    send(w, kConfig, config);
  }
}

void Cluster::say_hello() {
  for (unsigned w = 0; w < workers_.size(); ++w) workers_[w].rank = rank_of(w);
  const auto deadline = Clock::now() + kHelloPatience;
  std::string in;
  for (size_t heard = 0; heard < workers_.size();) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kHello, comm_, &flag, &st);
    if (!flag) {
      if (Clock::now() > deadline) {
        throw InfrastructureError(
            fmt::format("{} of {} worker ranks did not answer within {} s of starting ({}); is the "
                        "program the same on every host?",
                        workers_.size() - heard, workers_.size(), kHelloPatience.count(),
                        launched_ ? "started by the launcher" : worker_program()));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    receive_probed(comm_, st, in);
    Reader r(in);
    WorkerRank& w = workers_[static_cast<unsigned>(launched_ ? st.MPI_SOURCE - 1 : st.MPI_SOURCE)];
    w.pid = r.get<int32_t>();
    w.host = r.get_string();
    w.local = w.host == host_name();
    ++heard;
  }
}

Cluster::~Cluster() {
  if (!ended_ && !launched_) goodbye(kPatience);
}

void Cluster::goodbye(Clock::duration patience) {
  ended_ = true;
  for (unsigned w = 0; w < size(); ++w) {
    // Not to a worker that is gone: Open MPI would try to connect to it again, and its TCP
    // transport takes 1.5 s to give up (and to say so) before the death could be reported.
    const WorkerRank& r = workers_[w];
    if (r.local && r.pid > 0) {
      const char state = read_proc_stat(r.pid).state;
      if (state == 0 || state == 'Z') continue;
    }
    send(w, kStop, {});
  }
  const auto until = Clock::now() + patience;
  while (!sends_.empty() && Clock::now() < until) progress_sends();
  bool killed = false;
  // Wait (briefly) until they have gone: if this process ended first, Open MPI's daemon would
  // kill them in the middle of their goodbye and report that as a failure. A worker leaves
  // within milliseconds, even while a task runs (its watch thread answers); one that does not
  // (stopped, or being ended by Open MPI after another's death) is killed.
  for (const WorkerRank& r : workers_) {
    if (!r.local || r.pid <= 0) continue;
    auto state = [&] { return read_proc_stat(r.pid).state; };
    while (state() != 0 && state() != 'Z' && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (state() != 0 && state() != 'Z') {
      ::kill(r.pid, SIGKILL);
      killed = true;
    }
  }
  if (killed) note_broken_cluster();  // finalizing would wait for the killed rank
  // Neither disconnected (that would wait for every worker, the dead ones too) nor freed: Open
  // MPI would reuse its context id for the next cluster, and a message still in flight from
  // an old worker would then reach the new one's scheduler. A handle per cluster is kept.
}

void Cluster::send(unsigned w, Tag tag, std::string bytes) {
  sends_.send(comm_, rank_of(w), tag, std::move(bytes));
}

bool Cluster::progress_sends() {
  return sends_.progress();
}

std::optional<Cluster::Message> Cluster::receive(std::string& into) {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, &st);
    if (!flag) return std::nullopt;
    receive_probed(comm_, st, into);
    const unsigned w = static_cast<unsigned>(launched_ ? st.MPI_SOURCE - 1 : st.MPI_SOURCE);
    if (w >= size()) continue;  // a launched rank this scheduler does not use
    workers_[w].last_heard = Clock::now();
    return Message{w, st.MPI_TAG};
  }
}

bool Cluster::drain_deaths() {
  std::string in;
  bool death = false;
  while (auto m = receive(in)) death = death || m->tag == kDeath;
  return death;
}

std::optional<Cluster::Death> Cluster::check_workers(std::optional<unsigned> except) {
  const auto now = Clock::now();
  for (unsigned w = 0; w < size(); ++w) {
    if (w == except) continue;
    WorkerRank& r = workers_[w];
    if (!r.local) {
      if (now - r.last_heard > kSilentDead) {
        return Death{w, fmt::format("has not been heard from for {:.1f} s (its host or its "
                                    "network failed, or it is stopped)",
                                    std::chrono::duration<double>(now - r.last_heard).count())};
      }
      continue;
    }
    const ProcStat s = read_proc_stat(r.pid);
    if (s.state == 0) {
      return Death{w,
                   "ended without a word (killed by SIGKILL, or it exited; Open MPI's daemon "
                   "reaped it, so its status is not known here)"};
    }
    if (s.state == 'Z') {
      if (WIFEXITED(s.exit_status) && WEXITSTATUS(s.exit_status) == kMemoryLimitExitCode) {
        return Death{w,
                     fmt::format("its memory passed its limit of {:.1f} MB (--memory-limit); the "
                                 "worker was stopped",
                                 memory_limit_ / 1e6),
                     true};
      }
      return Death{w, describe_exit_status(s.exit_status)};
    }
    if (s.state != 'T') {
      r.stopped_since.reset();
      continue;
    }
    if (!r.stopped_since) r.stopped_since = now;
    if (now - *r.stopped_since >= kStoppedDead) {
      ::kill(r.pid, SIGKILL);
      return Death{
          w, fmt::format("was stopped (state T, e.g. by SIGSTOP) for {} s and has been "
                         "killed",
                         std::chrono::duration_cast<std::chrono::seconds>(kStoppedDead).count())};
    }
  }
  return std::nullopt;
}

Cluster::Death Cluster::death_from_note(unsigned w, int sig, const std::string& what) const {
  return {w, sig == 0 ? what : describe_exit_status(sig)};  // a wait status of that signal
}

void Cluster::stop_early(bool someone_died) {
  broken_ = true;  // a new cluster for the next run
  if (someone_died) note_broken_cluster();
  // After a death Open MPI is ending the others already: no need to wait long for them.
  if (!launched_ && !ended_) goodbye(someone_died ? std::chrono::milliseconds(200) : kPatience);
}

std::string Cluster::describe(unsigned w) const {
  const WorkerRank& r = workers_[w];
  return fmt::format("worker {} (rank {} on host {}, pid {})", w, r.rank, r.host, r.pid);
}

}  // namespace schedlab::distributed
