// The two charts of report.html, drawn as inline SVG by us rather than by a JavaScript
// charting library: they render without scripts, print, scale on a projector and weigh a few
// kilobytes (docs/REPORTS.md says more). Every mark has a <title>, which browsers show on hover
// with the exact figure, and a data-series attribute, by which the page's legend toggles it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace schedlab::reports {

// A round step (1, 2 or 5 times a power of ten) giving 4 to 10 ticks from 0 to `end` (> 0).
double tick_step(double end);

// The ten colours of every picture (Tableau 10): the i-th of them, round and round.
const char* chart_colour(size_t i);

// A colour per series name, the same for a name everywhere in one report.
class Palette {
 public:
  const char* colour(const std::string& series);

 private:
  std::vector<std::pair<std::string, const char*>> given_;
};

// One row of a bar-and-tick chart: a bar (the measured median) and a tick to hold it against
// (the prediction, or an earlier run's median).
struct BarRow {
  std::string label;   // "threads, 2 workers, GIL"
  std::string series;  // what the legend toggles (the scheduler)
  double bar_ms = 0, tick_ms = 0;
  std::string missing;  // why there is no bar ("failed", "not measured"); empty: there is one
};
// What the bar and the tick are, for the key and the tooltips.
struct BarNames {
  std::string bar = "measured", tick = "predicted";
};
std::string bar_and_tick_chart(const std::vector<BarRow>& rows, Palette& palette,
                               const BarNames& names = {});

// One line of the speedup chart: (workers, speedup) points.
struct SpeedupSeries {
  std::string name;    // "threads" or "threads, GIL"
  std::string series;  // what the legend toggles (the scheduler)
  std::vector<std::pair<unsigned, double>> points;
  bool dashed = false;  // the GIL-on variant of its scheduler's line
};
// With the ideal line (speedup = workers) and the machine's core count marked.
std::string speedup_chart(const std::vector<SpeedupSeries>& lines, unsigned cores,
                          Palette& palette);

}  // namespace schedlab::reports
