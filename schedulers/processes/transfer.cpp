#include "schedulers/processes/transfer.hpp"

namespace schedlab::processes {

bool post(Ring& ring, size_t header_size, const std::function<std::string_view()>& header,
          size_t size, const std::function<void(char*)>& fill, const std::string& ool_name) {
  const bool out_of_line = header_size + 1 + size > ring.max_message() / 2;
  const size_t message = header_size + 1 + (out_of_line ? 2 + ool_name.size() + 8 : size);
  char* dst = ring.reserve(message);
  if (!dst) return false;
  char* after = dst + header_size;
  if (!out_of_line) {
    *after = static_cast<char>(PayloadMode::inline_bytes);
    fill(after + 1);
  } else {
    Segment segment = Segment::create(ool_name, size);
    fill(segment.data());
    segment.disown();  // the receiver removes it once read; a pool sweep catches the rest
    *after++ = static_cast<char>(PayloadMode::out_of_line);
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

std::string_view receive_payload(Reader& reader, Segment& holder) {
  auto mode = static_cast<PayloadMode>(reader.get<uint8_t>());
  if (mode == PayloadMode::inline_bytes) return reader.rest();
  std::string name(reader.get_string());
  auto size = reader.get<uint64_t>();
  holder = Segment::open(name);
  holder.unlink();
  if (size > holder.size()) throw InfrastructureError("out-of-line payload larger than its segment");
  return {holder.data(), size};
}

}  // namespace schedlab::processes
