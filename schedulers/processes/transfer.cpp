#include "schedlab/schedulers/processes/transfer.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace schedlab::processes {

bool post(Ring& ring, size_t header_size, const std::function<std::string_view()>& header,
          size_t size, const std::function<void(char*)>& fill, BigBuffer& big) {
  const bool out_of_line = header_size + 1 + size > ring.max_message() / 2;
  const bool reuse = out_of_line && ring.empty();  // the receiver is done with the big buffer
  std::string ool_name;
  if (out_of_line && !reuse) ool_name = fmt::format("{}x{}", big.name_prefix, ++big.one_off);
  if (reuse && big.segment.size() < size) {
    ool_name = fmt::format("{}g{}", big.name_prefix, ++big.generation);
  } else if (reuse) {
    ool_name = big.segment.name();
  }
  const size_t message = header_size + 1 + (out_of_line ? 2 + ool_name.size() + 8 : size);
  char* dst = ring.reserve(message);
  if (!dst) return false;
  char* after = dst + header_size;
  if (!out_of_line) {
    *after = static_cast<char>(PayloadMode::inline_bytes);
    fill(after + 1);
  } else {
    if (reuse) {
      if (big.segment.size() < size) {
        // Grow geometrically, so that slowly growing payloads do not remap every time. The old
        // name is removed now; the receiver's mapping of it stays valid until it maps the new.
        big.segment = Segment::create(ool_name, std::max(size, 2 * big.segment.size()));
      }
      fill(big.segment.data());
    } else {
      Segment segment = Segment::create(ool_name, size);
      fill(segment.data());
      segment.disown();  // the receiver removes it once read; a pool sweep catches the rest
    }
    *after++ = static_cast<char>(reuse ? PayloadMode::reused : PayloadMode::out_of_line);
    auto n = static_cast<uint16_t>(ool_name.size());
    std::memcpy(after, &n, 2);
    std::memcpy(after + 2, ool_name.data(), n);
    uint64_t bytes = size;
    std::memcpy(after + 2 + n, &bytes, 8);
  }
  std::string_view h = header();
  std::memcpy(dst, h.data(), header_size);
  ring.commit();
  return true;
}

std::string_view receive_payload(Reader& reader, Segment& holder, BigMapping& big) {
  auto mode = static_cast<PayloadMode>(reader.get<uint8_t>());
  if (mode == PayloadMode::inline_bytes) return reader.rest();
  std::string name(reader.get_string());
  auto size = reader.get<uint64_t>();
  Segment* from = &holder;
  if (mode == PayloadMode::reused) {
    if (big.segment.name() != name) {
      big.segment = Segment::open(name);
      big.segment.unlink();  // mapped on both sides now; the name is only a risk of leaking
    }
    from = &big.segment;
  } else {
    holder = Segment::open(name);
    holder.unlink();
  }
  if (size > from->size()) throw InfrastructureError("out-of-line payload larger than its segment");
  return {from->data(), size};
}

}  // namespace schedlab::processes
