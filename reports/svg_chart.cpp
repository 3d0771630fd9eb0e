#include "schedlab/reports/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "schedlab/reports/table.hpp"

namespace schedlab::reports {
namespace {

const char* const kColours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string ms_text(double ms) {
  return ms_figure(ms) + " ms";
}
// Hovering gives the figure to a tenth of a millisecond.
std::string exact_ms(double ms) {
  return fmt::format("{:.1f} ms", ms);
}

// The legend: one entry per series, in order of first appearance; clicking one toggles it.
std::string legend(const std::vector<std::string>& series, Palette& palette, double x, double y) {
  std::string out;
  for (const std::string& s : series) {
    out += fmt::format(
        "<g class=\"legend-item\" data-series=\"{0}\" role=\"button\" tabindex=\"0\">"
        "<title>show or hide {0}</title><rect x=\"{1:.1f}\" y=\"{2:.1f}\" width=\"12\" "
        "height=\"12\" fill=\"{3}\"/><text x=\"{4:.1f}\" y=\"{5:.1f}\">{0}</text></g>\n",
        xml_escape(s), x, y, palette.colour(s), x + 16, y + 10);
    x += 34 + 7.5 * static_cast<double>(s.size());
  }
  return out;
}

std::vector<std::string> distinct(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const std::string& n : names) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  return out;
}

}  // namespace

double tick_step(double end) {
  if (!(end > 0)) return 1;
  double step = std::pow(10.0, std::floor(std::log10(end / 4)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (end / (step * m) <= 10) return step * m;
  }
  return step * 10;
}

const char* chart_colour(size_t i) {
  return kColours[i % std::size(kColours)];
}

const char* Palette::colour(const std::string& series) {
  for (const auto& [name, colour] : given_) {
    if (name == series) return colour;
  }
  given_.emplace_back(series, chart_colour(given_.size()));
  return given_.back().second;
}

std::string bar_and_tick_chart(const std::vector<BarRow>& rows, Palette& palette,
                               const BarNames& names) {
  constexpr double kLeft = 190, kPlot = 470, kRow = 26, kTop = 34;
  double end = 1e-3;
  for (const BarRow& r : rows) end = std::max({end, r.bar_ms, r.tick_ms});
  const double step = tick_step(end);
  end = std::ceil(end / step) * step;
  auto x = [&](double ms) { return kLeft + kPlot * ms / end; };
  const double height = kTop + kRow * static_cast<double>(rows.size()) + 36;
  std::string out = fmt::format(
      "<svg class=\"chart bar-tick\" xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 {0} {1:.0f}\" width=\"{0}\" role=\"img\" aria-label=\"{2} against {3} "
      "time per cell\">\n",
      kLeft + kPlot + 110, height, xml_escape(names.bar), xml_escape(names.tick));
  std::vector<std::string> series;
  for (const BarRow& r : rows) series.push_back(r.series);
  out += legend(distinct(series), palette, kLeft, 6);
  out += fmt::format(
      "<g class=\"key\"><rect x=\"{0:.1f}\" y=\"6\" width=\"3\" height=\"14\" fill=\"#222\"/>"
      "<text x=\"{1:.1f}\" y=\"17\">{2}</text></g>\n",
      kLeft + kPlot - 50, kLeft + kPlot - 42, xml_escape(names.tick));
  for (double t = 0; t <= end * (1 + 1e-9); t += step) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\" fill=\"#555\">{4:g}</text>\n",
        x(t), kTop - 4, height - 30, height - 16, t);
  }
  out += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#555\">median wall time "
      "(ms)</text>\n",
      kLeft + kPlot / 2, height - 2);
  double y = kTop;
  for (const BarRow& r : rows) {
    const char* colour = palette.colour(r.series);
    out += fmt::format("<g class=\"mark\" data-series=\"{}\">", xml_escape(r.series));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", kLeft - 8,
                       y + 15, xml_escape(r.label));
    if (!r.missing.empty()) {
      out +=
          fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#c00\">{} ({} {})</text>", kLeft + 4,
                      y + 15, xml_escape(r.missing), xml_escape(names.tick), ms_text(r.tick_ms));
    } else {
      const double ratio = r.tick_ms > 0 ? r.bar_ms / r.tick_ms : 0;
      out += fmt::format(
          "<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"16\" "
          "fill=\"{}\"><title>{}: {} {}, {} {}, {}/{} {:.2f}</title></rect>",
          kLeft, y + 3, std::max(1.0, x(r.bar_ms) - kLeft), colour, xml_escape(r.label),
          xml_escape(names.bar), exact_ms(r.bar_ms), xml_escape(names.tick), exact_ms(r.tick_ms),
          xml_escape(names.bar), xml_escape(names.tick), ratio);
      out += fmt::format(
          "<rect class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"3\" height=\"22\" "
          "fill=\"#222\"><title>{}: {} {}</title></rect>",
          x(r.tick_ms) - 1.5, y, xml_escape(r.label), xml_escape(names.tick), exact_ms(r.tick_ms));
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#333\">{} ({:.2f})</text>",
                         std::max(x(r.bar_ms), x(r.tick_ms)) + 6, y + 15, ms_text(r.bar_ms), ratio);
    }
    out += "</g>\n";
    y += kRow;
  }
  return out + "</svg>\n";
}

std::string speedup_chart(const std::vector<SpeedupSeries>& lines, unsigned cores,
                          Palette& palette) {
  constexpr double kLeft = 50, kPlot = 420, kTop = 34, kHeight = 260;
  // The axis runs to the largest worker count measured; the cores are marked where they fall
  // inside it (on a 64-core machine, workers 1 to 4 must not crowd into the left edge).
  unsigned max_workers = 2;
  double max_speedup = 1;
  for (const SpeedupSeries& s : lines) {
    for (const auto& [w, v] : s.points) {
      max_workers = std::max(max_workers, w);
      max_speedup = std::max(max_speedup, v);
    }
  }
  const double top = std::ceil(std::max(max_speedup, static_cast<double>(max_workers)));
  auto x = [&](double w) { return kLeft + kPlot * (w - 1) / (max_workers - 1); };
  auto y = [&](double v) { return kTop + kHeight * (1 - v / top); };
  std::string out = fmt::format(
      "<svg class=\"chart speedup\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" role=\"img\" aria-label=\"speedup against threads\">\n",
      kLeft + kPlot + 30, kTop + kHeight + 40, kLeft + kPlot + 30);
  std::vector<std::string> series;
  for (const SpeedupSeries& s : lines) series.push_back(s.series);
  out += legend(distinct(series), palette, kLeft, 6);
  // Axes with a tick per worker count and per whole speedup.
  const double step = tick_step(top);
  for (double v = 0; v <= top * (1 + 1e-9); v += step) {
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\" fill=\"#555\">{5:g}x</text>\n",
        kLeft, y(v), kLeft + kPlot, kLeft - 6, y(v) + 4, v);
  }
  const auto worker_step = static_cast<unsigned>(std::max(1.0, tick_step(max_workers)));
  for (unsigned w = 1; w <= max_workers;
       w = w == 1 && worker_step > 1 ? worker_step : w + worker_step) {
    out += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n", x(w),
        kTop + kHeight + 16, w);
  }
  out += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#555\">threads (workers x "
      "threads per worker)</text>\n",
      kLeft + kPlot / 2, kTop + kHeight + 34);
  // The ideal, and the cores past which computing cannot speed up.
  out += fmt::format(
      "<line class=\"ideal\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
      "stroke=\"#999\" stroke-dasharray=\"6,4\"><title>ideal: speedup = threads</title></line>"
      "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#777\">ideal</text>\n",
      x(1), y(1), x(max_workers), y(max_workers), x(max_workers) - 34, y(max_workers) + 16);
  if (cores >= 1 && cores < max_workers) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#bbb\"/>"
        "<text x=\"{3:.1f}\" y=\"{4}\" fill=\"#777\">{5} cores</text>\n",
        x(cores), kTop, kTop + kHeight, x(cores) + 4, kTop + 12, cores);
  }
  for (const SpeedupSeries& s : lines) {
    const char* colour = palette.colour(s.series);
    const bool dashed = s.dashed;
    std::string points;
    for (const auto& [w, v] : s.points) points += fmt::format("{:.1f},{:.1f} ", x(w), y(v));
    out += fmt::format(
        "<g class=\"mark\" data-series=\"{}\"><polyline class=\"line\" points=\"{}\" "
        "fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}><title>{}</title></polyline>",
        xml_escape(s.series), points, colour, dashed ? " stroke-dasharray=\"4,3\"" : "",
        xml_escape(s.name));
    for (const auto& [w, v] : s.points) {
      out += fmt::format(
          "<circle class=\"point\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4.5\" fill=\"{}\"><title>{}, "
          "{} thread{}: {:.2f}x</title></circle>",
          x(w), y(v), dashed ? "white" : colour, xml_escape(s.name), w, w == 1 ? "" : "s", v);
      if (dashed) {
        out += fmt::format(
            "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"none\" stroke=\"{}\" "
            "stroke-width=\"2\"/>",
            x(w), y(v), colour);
      }
    }
    out += "</g>\n";
  }
  return out + "</svg>\n";
}

}  // namespace schedlab::reports
