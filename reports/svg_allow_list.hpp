// What of an SVG that Graphviz drew may go into a page: an allow-list of elements and
// attributes, so that a graph from a results.json someone sent cannot put links, pictures,
// scripts or styles into report.html, whatever its DOT text asked Graphviz for.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace schedlab::reports {

// `svg` (from its <svg> element on) with only the shapes and text Graphviz draws a graph with:
// elements svg, g, title, text, polygon, polyline, path, ellipse, circle, line and rect, and
// the geometry and paint attributes of these. Any other element is left out with all it holds
// (a, image, script, style, foreignObject, use, animate...), as are attributes not on the list
// (href, event handlers, style) and values that could fetch (url(...)). Comments, processing
// instructions and CDATA go too. nullopt when `svg` is not well-formed enough to read.
std::optional<std::string> allow_listed_svg(std::string_view svg);

}  // namespace schedlab::reports
