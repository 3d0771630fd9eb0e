#include "schedlab/reports/graphviz.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "schedlab/core/interrupt.hpp"
#include "schedlab/reports/svg_allow_list.hpp"

namespace schedlab::reports {
namespace {

// A temporary file removed when it goes out of scope.
struct TempFile {
  std::string path;
  explicit TempFile(const char* suffix) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "schedlab-dot-XXXXXX").string() + suffix;
    // Close-on-exec: layouts run side by side, and another one's dot must not inherit it.
    const int fd =
        mkostemps(pattern.data(), static_cast<int>(std::string_view(suffix).size()), O_CLOEXEC);
    if (fd >= 0) {
      close(fd);
      path = pattern;
    }
  }
  ~TempFile() {
    if (!path.empty()) unlink(path.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

// How often a waiting layout is looked at, at most (the first looks come sooner).
constexpr auto kPoll = std::chrono::microseconds(20'000);

// `settled`: the answer would be the same next time (a picture, a layout over its budget,
// `dot` itself failing), so it may be kept; a failure to make a file or a process may pass.
Drawing run_dot(const std::string& dot_text, std::chrono::milliseconds budget, bool& settled) {
  settled = false;
  TempFile in(".dot"), out(".svg");
  if (in.path.empty() || out.path.empty()) return {std::nullopt, kNoGraphviz};
  if (!(std::ofstream(in.path) << dot_text)) return {std::nullopt, kNoGraphviz};
  std::string o = "-o" + out.path;
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>("-Tsvg"), o.data(), in.path.data(),
                  nullptr};
  // After Ctrl-C the run still writes its reports: the graphs not drawn yet get a short layout
  // (a lesson's takes milliseconds); a stop that comes during a layout ends it.
  const bool stopped_before = signal_requested();
  if (stopped_before) budget = std::min(budget, kLayoutBudgetAfterStop);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return {std::nullopt, kNoGraphviz};
  if (pid == 0) {
    // Only async-signal-safe calls here: this process may have had other threads.
    // A process group of its own, so that the terminal's Ctrl-C reaches schedlab alone (which
    // then ends this layout), and killed with schedlab should it exit first (a second Ctrl-C).
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    execvp("dot", argv);
    _exit(127);
  }
  setpgid(pid, pid);  // either side may run first
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + budget;
  // Woken the moment dot exits (a layout takes ~35 ms, most of it dot starting; sleeping in
  // growing steps added ~15 ms to each, 1.5 s to a report of 100 graphs). Where the kernel has
  // no pidfd, the steps.
  struct PidFd {
    int fd;
    ~PidFd() {
      if (fd >= 0) close(fd);
    }
  } const exited{static_cast<int>(syscall(SYS_pidfd_open, pid, 0))};  // (glibc 2.36's
  // <sys/pidfd.h> lacks extern "C" for C++)
  int status = 0;
  for (auto pause = std::chrono::microseconds(200);; pause = std::min(pause * 2, kPoll)) {
    const pid_t waited = waitpid(pid, &status, WNOHANG);
    if (waited == pid) break;
    if (waited < 0 && errno != EINTR) return {std::nullopt, kNoGraphviz};
    const bool stopped = !stopped_before && signal_requested();
    if (stopped || Clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);  // in case neither side could make its process group
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (stopped) return {std::nullopt, "The graph is not drawn: the run was stopped"};
      settled = !stopped_before;
      return {std::nullopt,
              fmt::format("The graph is not drawn: it is too dense for Graphviz to lay out in {} s",
                          std::chrono::duration<double>(budget).count())};
    }
    if (exited.fd >= 0) {
      pollfd fd{exited.fd, POLLIN, 0};
      poll(&fd, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(kPoll).count()));
    } else {
      std::this_thread::sleep_for(pause);
    }
  }
  settled = true;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    settled = WIFEXITED(status) && WEXITSTATUS(status) != 127;  // 127: dot is not installed yet
    return {std::nullopt, kNoGraphviz};
  }
  std::ifstream svg(out.path);
  std::stringstream text;
  text << svg.rdbuf();
  const std::string s = text.str();
  const size_t start = s.find("<svg");
  if (start == std::string::npos) return {std::nullopt, kNoGraphviz};
  // Whatever the DOT asked Graphviz for (it may come from a results.json someone sent), only
  // shapes and text reach the page.
  std::optional<std::string> safe = allow_listed_svg(std::string_view(s).substr(start));
  if (!safe) return {std::nullopt, kNoGraphviz};
  return {std::move(safe), {}};
}

}  // namespace

Drawing dot_to_svg(const std::string& dot_text, std::chrono::milliseconds budget) {
  // A run rewrites its reports as it goes: each graph is laid out once (a graph too dense to lay
  // out is tried once too), unless something that may pass stood in the way.
  // Layouts may run side by side (report.html draws its graphs on every core).
  static std::mutex mutex;
  static std::map<std::string, Drawing> drawn;
  {
    std::lock_guard lock(mutex);
    auto it = drawn.find(dot_text);
    if (it != drawn.end()) return it->second;
  }
  bool settled = false;
  Drawing drawing = run_dot(dot_text, budget, settled);
  if (settled) {
    std::lock_guard lock(mutex);
    drawn.emplace(dot_text, drawing);
  }
  return drawing;
}

}  // namespace schedlab::reports
