#include "schedlab/core/graph_dot.hpp"

#include <fmt/format.h>

#include <vector>

namespace schedlab {
namespace {

// DOT string literal: escape quotes and backslashes, keep newlines as \n escapes.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string graph_to_dot(const Graph& g, std::span<const NodeId> targets,
                         std::string_view rankdir) {
  std::vector<uint8_t> is_target(g.size(), 0);
  for (NodeId t : targets) is_target[t] = 1;
  std::string out = fmt::format(
      "digraph schedlab {{\n  rankdir={};\n  node [fontname=\"Helvetica\"];\n", rankdir);
  for (NodeId n = 0; n < g.size(); ++n) {
    std::string style = is_target[n] ? ", penwidth=2" : "";
    if (g.is_task(n)) {
      std::string label = fmt::format("{}\n{}", g.key(n), g.op(n)->name);
      if (g.options(n).sleep_us) label += fmt::format(" ({} ms)", g.options(n).sleep_ms());
      if (g.options(n).lock != LockKind::none)
        label += fmt::format("\nlock {}", lock_name(g.options(n).lock));
      out += fmt::format("  n{} [shape=box, label={}{}];\n", n, quoted(label), style);
    } else {
      out += fmt::format(
          "  n{} [shape=ellipse, label={}{}];\n", n,
          quoted(fmt::format("{}\n{}", g.key(n), to_display(g.literal_value(n), 40))), style);
    }
  }
  std::vector<uint32_t> stamp(g.size(), 0);
  for (NodeId n = 0; n < g.size(); ++n) {
    g.for_each_ref(n, [&](NodeId d) {
      if (stamp[d] == n + 1) return;  // one edge per pair, however often d is used
      stamp[d] = n + 1;
      out += fmt::format("  n{} -> n{};\n", d, n);
    });
  }
  return out + "}\n";
}

}  // namespace schedlab
