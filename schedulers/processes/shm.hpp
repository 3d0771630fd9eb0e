// Shared memory for the processes scheduler: named segments (Boost.Interprocess), their names,
// cleanup of segments left behind by killed runs, and futex waits on words inside them.
//
// Every segment is named "schedlab-<owner pid>-<pool>-<what>", so that (1) all segments of a
// pool can be removed by prefix, whoever created them, and (2) a segment whose owner process is
// dead can be recognised and removed by the next run.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cstdint>
#include <string>

namespace schedlab::processes {

inline constexpr const char* kShmPrefix = "schedlab-";

// A mapped segment. Created segments are removed when the owning object dies; opened ones are
// only unmapped (call unlink() to remove them too).
class Segment {
 public:
  static Segment create(const std::string& name, size_t size);
  static Segment open(const std::string& name);
  Segment() = default;
  Segment(Segment&& o) noexcept { *this = std::move(o); }
  Segment& operator=(Segment&&) noexcept;
  ~Segment();

  char* data() const { return static_cast<char*>(region_.get_address()); }
  size_t size() const { return region_.get_size(); }
  const std::string& name() const { return name_; }
  void unlink();  // removes the name now; the mapping stays valid until destruction
  void disown() { owner_ = false; }  // someone else (the receiver) will remove it

 private:
  std::string name_;
  boost::interprocess::mapped_region region_;
  bool owner_ = false;
};

// Removes every segment whose name starts with `prefix` (for a pool's own cleanup).
void remove_segments_with_prefix(const std::string& prefix);
// Removes segments "schedlab-<pid>-..." of this user whose owner pid is no longer alive (the
// segments of other users, and of live processes, are left alone). Returns how many.
int remove_stale_segments();

// Futex wait and wake on a 32-bit word in shared memory (works across processes).
// wait returns when *word != expected, when woken, or after timeout_us (spurious returns ok).
void futex_wait(std::atomic<uint32_t>* word, uint32_t expected, int64_t timeout_us);
void futex_wake_all(std::atomic<uint32_t>* word);

}  // namespace schedlab::processes
