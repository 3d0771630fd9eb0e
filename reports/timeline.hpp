// A cell's timeline picture, shared by the timeline reporter (one SVG file per cell), the
// Markdown report (which links those files) and report.html (which embeds them).
#pragma once

#include <string>
#include <string_view>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

// "timelines/inc-dbl_reduce_chain__threads_2.svg": where the cell's picture goes, relative to
// the report directory.
std::string timeline_path(const Cell& cell);

// The picture of the cell's last repetition. `id` makes the SVG's internal ids unique where
// several pictures share one page.
std::string timeline_svg(const Cell& cell, unsigned cores, std::string_view id = "");

}  // namespace schedlab::reports
