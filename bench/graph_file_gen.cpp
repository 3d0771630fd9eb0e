#include "bench/graph_file_gen.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <iterator>

namespace schedlab::bench {

std::string chain_graph_file(size_t tasks) {
  std::string out = "{\"version\": 1, \"tasks\": {\n\"t0\": {\"value\": 0}";
  out.reserve(tasks * 56);
  for (size_t i = 1; i < tasks; ++i) {
    fmt::format_to(std::back_inserter(out),
                   ",\n\"t{}\": {{\"op\": \"inc\", \"args\": [{{\"ref\": \"t{}\"}}]}}", i, i - 1);
  }
  out += "\n}}\n";
  return out;
}

std::string layered_graph_file(size_t tasks, size_t width) {
  std::string out = "{\"version\": 1, \"tasks\": {\n";
  out.reserve(tasks * 104);
  uint64_t state = 1;
  auto next = [&] {  // a 64-bit LCG (Knuth's MMIX constants): enough to scatter the edges
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<size_t>(state >> 33);
  };
  for (size_t i = 0; i < tasks; ++i) {
    const size_t layer = i / width, pos = i % width;
    if (i > 0) out += ",\n";
    if (layer == 0) {
      fmt::format_to(std::back_inserter(out), "\"n-0-{}\": {{\"value\": {}}}", pos, pos);
      continue;
    }
    const size_t below = layer - 1;
    fmt::format_to(std::back_inserter(out),
                   "\"n-{}-{}\": {{\"op\": \"max\", \"args\": [[{{\"ref\": \"n-{}-{}\"}}, "
                   "{{\"ref\": \"n-{}-{}\"}}, {{\"ref\": \"n-{}-{}\"}}]]}}",
                   layer, pos, below, next() % width, below, next() % width, below, next() % width);
  }
  out += "\n}}\n";
  return out;
}

}  // namespace schedlab::bench
