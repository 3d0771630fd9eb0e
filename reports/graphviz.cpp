#include "schedlab/reports/graphviz.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

extern char** environ;

namespace schedlab::reports {
namespace {

// A temporary file removed when it goes out of scope.
struct TempFile {
  std::string path;
  explicit TempFile(const char* suffix) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "schedlab-dot-XXXXXX").string() + suffix;
    const int fd = mkstemps(pattern.data(), static_cast<int>(std::string_view(suffix).size()));
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

}  // namespace

namespace {

std::optional<std::string> run_dot(const std::string& dot_text) {
  TempFile in(".dot"), out(".svg");
  if (in.path.empty() || out.path.empty()) return std::nullopt;
  if (!(std::ofstream(in.path) << dot_text)) return std::nullopt;
  // Run directly (no shell, so no quoting), its own output and errors to /dev/null.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string o = "-o" + out.path;
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>("-Tsvg"), o.data(), in.path.data(),
                  nullptr};
  pid_t pid = 0;
  // A process group of its own: the terminal's Ctrl-C stops schedlab's run, which then still
  // writes its reports, with this picture in them.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  const int spawned = posix_spawnp(&pid, "dot", &actions, &attributes, argv, environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return std::nullopt;
  int status = 0;
  pid_t waited;
  while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (waited != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  std::ifstream svg(out.path);
  std::stringstream text;
  text << svg.rdbuf();
  std::string s = text.str();
  const size_t start = s.find("<svg");
  if (start == std::string::npos) return std::nullopt;
  return s.substr(start);
}

}  // namespace

std::optional<std::string> dot_to_svg(const std::string& dot_text) {
  // DOT from a results.json someone sent could make links or pull in local pictures
  // (URL="javascript:...", image="/etc/..."): our graphs have neither, so such a graph is not
  // drawn at all.
  std::string lower = dot_text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* risky : {"url", "href", "image", "xlink"}) {
    if (lower.find(risky) != std::string::npos) return std::nullopt;
  }
  // A run rewrites its reports after every cell: each graph is laid out once.
  static std::mutex mutex;
  static std::map<std::string, std::optional<std::string>> drawn;
  std::lock_guard lock(mutex);
  auto it = drawn.find(dot_text);
  if (it == drawn.end()) it = drawn.emplace(dot_text, run_dot(dot_text)).first;
  return it->second;
}

}  // namespace schedlab::reports
