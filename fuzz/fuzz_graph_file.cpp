// The graph-file readers: any bytes either load or are a UsageError naming file, line and
// column; and whatever the fast reader accepts, the precise one accepts as the same graph (a
// difference aborts: the fast reader must never read a file differently or let an error pass).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "core/graph_file_fast.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph_file.hpp"

namespace {

// How each argument is stored (a literal list and a list of literals print alike as JSON).
void shape(const schedlab::Graph& g, std::span<const schedlab::PackedArg> args, std::string& out) {
  for (schedlab::PackedArg a : args) {
    out += static_cast<char>('0' + a.kind());
    if (a.kind() == schedlab::PackedArg::list) {
      out += '[';
      shape(g, g.list_items(a.index()), out);
      out += ']';
    }
  }
}

std::string written(const schedlab::LoadedGraph& g) {
  std::string out = schedlab::graph_to_json(g.graph, g.targets) + "description: " + g.description;
  for (schedlab::NodeId n = 0; n < g.graph.size(); ++n) {
    out += '\n';
    shape(g.graph, g.graph.args(n), out);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto fast = schedlab::detail::parse_graph_fast(text);
  try {
    auto precise = schedlab::detail::parse_graph_precise(text, "fuzz.json");
    if (fast && written(*fast) != written(precise)) {
      std::fprintf(stderr, "the fast reader built another graph than the precise one\n");
      std::abort();
    }
  } catch (const schedlab::UsageError&) {
    if (fast) {
      std::fprintf(stderr, "the fast reader accepted a file the precise one refuses\n");
      std::abort();
    }
  }
  return 0;
}
