#include "schedlab/schedulers/proc_stat.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace schedlab {

namespace {

ProcStat read_stat_file(const char* path) {
  static const double tick_ms = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));
  FILE* f = std::fopen(path, "re");
  if (!f) return {};
  char buf[2048];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  // Fields are counted after the ")" that closes the command name, which may hold spaces and
  // parentheses; the state is field 3.
  const char* close = std::strrchr(buf, ')');
  if (!close || close[1] != ' ') return {};
  ProcStat s;
  s.read = true;
  s.state = close[2];
  const char* p = close + 2;
  double utime = 0, stime = 0;
  for (int field = 3; p && *p; ++field) {
    switch (field) {
      case 4:
        s.parent = static_cast<pid_t>(std::atoi(p));
        break;
      case 14:
        utime = std::strtod(p, nullptr);
        break;
      case 15:
        stime = std::strtod(p, nullptr);
        break;
      case 24:
        s.rss_bytes = static_cast<uint64_t>(std::strtod(p, nullptr) * page_bytes);
        break;
      case 52:
        s.exit_status = std::atoi(p);
        break;
    }
    p = std::strchr(p, ' ');
    if (p) ++p;
  }
  s.cpu_ms = (utime + stime) * tick_ms;
  return s;
}

}  // namespace

ProcStat read_proc_stat(pid_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  return read_stat_file(path);
}

ProcStat read_thread_stat(pid_t tid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  return read_stat_file(path);
}

}  // namespace schedlab
