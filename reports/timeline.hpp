// A cell's timeline picture, shared by the timeline reporter (one SVG file per cell), the
// Markdown report (which links those files) and report.html (which embeds them).
#pragma once

#include <string>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

// "timelines/inc-dbl_reduce_chain__threads_2.svg": where the cell's picture goes, relative to
// the report directory.
std::string timeline_path(const Cell& cell);

// The picture of the cell's profile run (its internal ids are the cell's, so that the pictures
// of several cells can share one page). Drawn once per process: the timeline files and
// report.html ask for the same picture, and a run's reports are written again as cells end,
// while a cell's picture no longer changes once it has ended. (Cached by the cell's id and a
// hash of everything drawn, so a changed cell is drawn again.)
std::string timeline_svg(const Cell& cell, unsigned cores);

}  // namespace schedlab::reports
