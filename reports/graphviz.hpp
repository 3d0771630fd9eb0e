// Drawing DOT with Graphviz's `dot`, when it is installed: for the lesson pictures and the
// graphs in report.html.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace schedlab::reports {

// What to tell a reader where a graph has no picture.
inline constexpr const char* kNoGraphviz =
    "The graph is not drawn: Graphviz's `dot` is not installed here, or it could not draw this "
    "graph (install the Debian package graphviz and render the report again)";

// How long a layout may take: dense graphs of a few hundred tasks take Graphviz minutes. After
// Ctrl-C, while the run writes its last reports, a layout gets less.
inline constexpr std::chrono::milliseconds kLayoutBudget{4000}, kLayoutBudgetAfterStop{1000};

// A picture of a graph, or why there is none (a sentence, without its full stop).
struct Drawing {
  std::optional<std::string> svg;
  std::string why_not;
};

// The SVG that `dot -Tsvg` makes of `dot_text`: the <svg> element alone (no XML prologue, so
// that it can sit inside HTML) and only its shapes and text (svg_allow_list.hpp: the DOT may come
// from a results.json someone sent). No picture when `dot` is missing or fails, when the layout
// takes longer than `budget` (`dot` is killed), or when a signal stops the process meanwhile
// (a stop already under way gives the layout kLayoutBudgetAfterStop instead).
// `dot` runs in a process group of its own and dies with schedlab.
Drawing dot_to_svg(const std::string& dot_text, std::chrono::milliseconds budget = kLayoutBudget);

// Lays out many graphs with one `dot` per core, each given a share of the graphs one after
// another, and keeps the pictures for dot_to_svg: most of a small graph's ~35 ms in Graphviz is
// `dot` starting (its libraries, fontconfig). Graphs of a batch that fails or runs over its
// budget are left for dot_to_svg to lay out alone.
void lay_out_ahead(const std::vector<std::string>& dots);

}  // namespace schedlab::reports
