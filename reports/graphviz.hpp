// Drawing DOT with Graphviz's `dot`, when it is installed: for the lesson pictures and the
// graphs in report.html.
#pragma once

#include <optional>
#include <string>

namespace schedlab::reports {

// The SVG that `dot -Tsvg` makes of `dot_text` (the <svg> element alone, without the XML
// prologue, so that it can sit inside HTML), or nullopt when `dot` is missing or fails, or the
// DOT asks for links or pictures (words like URL, href, image: ours never do).
std::optional<std::string> dot_to_svg(const std::string& dot_text);

// What to tell a reader where dot_to_svg gave nothing.
inline constexpr const char* kNoGraphviz =
    "The graph is not drawn: Graphviz's `dot` is not installed here, or it could not draw this "
    "graph (install the Debian package graphviz and render the report again)";

}  // namespace schedlab::reports
