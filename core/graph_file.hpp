// Graph files: task graphs written as JSON, so that people can describe computations without
// C++. The format (see README "Graph files"):
//
//   {"tasks": {"a": {"value": [0, 1, 2, 3]},
//              "b": {"op": "sum", "args": [{"ref": "a"}], "sleep_ms": 100, "lock": "process"}},
//    "targets": ["b"]}
//
// {"ref": KEY} is a reference, {"array": [numbers]} a dense array of doubles, any other JSON
// value a literal. Every error names the file, line and column, and the key where one applies.
//
// Limits: a file of at most 1 GiB, keys of at most 1024 bytes, nesting at most 64 levels,
// at most 2^30 nodes, sleep_ms from 0 to 3,600,000.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "schedlab/core/graph.hpp"

namespace schedlab {

// The largest graph file read: a bound on the memory a mistaken file or an endless pipe can
// take (about 1.1x the file for a chain, 2x for a DAG of list arguments). 1 GiB unless
// --max-graph-size (set_max_graph_file_bytes, for the whole process) says otherwise.
inline constexpr size_t kDefaultMaxGraphFileBytes = size_t{1} << 30;
size_t max_graph_file_bytes();
void set_max_graph_file_bytes(size_t bytes);
inline constexpr size_t kMaxKeyBytes = 1024;

// Where loading time went, for `compute --stats`: reading the file, parsing it into a graph,
// and validating the graph (unique keys, references, no cycle; this builds the plan of the
// default targets too).
struct LoadTimes {
  double read_ms = 0;
  double parse_ms = 0;
  double validate_ms = 0;
};

struct LoadedGraph {
  Graph graph;
  std::vector<NodeId> targets;   // as listed, or the sinks when the file lists none
  std::string description = {};  // the file's "description", if any
  LoadTimes times = {};
};

// Adds the milliseconds of its lifetime to `ms`: how LoadTimes are measured.
class StopwatchInto {
 public:
  explicit StopwatchInto(double& ms) : ms_(ms), start_(std::chrono::steady_clock::now()) {}
  ~StopwatchInto() {
    ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
               .count();
  }
  StopwatchInto(const StopwatchInto&) = delete;
  StopwatchInto& operator=(const StopwatchInto&) = delete;

 private:
  double& ms_;
  std::chrono::steady_clock::time_point start_;
};

// Reads a graph file; "-" reads standard input. Throws UsageError.
LoadedGraph load_graph_file(const std::string& path);
// Parses graph-file text; `source` names it in messages. Throws UsageError.
LoadedGraph parse_graph(std::string_view text, std::string_view source);

// Writes a graph as a graph file that parse_graph reads back to an equal graph.
std::string graph_to_json(const Graph& graph, std::span<const NodeId> targets, int indent = 2);

}  // namespace schedlab
