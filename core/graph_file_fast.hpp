// Internal: the two graph-file readers behind parse_graph.
#pragma once

#include <optional>
#include <string_view>

#include "schedlab/core/graph_file.hpp"

namespace schedlab::detail {

// Reads a valid graph file in one pass straight into a Graph. Returns nullopt at anything it
// does not expect, an error or a rarity (a BOM, a key written with escapes, a reference inside a
// nested list to a task listed later): the precise reader then reads the file and names the
// error by line and column. Whatever it accepts, the precise reader accepts as the same graph
// (the graph_file fuzz target checks this on every input).
std::optional<LoadedGraph> parse_graph_fast(std::string_view text);

// The precise reader alone (parse_graph tries the fast one first), for tests that hold the two
// against each other.
LoadedGraph parse_graph_precise(std::string_view text, std::string_view source);

}  // namespace schedlab::detail
