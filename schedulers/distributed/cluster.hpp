// The worker ranks one distributed scheduler uses, seen from the scheduling rank: spawned for
// it (a local cluster) or the first ranks of a launched world. Sends never block (a large
// argument and a large result may cross), messages are read one at a time, and a worker's
// death is noticed by its own note (a fatal signal), by its pid on this host, or by its
// silence elsewhere.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "schedlab/schedulers/distributed/protocol.hpp"
#include "schedlab/schedulers/distributed/runtime.hpp"
#include "schedlab/schedulers/distributed/send_queue.hpp"

namespace schedlab::distributed {

// For a forced exit (the registry's before_forced_exit): kills the Open MPI daemon and the ranks
// of a local cluster this process started, which would otherwise outlive it; nothing where no
// cluster was started here (ranks under mpirun are the launcher's).
void stop_local_cluster_now();
// For an exit that does not finalize MPI after a rank died: removes our job family's session
// folder, which Open MPI's daemon, cleaning up after us, leaves behind (empty).
void remove_session_of_broken_cluster();

struct WorkerRank {
  int rank = 0;  // in the communicator
  pid_t pid = 0;
  std::string host;
  bool local = false;  // on this host: its pid can be checked
  std::chrono::steady_clock::time_point last_heard{};
  std::optional<std::chrono::steady_clock::time_point> stopped_since{};  // state T (SIGSTOP)
  std::string config;  // the last kConfig it was sent
};

class Cluster {
 public:
  Cluster(unsigned workers, unsigned threads_per_worker, uint64_t memory_limit);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }
  const WorkerRank& worker(unsigned w) const { return workers_[w]; }
  bool broken() const { return broken_; }
  bool launched() const { return launched_; }

  // Threads and memory limit of every worker, sent where they differ from what it has.
  void configure(unsigned threads_per_worker, uint64_t memory_limit);
  void send(unsigned w, Tag tag, std::string bytes);
  bool progress_sends();
  // The next message from any worker, if one has arrived: its worker and tag, bytes in `into`.
  struct Message {
    unsigned worker;
    int tag;
  };
  std::optional<Message> receive(std::string& into);

  // How a worker ended, when one has: "was killed by signal 9 (Killed)"...
  struct Death {
    unsigned worker;
    std::string how;
    bool memory_limit = false;  // it passed its memory limit: its task is what failed
  };
  // A worker whose process is gone or stopped (on this host) or silent (elsewhere), other than
  // `except`.
  std::optional<Death> check_workers(std::optional<unsigned> except = std::nullopt);
  // Between runs: reads what arrived (heartbeats, answers of abandoned tasks); true if a
  // worker said it is dying.
  bool drain_deaths();
  // From a worker's note: signal 0 means its own reason (the memory limit) is in `what`.
  Death death_from_note(unsigned w, int sig, const std::string& what) const;

  // Ends the cluster after a run that stopped early: its workers are told to leave (they do at
  // once, abandoning their tasks); the next run gets a new cluster. Under a launcher the ranks
  // stay (they finish what they were given first).
  void stop_early(bool someone_died);

  std::string describe(unsigned w) const;  // "worker 1 (rank 2 on host vm, pid 1234)"

 private:
  void say_hello();
  // Tells every worker to leave and waits until they have (at most `patience`).
  void goodbye(std::chrono::steady_clock::duration patience);
  int rank_of(unsigned w) const {
    return launched_ ? static_cast<int>(w) + 1 : static_cast<int>(w);
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  bool launched_ = false;
  bool broken_ = false;  // the next run needs a new cluster
  bool ended_ = false;   // no goodbye is due (said, or impossible)
  std::vector<WorkerRank> workers_;
  SendQueue sends_;
  uint64_t memory_limit_ = 0;  // the last one configured
};

}  // namespace schedlab::distributed
