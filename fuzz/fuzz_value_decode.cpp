// The binary value decoder (what worker processes read): any bytes decode or are a CodecError;
// what decodes encodes back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "schedlab/core/value_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const schedlab::Value v = schedlab::decode(bytes);
    if (schedlab::encode(v) != bytes) std::abort();  // the encoding has one form per value
  } catch (const schedlab::CodecError&) {
  }
  return 0;
}
