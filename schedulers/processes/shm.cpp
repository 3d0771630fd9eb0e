#include "schedlab/schedulers/processes/shm.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

#include "schedlab/core/errors.hpp"

namespace schedlab::processes {

namespace bip = boost::interprocess;

Segment Segment::create(const std::string& name, size_t size) {
  Segment s;
  try {
    // Only this user may open it (Boost's default lets every user read it).
    bip::shared_memory_object shm(bip::create_only, name.c_str(), bip::read_write,
                                  bip::permissions(0600));
    s.name_ = name;
    s.owner_ = true;
    shm.truncate(static_cast<bip::offset_t>(size));
    // A truncated segment is sparse: creating it succeeds even when /dev/shm cannot hold it,
    // and the first touch of a missing page kills us with SIGBUS. Reserve every page now, so
    // that a full /dev/shm is an error here instead.
    if (int err = posix_fallocate(shm.get_mapping_handle().handle, 0, static_cast<off_t>(size))) {
      throw bip::interprocess_exception(std::strerror(err));
    }
    s.region_ = bip::mapped_region(shm, bip::read_write, 0, size);
  } catch (const bip::interprocess_exception& e) {
    if (s.owner_) bip::shared_memory_object::remove(name.c_str());
    throw InfrastructureError(fmt::format(
        "cannot create shared-memory segment /dev/shm/{} of {} bytes: {} (is /dev/shm full? "
        "`df -h /dev/shm`)",
        name, size, e.what()));
  }
  return s;
}

Segment Segment::open(const std::string& name) {
  Segment s;
  try {
    bip::shared_memory_object shm(bip::open_only, name.c_str(), bip::read_write);
    s.name_ = name;
    s.region_ = bip::mapped_region(shm, bip::read_write);
  } catch (const bip::interprocess_exception& e) {
    throw InfrastructureError(
        fmt::format("cannot open shared-memory segment /dev/shm/{}: {}", name, e.what()));
  }
  return s;
}

Segment& Segment::operator=(Segment&& o) noexcept {
  if (this != &o) {
    if (owner_) bip::shared_memory_object::remove(name_.c_str());
    name_ = std::move(o.name_);
    region_ = std::move(o.region_);
    owner_ = o.owner_;
    o.owner_ = false;
  }
  return *this;
}

Segment::~Segment() {
  if (owner_) bip::shared_memory_object::remove(name_.c_str());
}

void Segment::unlink() {
  if (!name_.empty()) bip::shared_memory_object::remove(name_.c_str());
  owner_ = false;
}

namespace {

// f(name, uid of its owner) for each entry of /dev/shm.
template <class F>
void for_each_shm_name(F&& f) {
  DIR* dir = opendir("/dev/shm");
  if (!dir) return;
  while (dirent* e = readdir(dir)) {
    struct stat st {};
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    f(std::string(e->d_name), st.st_uid);
  }
  closedir(dir);
}

}  // namespace

void remove_segments_with_prefix(const std::string& prefix) {
  for_each_shm_name([&](const std::string& name, uid_t) {
    if (name.rfind(prefix, 0) == 0) bip::shared_memory_object::remove(name.c_str());
  });
}

int remove_stale_segments() {
  int removed = 0;
  const std::string prefix = kShmPrefix;
  const uid_t me = geteuid();
  for_each_shm_name([&](const std::string& name, uid_t owner) {
    // Another user's segments are theirs to clean up, even of a dead process.
    if (name.rfind(prefix, 0) != 0 || owner != me) return;
    char* end = nullptr;
    long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (pid <= 0 || pid > INT_MAX || *end != '-') return;  // not one of ours
    if (kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH) {
      bip::shared_memory_object::remove(name.c_str());
      ++removed;
    }
  });
  return removed;
}

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected, int64_t timeout_us) {
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  timespec ts{static_cast<time_t>(timeout_us / 1'000'000),
              static_cast<long>((timeout_us % 1'000'000) * 1000)};
  // Not FUTEX_PRIVATE_FLAG: the word is shared between processes.
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

void futex_wake_all(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace schedlab::processes
