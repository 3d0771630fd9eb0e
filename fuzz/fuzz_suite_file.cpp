// The suite-file reader, as TOML when the first byte is 't', else as JSON: any text is a suite or a
// UsageError naming the file, the cell and the field.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schedlab/core/errors.hpp"
#include "schedlab/suite/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    schedlab::suite::parse_suite_text(text, data[0] == 't' ? "fuzz.toml" : "fuzz.json");
  } catch (const schedlab::UsageError&) {
  }
  return 0;
}
