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

std::string describe_args(const Graph& g, std::span<const PackedArg> args, size_t max_literal) {
  std::string out;
  for (PackedArg a : args) {
    if (!out.empty()) out += ", ";
    switch (a.kind()) {
      case PackedArg::ref:
        out += g.key(a.index());
        break;
      case PackedArg::literal:
        out += to_display(g.literal(a.index()), max_literal);
        break;
      case PackedArg::list:
        out += "[" + describe_args(g, g.list_items(a.index()), max_literal) + "]";
        break;
    }
  }
  return out;
}

}  // namespace

std::string describe_call(const Graph& graph, NodeId n, size_t max_literal) {
  return fmt::format("{}({})", graph.op(n)->name, describe_args(graph, graph.args(n), max_literal));
}

std::string graph_to_dot(const Graph& g, std::span<const NodeId> targets,
                         std::string_view rankdir) {
  std::vector<uint8_t> is_target(g.size(), 0);
  for (NodeId t : targets) is_target[t] = 1;
  std::string out = fmt::format(
      "digraph schedlab {{\n  rankdir={};\n  node [fontname=\"Helvetica\"];\n", rankdir);
  for (NodeId n = 0; n < g.size(); ++n) {
    std::string style = is_target[n] ? ", penwidth=2" : "";
    if (g.is_task(n)) {
      // The call shows the literals a task was given, which have no node of their own.
      std::string label = fmt::format("{}\n{}", g.key(n), describe_call(g, n, 20));
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
