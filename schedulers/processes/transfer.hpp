// Moving one message with a payload through a ring: inline when small, out of line (a segment
// of its own) when large, so that a 100 MB array neither needs a 100 MB ring nor a copy
// through one.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "schedulers/processes/protocol.hpp"
#include "schedulers/processes/shm.hpp"

namespace schedlab::processes {

// Posts a message: a header of `header_size` bytes that `header` returns, then a payload of
// `size` bytes that `fill` writes. The payload is written first, so the header may report how
// long that took. `ool_name` names the segment used if the payload goes out of line. Returns
// false, having written nothing, when the ring has no room now.
bool post(Ring& ring, size_t header_size, const std::function<std::string_view()>& header,
          size_t size, const std::function<void(char*)>& fill, const std::string& ool_name);

// Reads the payload that follows the fixed fields; an out-of-line payload is mapped into
// `holder` (and its name removed at once), which must outlive the returned view.
std::string_view receive_payload(Reader& reader, Segment& holder);

}  // namespace schedlab::processes
