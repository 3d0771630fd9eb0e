// Moving one message with a payload through a ring: inline when small, out of line (a segment
// of its own) when large, so that a 100 MB array neither needs a 100 MB ring nor a copy
// through one.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "schedlab/schedulers/processes/protocol.hpp"
#include "schedlab/schedulers/processes/shm.hpp"

namespace schedlab::processes {

// The sender's reusable segment for large payloads, one per direction per worker: mapping a
// fresh 100 MB segment costs as much in page faults as copying into it, so a payload reuses
// this one whenever the receiver has consumed everything sent before (the ring is empty), and
// it only grows. Otherwise, a one-off segment is used.
struct BigBuffer {
  std::string name_prefix;  // unique per direction and worker
  Segment segment;
  uint64_t generation = 0;
  uint64_t one_off = 0;
};
// The receiver's mapping of the sender's current BigBuffer.
struct BigMapping {
  Segment segment;
};

// Posts a message: a header of `header_size` bytes that `header` returns, then a payload of
// `size` bytes that `fill` writes. The payload is written first, so the header may report how
// long that took. A large payload goes out of line, through `big`. Returns false, having
// written nothing, when the ring has no room now.
bool post(Ring& ring, size_t header_size, const std::function<std::string_view()>& header,
          size_t size, const std::function<void(char*)>& fill, BigBuffer& big);

// Reads the payload that follows the fixed fields. A one-off out-of-line payload is mapped into
// `holder` (and its name removed at once); a reused one through `big`. Either must outlive the
// returned view.
std::string_view receive_payload(Reader& reader, Segment& holder, BigMapping& big);

}  // namespace schedlab::processes
