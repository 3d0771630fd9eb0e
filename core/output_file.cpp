#include "schedlab/core/output_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "schedlab/core/errors.hpp"

namespace schedlab {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, int err) {
  throw UsageError(fmt::format("cannot write '{}': {}", path, std::strerror(err)));
}

// Writes everything to fd; returns 0 or the errno of the first failure.
int write_all(int fd, std::string_view contents) {
  while (!contents.empty()) {
    ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    contents.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Where a chain of symlinks ends, for a link whose target does not exist yet.
std::string final_target(std::string path) {
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(path, ec))) return path;
    fs::path target = fs::read_symlink(path, ec);
    if (ec) fail(path, ec.value());
    path =
        target.is_absolute() ? target.string() : (fs::path(path).parent_path() / target).string();
  }
  fail(path, ELOOP);
}

void write_in_place(const std::string& path, std::string_view contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail(path, errno);
  int err = write_all(fd, contents);
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) fail(path, err);
}

// Writes contents to a temporary file beside `path` and syncs it; returns its name. The file
// keeps the permissions of the one it replaces (a report kept private with chmod 600 stays so).
std::string stage(const std::string& path, const std::string& shown, std::string_view contents) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  // A new file of our own: whatever sits at the name (a leftover, a planted link or hard link)
  // is removed, not written through.
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) fail(shown, errno);
  // The permission bits of a file of ours that it replaces (never set-id bits, never from a
  // file someone else owns).
  struct stat old {};
  int err = 0;
  if (::lstat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode) && old.st_uid == ::geteuid() &&
      ::fchmod(fd, old.st_mode & 0777) != 0)
    err = errno;
  // fsync before the rename: on a full disk the error must come here, not after the old file
  // was already replaced by an empty one.
  if (err == 0) err = write_all(fd, contents);
  if (err == 0 && ::fsync(fd) != 0 && errno != EINVAL) err = errno;
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(shown, err);
  }
  return tmp;
}

void write_replacing(const std::string& path, const std::string& shown, std::string_view contents) {
  const std::string tmp = stage(path, shown, contents);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(shown, err);
  }
}

// Where write_output_file would rename a finished file to: the path itself, or the end of its
// chain of symlinks. Empty when the path is not a regular file (it is written in place).
std::string replace_target(const std::string& path) {
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    if (errno != ENOENT) fail(path, errno);
    return path;
  }
  if (S_ISREG(link.st_mode)) return path;
  if (S_ISDIR(link.st_mode)) fail(path, EISDIR);
  if (!S_ISLNK(link.st_mode)) return {};
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0) {
    if (errno != ENOENT) fail(path, errno);
    return final_target(path);  // a dangling link
  }
  if (S_ISDIR(target.st_mode)) fail(path, EISDIR);
  if (!S_ISREG(target.st_mode)) return {};
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec) fail(path, ec.value());
  return real.string();
}

// The names of an already open descriptor: /dev/stdout, /dev/stderr, /dev/fd/N and
// /proc/self/fd/N. Opening them again would start a new file offset (and, when standard output
// is redirected to a file, write over what we print there); writing to the descriptor itself
// shares the shell's offset, as `>` and `>>` users expect. Returns -1 for any other path.
int open_descriptor_named(std::string_view path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (!path.starts_with(prefix) || path.size() == prefix.size()) continue;
    int fd = 0;
    for (char c : path.substr(prefix.size())) {
      if (c < '0' || c > '9' || fd > 100'000) return -1;
      fd = fd * 10 + (c - '0');
    }
    return ::fcntl(fd, F_GETFD) == -1 ? -1 : fd;
  }
  return -1;
}

}  // namespace

void write_output_file(const std::string& path, std::string_view contents) {
  if (int fd = open_descriptor_named(path); fd >= 0) {
    std::fflush(nullptr);  // what stdio holds for this descriptor goes first
    if (int err = write_all(fd, contents)) fail(path, err);
    return;
  }
  const std::string target = replace_target(path);
  if (target.empty()) return write_in_place(path, contents);  // a device, a FIFO, a terminal
  write_replacing(target, path, contents);
}

OutputSet::~OutputSet() {
  for (const Staged& s : staged_) ::unlink(s.tmp.c_str());
}

void OutputSet::add(const std::string& path, std::string_view contents, Links links) {
  if (links == Links::replace) {
    // A link where our file goes is replaced, never followed: rename() swaps the link itself.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail(path, EISDIR);
    staged_.push_back({stage(path, path, contents), path, path});
    return;
  }
  if (int fd = open_descriptor_named(path); fd >= 0) return write_output_file(path, contents);
  const std::string target = replace_target(path);
  if (target.empty()) return write_in_place(path, contents);
  staged_.push_back({stage(target, path, contents), target, path});
}

void OutputSet::commit() {
  for (size_t i = 0; i < staged_.size(); ++i) {
    if (std::rename(staged_[i].tmp.c_str(), staged_[i].target.c_str()) != 0) {
      const int err = errno;
      staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(i));
      fail(staged_.front().shown, err);  // the destructor removes what is left
    }
  }
  staged_.clear();
}

void check_output_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail(path, EISDIR);
    if (::access(path.c_str(), W_OK) != 0) fail(path, errno);
    if (!S_ISREG(st.st_mode)) return;  // a device or FIFO: written in place
  } else if (errno != ENOENT) {
    fail(path, errno);
  }
  // The file is (re)created beside itself: its folder must exist and be writable.
  fs::path dir = fs::path(final_target(path)).parent_path();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw UsageError(fmt::format("cannot write '{}': folder '{}': {}", path, dir.string(),
                                 std::strerror(errno)));
  }
}

std::string file_name_part(std::string_view text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return out;
}

}  // namespace schedlab
