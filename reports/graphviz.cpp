#include "schedlab/reports/graphviz.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
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

// What `dot -Tsvg` wrote for dot_text (one SVG document per graph in it), or why nothing.
// `settled`: the answer would be the same next time (a picture, a layout over its budget,
// `dot` itself failing), so it may be kept; a failure to make a file or a process may pass.
struct DotOutput {
  std::optional<std::string> svg;
  std::string why_not;
};
DotOutput run_dot(const std::string& dot_text, std::chrono::milliseconds budget, bool& settled) {
  settled = false;
  TempFile in(".dot"), out(".svg");
  if (in.path.empty() || out.path.empty()) return {std::nullopt, kNoGraphviz};
  if (!(std::ofstream(in.path) << dot_text)) return {std::nullopt, kNoGraphviz};
  // Its standard output, not -o: with -o, each graph of a batch overwrites the one before.
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>("-Tsvg"), in.path.data(), nullptr};
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
    const int svg = open(out.path.c_str(), O_WRONLY | O_TRUNC);
    if (svg < 0 || dup2(svg, STDOUT_FILENO) < 0) _exit(127);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDERR_FILENO);
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
  return {text.str(), {}};
}

// Graphviz names the graph of every picture after the first of one input `page0,1_graph0`:
// back to `graph0`, so that a picture is the same however its graph was batched.
std::string without_page_ids(std::string_view svg) {
  static constexpr std::string_view kPage = "id=\"page";
  std::string out;
  for (size_t at; (at = svg.find(kPage)) != std::string_view::npos;) {
    size_t end = at + kPage.size();
    while (end < svg.size() &&
           (std::isdigit(static_cast<unsigned char>(svg[end])) || svg[end] == ','))
      ++end;
    out.append(svg.substr(0, at + 4));  // up to id="
    if (end < svg.size() && svg[end] == '_')
      ++end;
    else
      out.append(svg.substr(at + 4, end - at - 4));  // not Graphviz's prefix: kept
    svg.remove_prefix(end);
  }
  return out.append(svg);
}

// The pictures of the SVG documents in `svg`, in order (no XML prologues). Whatever the DOT
// asked Graphviz for (it may come from a results.json someone sent), only shapes and text
// reach the page.
std::vector<Drawing> pictures(std::string_view svg) {
  std::vector<Drawing> out;
  for (size_t start; (start = svg.find("<svg")) != std::string_view::npos;) {
    const size_t end = svg.find("</svg>", start);
    if (end == std::string_view::npos) break;
    std::optional<std::string> safe =
        allow_listed_svg(without_page_ids(svg.substr(start, end + 6 - start)));
    if (safe)
      out.push_back({std::move(safe), {}});
    else
      out.push_back({std::nullopt, kNoGraphviz});
    svg.remove_prefix(end + 6);
  }
  return out;
}

Drawing draw_one(const std::string& dot_text, std::chrono::milliseconds budget, bool& settled) {
  DotOutput o = run_dot(dot_text, budget, settled);
  if (!o.svg) return {std::nullopt, std::move(o.why_not)};
  std::vector<Drawing> drawn = pictures(*o.svg);
  if (drawn.empty()) return {std::nullopt, kNoGraphviz};
  return std::move(drawn.front());
}

// Whether the DOT names its graph (`digraph schedlab {`, as ours do): Graphviz numbers the
// titles of anonymous graphs across one input, so only named ones draw the same in a batch.
bool named(std::string_view dot) {
  auto word = [&](std::string_view w) {
    while (!dot.empty() && std::isspace(static_cast<unsigned char>(dot.front())))
      dot.remove_prefix(1);
    if (!dot.starts_with(w)) return false;
    dot.remove_prefix(w.size());
    return true;
  };
  word("strict");
  if (!word("digraph") && !word("graph")) return false;
  const bool spaced = !dot.empty() && std::isspace(static_cast<unsigned char>(dot.front()));
  return spaced && !word("{");
}

// A run rewrites its reports as it goes: each graph is laid out once (a graph too dense to lay
// out is tried once too), unless something that may pass stood in the way. Layouts may run side
// by side (report.html draws its graphs on every core).
std::mutex drawn_mutex;
std::map<std::string, Drawing> drawn;

}  // namespace

Drawing dot_to_svg(const std::string& dot_text, std::chrono::milliseconds budget) {
  {
    std::lock_guard lock(drawn_mutex);
    auto it = drawn.find(dot_text);
    if (it != drawn.end()) return it->second;
  }
  bool settled = false;
  Drawing drawing = draw_one(dot_text, budget, settled);
  if (settled) {
    std::lock_guard lock(drawn_mutex);
    drawn.emplace(dot_text, drawing);
  }
  return drawing;
}

void lay_out_ahead(const std::vector<std::string>& dots) {
  std::vector<const std::string*> todo;
  {
    std::lock_guard lock(drawn_mutex);
    for (const std::string& dot : dots) {
      if (named(dot) && !drawn.contains(dot) &&
          std::find_if(todo.begin(), todo.end(), [&](auto* t) { return *t == dot; }) == todo.end())
        todo.push_back(&dot);
    }
  }
  if (todo.size() < 2) return;  // one graph: dot_to_svg lays it out as it would here
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t batches = std::min(todo.size(), cores);
  // One `dot` per batch, its graphs one after another in its input, given a little more time
  // than one graph (a dense graph in a batch uses it up: then its graphs are drawn alone).
  auto lay_out_batch = [&](size_t batch) {
    std::string input;
    std::vector<const std::string*> mine;
    for (size_t i = batch; i < todo.size(); i += batches) {
      mine.push_back(todo[i]);
      input += *todo[i];
      input += '\n';
    }
    const auto budget = std::min<std::chrono::milliseconds>(
        kLayoutBudget + std::chrono::milliseconds(50) * static_cast<int64_t>(mine.size()),
        2 * kLayoutBudget);
    bool settled = false;
    const DotOutput o = run_dot(input, budget, settled);
    if (!o.svg) return;
    std::vector<Drawing> drawings = pictures(*o.svg);
    if (drawings.size() != mine.size()) return;  // a graph dot skipped: which one is unknown
    std::lock_guard lock(drawn_mutex);
    for (size_t i = 0; i < mine.size(); ++i) drawn.emplace(*mine[i], std::move(drawings[i]));
  };
  auto lay_out = [&](size_t batch) noexcept {
    try {  // nothing may leave a helper thread; a batch that fails is drawn graph by graph
      lay_out_batch(batch);
    } catch (...) {
    }
  };
  std::vector<std::jthread> threads;
  try {
    for (size_t b = 1; b < batches; ++b) threads.emplace_back(lay_out, b);
  } catch (const std::system_error&) {
    // No more threads: the batches not started are drawn one by one later.
  }
  lay_out(0);
}

}  // namespace schedlab::reports
