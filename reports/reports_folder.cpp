#include "schedlab/reports/reports_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "schedlab/core/errors.hpp"

namespace schedlab::reports {
namespace {

namespace fs = std::filesystem;

// Who holds a flock on the file with this device and inode: /proc/locks has lines like
// "1: FLOCK  ADVISORY  WRITE 12345 08:01:123456 0 EOF". 0 when it does not say.
long lock_holder(const struct stat& st) {
  std::ifstream locks("/proc/locks");
  const std::string id =
      fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev), st.st_ino);
  for (std::string line; std::getline(locks, line);) {
    std::istringstream fields(line);
    std::string number, kind, mode, access, device;
    long pid = 0;
    if (fields >> number >> kind >> mode >> access >> pid >> device && kind == "FLOCK" &&
        device == id)
      return pid;
  }
  return 0;
}

}  // namespace

ReportsFolder::ReportsFolder(const std::string& dir) {
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(dir, ec);
  if (fs::is_symlink(link) && !fs::exists(fs::status(dir, ec))) {
    throw UsageError(fmt::format(
        "reports folder '{}' is a link to '{}', which does not exist: make that folder, or give "
        "another --out",
        dir, fs::read_symlink(dir, ec).string()));
  }
  fs::create_directories(dir, ec);
  if (ec) throw UsageError(fmt::format("cannot make reports folder '{}': {}", dir, ec.message()));
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    throw UsageError(
        fmt::format("reports folder '{}' cannot be opened: {}", dir, std::strerror(errno)));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    const int err = errno;
    ::close(fd_);
    throw UsageError(
        fmt::format("cannot write to reports folder '{}': {}", dir, std::strerror(err)));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    struct stat st {};
    const long holder = ::fstat(fd_, &st) == 0 ? lock_holder(st) : 0;
    ::close(fd_);
    if (err != EWOULDBLOCK) {
      throw UsageError(fmt::format("cannot lock reports folder '{}': {}", dir, std::strerror(err)));
    }
    throw UsageError(fmt::format(
        "reports folder '{}' is in use by another schedlab run{}: wait for it to end, or give "
        "another --out",
        dir, holder ? fmt::format(" (pid {})", holder) : ""));
  }
}

ReportsFolder::~ReportsFolder() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace schedlab::reports
