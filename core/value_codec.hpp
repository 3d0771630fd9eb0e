// The compact, versioned binary encoding of a Value, used to move arguments and results
// between processes (and, later, machines).
//
// Layout (little-endian, as on every machine we target): a 3-byte header "SV" + version (1),
// then the value as a tag byte followed by its payload:
//   null -; bool 1 byte; int 8 bytes; double 8 bytes; string u64 length + bytes;
//   list u64 count + items; array u64 count + count doubles.
// Decoding treats the bytes as untrusted: every length is checked against what remains and
// nesting is limited, so corrupt or truncated input throws CodecError, never reads out of bounds.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "schedlab/core/value.hpp"

namespace schedlab {

inline constexpr uint8_t kCodecVersion = 1;
inline constexpr size_t kMaxValueDepth = 64;  // deeper nesting is refused on both sides

class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exact number of bytes encode_into writes for v (header included).
size_t encoded_size(const Value& v);
// Writes encoded_size(v) bytes at dst and returns the end. dst must have room.
char* encode_into(const Value& v, char* dst);
std::string encode(const Value& v);
Value decode(std::string_view bytes);

}  // namespace schedlab
