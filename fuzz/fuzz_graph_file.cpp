// The graph-file reader: any bytes either load or are a UsageError naming file, line and column.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    schedlab::parse_graph({reinterpret_cast<const char*>(data), size}, "fuzz.json");
  } catch (const schedlab::UsageError&) {
  }
  return 0;
}
