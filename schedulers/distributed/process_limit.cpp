#include "schedlab/schedulers/distributed/process_limit.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace schedlab::distributed {
namespace {

// The value of a "Name:\t..." line of /proc/<pid>/status, or "" when there is none.
std::string status_field(FILE* f, const char* name) {
  char line[256];
  const size_t len = std::strlen(name);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, name, len) == 0 && line[len] == ':') return line + len + 1;
  }
  return {};
}

bool exempt_from_the_limit() {
  if (getuid() == 0) return true;
  FILE* f = std::fopen("/proc/self/status", "re");
  if (!f) return false;
  const uint64_t caps = std::strtoull(status_field(f, "CapEff").c_str(), nullptr, 16);
  std::fclose(f);
  constexpr uint64_t kSysAdmin = uint64_t{1} << 21, kSysResource = uint64_t{1} << 24;
  return (caps & (kSysAdmin | kSysResource)) != 0;
}

// Threads of every process whose real user is this process's (what the kernel counts).
unsigned threads_of_this_user() {
  const unsigned uid = getuid();
  unsigned total = 0;
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  while (dirent* e = readdir(proc)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    char path[32];
    std::snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE* f = std::fopen(path, "re");
    if (!f) continue;  // it ended meanwhile
    unsigned real = 0, threads = 0;
    // Uid comes before Threads in the file.
    const bool ours = std::sscanf(status_field(f, "Uid").c_str(), "%u", &real) == 1 && real == uid;
    if (ours && std::sscanf(status_field(f, "Threads").c_str(), "%u", &threads) == 1)
      total += threads;
    std::fclose(f);
  }
  closedir(proc);
  return total;
}

}  // namespace

unsigned cluster_task_count(unsigned ranks, unsigned threads_per_rank, bool mpi_running) {
  // A rank of one task thread runs its tasks on its main thread; of more, on a pool of them.
  const unsigned rank = 3 + threads_per_rank + (threads_per_rank > 1 ? 1 : 0);
  return (mpi_running ? 0 : 3 + 4) + ranks * rank;
}

std::string process_limit_shortfall(unsigned needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NPROC, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return {};
  if (exempt_from_the_limit()) return {};
  const unsigned used = threads_of_this_user();
  if (used + needed <= limit.rlim_cur) return {};
  return fmt::format(
      "the process limit leaves no room for a local cluster: it needs about {} more processes "
      "and threads, and this user may run {} (ulimit -u) and runs {} now. Raise the limit "
      "(ulimit -u {}), ask for fewer --workers, or start the ranks with mpirun",
      needed, limit.rlim_cur, used, used + needed);
}

}  // namespace schedlab::distributed
