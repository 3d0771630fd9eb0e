// Per-cell timelines as SVG, like Dask's Profiler and ResourceProfiler shown by visualize():
// one row per worker with a bar per task (coloured by op, labelled with its key where it
// fits), and under it the CPU and memory use sampled during the run. Drawn from each cell's
// profile run (traced and sampled, not measured: see suite/run_loop.hpp).
//
// The part of a task spent waiting is hatched over its bar where it happened, so the sleeplock
// and GIL lessons show who waited and when: a lock wait at the start, each wait for the GIL at
// its hand-over (threads under the GIL visibly take turns). A trace without the GIL's spans (an
// earlier build's, or more than kMaxSpanRecords of them) hatches the total at the start.
// Serialisation (values encoded and decoded to move between processes) has a colour of its own:
// the workers' around their tasks, and the scheduling process's (the parent of process workers,
// or rank 0) in a lane of its own at the top, which is where the processes lesson's time goes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <unordered_map>

#include "schedlab/core/output_file.hpp"
#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/svg_chart.hpp"
#include "schedlab/reports/table.hpp"
#include "schedlab/reports/timeline.hpp"

namespace schedlab::reports {
namespace {

constexpr double kWidth = 900, kLeft = 90, kRow = 26, kProfile = 90;
constexpr const char* kSerialisation = "#555555";  // not an op's colour (svg_chart.cpp)
constexpr std::string_view kSerialisationLabel = "encoding and decoding";

// "decoding the result of 'x'" (the scheduler's decode) or "decoding its arguments" (a
// worker's), and the time.
std::string span_text(const SpanRecord& s) {
  const bool scheduler = s.worker == kSchedulerWorker;
  const bool encode = s.kind == "encode";
  return fmt::format("{} {} of {} {:.2f}-{:.2f} ms ({:.2f} ms)", encode ? "encoding" : "decoding",
                     scheduler == encode ? "the arguments" : "the result", xml_escape(s.key),
                     s.start_ms, s.end_ms, s.end_ms - s.start_ms);
}
// ", waited 50.0 ms for its lock, 2.0 ms for the GIL" (empty when it did not wait).
std::string waits_text(const TaskRecord& t) {
  std::string out;
  if (t.lock_wait_ms > 0) out += fmt::format(", waited {:.1f} ms for its lock", t.lock_wait_ms);
  if (t.gil_wait_ms > 0) {
    out += fmt::format("{} {:.1f} ms for the GIL", out.empty() ? ", waited" : ",", t.gil_wait_ms);
  }
  return out;
}

// Each series of an occupancy in its worker's lane as a stacked area: the share of each slice
// the worker spent on the op, one polygon per (worker, op) with its totals as the tooltip.
template <class X>
void draw_occupancy(std::string& out, const Occupancy& occ, const std::map<unsigned, int>& rows,
                    double top, const X& x, std::map<std::string, const char*>& colour,
                    const char* prefix, double opacity) {
  const double h = kRow - 6;
  std::map<unsigned, std::vector<double>> stacked;  // worker -> share of each slice drawn so far
  for (const Occupancy::Series& s : occ.series) {
    auto [it, fresh] = colour.emplace(s.op, chart_colour(colour.size()));
    std::vector<double>& below = stacked[s.worker];
    below.resize(std::max(below.size(), s.busy_ms.size()), 0.0);
    const double base = top + rows.at(s.worker) * kRow + 3 + h;
    // The upper edge left to right, then the lower edge back: steps, one per slice, with runs
    // of equal height merged so that a steady worker costs a few points, not 600.
    std::vector<std::pair<double, double>> upper, lower;  // (x, y)
    double total = 0;
    for (size_t i = 0; i < s.busy_ms.size(); ++i) {
      total += s.busy_ms[i];
      const double lo = below[i];
      const double hi = std::min(1.0, lo + s.busy_ms[i] / occ.slice_ms);
      below[i] = hi;
      const double x0 = x(static_cast<double>(i) * occ.slice_ms);
      const double x1 = x(static_cast<double>(i + 1) * occ.slice_ms);
      auto step = [&](std::vector<std::pair<double, double>>& edge, double share) {
        const double y = std::round((base - h * share) * 10) / 10;
        if (!edge.empty() && edge.back().second == y) {
          edge.back().first = x1;
        } else {
          edge.emplace_back(x0, y);
          edge.emplace_back(x1, y);
        }
      };
      step(upper, hi);
      step(lower, lo);
    }
    std::string points;
    for (const auto& [px, py] : upper) points += fmt::format("{:.1f},{:.1f} ", px, py);
    for (auto p = lower.rbegin(); p != lower.rend(); ++p)
      points += fmt::format("{:.1f},{:.1f} ", p->first, p->second);
    const double span = occ.slice_ms * static_cast<double>(s.busy_ms.size());
    out += fmt::format(
        "<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"{}\"><title>{}worker {}, {}: {} "
        "task{}, busy {:.2f} ms of {:.2f} ({:.0f}%)</title></polygon>\n",
        points, it->second, opacity, prefix, s.worker, xml_escape(s.op), s.tasks,
        s.tasks == 1 ? "" : "s", total, span, 100 * total / span);
  }
}

}  // namespace

std::string timeline_path(const Cell& c) {
  return "timelines/" + file_name_part(c.id()) + ".svg";
}

namespace {

// Everything the picture of a cell is drawn from, hashed: a cell whose picture was drawn is not
// drawn again unless one of these changed.
class Fingerprint {
 public:
  template <class T>
  Fingerprint& add(const T& x) {
    h_ = (h_ ^ std::hash<T>{}(x)) * 0x100000001b3ULL;
    return *this;
  }
  Fingerprint& add(const std::vector<TaskRecord>& tasks) {
    for (const TaskRecord& t : tasks) {
      add(t.key).add(t.op).add(t.worker).add(t.pid).add(t.start_ms).add(t.end_ms);
      add(t.lock_wait_ms).add(t.gil_wait_ms);
    }
    return add(tasks.size());
  }
  Fingerprint& add(const std::vector<SpanRecord>& spans) {
    for (const SpanRecord& sp : spans)
      add(sp.kind).add(sp.key).add(sp.worker).add(sp.start_ms).add(sp.end_ms);
    return add(spans.size());
  }
  Fingerprint& add(const Occupancy& o) {
    add(o.slice_ms).add(o.tasks);
    for (const Occupancy::Series& s : o.series) {
      add(s.worker).add(s.op).add(s.tasks);
      for (double b : s.busy_ms) add(b);
    }
    return add(o.series.size());
  }
  Fingerprint& add(const std::vector<ResourceSample>& samples) {
    for (const ResourceSample& r : samples) add(r.t_ms).add(r.cpu_percent).add(r.rss_bytes);
    return add(samples.size());
  }
  size_t value() const { return h_; }

 private:
  size_t h_ = 0xcbf29ce484222325ULL;
};

size_t fingerprint(const Cell& c, unsigned cores) {
  return Fingerprint()
      .add(cores)
      .add(c.policy)
      .add(c.predicted_ms)
      .add(c.profile.wall_ms)
      .add(c.profile.trace)
      .add(c.profile.spans)
      .add(c.profile.occupancy)
      .add(c.profile.resources)
      .add(c.predicted_schedule)
      .add(c.predicted_occupancy)
      .value();
}

// The id of the picture's hatch pattern: the cell's, readable, and with a hash of the whole id,
// since file_name_part alone may make two ids one ("a/b" and "a_b").
std::string pattern_id(const std::string& cell_id) {
  uint32_t h = 2166136261u;  // FNV-1a: the same on every platform, as the golden files need
  for (unsigned char ch : cell_id) h = (h ^ ch) * 16777619u;
  return fmt::format("waiting-{}-{:08x}", file_name_part(cell_id), h);
}

std::string draw_timeline(const Cell& cell, unsigned cores) {
  const std::string waiting = pattern_id(cell.id());
  const Repetition& rep = cell.profile;
  double end = std::max(rep.wall_ms, 1e-3);
  const Occupancy& occupancy = rep.occupancy;
  const Occupancy& predicted_occupancy = cell.predicted_occupancy;
  for (const TaskRecord& t : rep.trace) end = std::max(end, t.end_ms);
  for (const Occupancy* o : {&occupancy, &predicted_occupancy}) {
    end = std::max(end, o->slice_ms * static_cast<double>(o->slices()));
  }
  std::map<unsigned, int> rows;  // worker -> row
  for (const TaskRecord& t : rep.trace) rows.emplace(t.worker, 0);
  for (const Occupancy::Series& s : occupancy.series) rows.emplace(s.worker, 0);
  // The scheduling process's lane, when it serialised: the first row.
  const bool scheduler_lane = std::any_of(
      rep.spans.begin(), rep.spans.end(),
      [](const SpanRecord& sp) { return sp.worker == kSchedulerWorker && sp.kind != "gil_wait"; });
  int i = scheduler_lane ? 1 : 0;
  for (auto& [w, row] : rows) row = i++;
  // Where each task's GIL waits are (as spans), to hatch them there.
  std::unordered_map<std::string_view, std::vector<const SpanRecord*>> gil_waits;
  for (const SpanRecord& sp : rep.spans) {
    if (sp.kind == "gil_wait" && sp.worker != kSchedulerWorker) gil_waits[sp.key].push_back(&sp);
  }
  const double plot = kWidth - kLeft - 20;
  // The predicted schedule is drawn under the measured lanes, on the same time axis.
  const std::vector<TaskRecord>& predicted = cell.predicted_schedule;
  std::map<unsigned, int> predicted_rows;
  for (const TaskRecord& t : predicted) {
    predicted_rows.emplace(t.worker, 0);
    end = std::max(end, t.end_ms);
  }
  for (const Occupancy::Series& s : predicted_occupancy.series) predicted_rows.emplace(s.worker, 0);
  const bool has_predicted = !predicted.empty() || !predicted_occupancy.empty();
  i = 0;
  for (auto& [w, row] : predicted_rows) row = i++;
  // Too many tasks to draw one by one: a line under the title says what is drawn instead.
  const bool summarised = !occupancy.empty() || !predicted_occupancy.empty();
  const double top = summarised ? 54 : 40,
               measured_h =
                   std::max<double>(1, static_cast<double>(rows.size() + scheduler_lane)) * kRow;
  const double predicted_top = top + measured_h + 16;
  const double gantt_h =
      measured_h + (has_predicted ? 16 + kRow * static_cast<double>(predicted_rows.size()) : 0);
  const double height = top + gantt_h + 40 + kProfile + 40;
  auto x = [&](double t) { return kLeft + plot * t / end; };
  std::map<std::string, const char*> colour;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
      "<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"14\">{} — {:.1f} ms, {} task{}</text>\n",
      kWidth, height, xml_escape(cell.id()), xml_escape(cell.id()), rep.wall_ms, rep.traced_tasks(),
      rep.traced_tasks() == 1 ? "" : "s");
  if (summarised) {
    // Either part may be summarised alone (a profile run stopped early beside a big prediction).
    const char* which = occupancy.empty()             ? "The predicted schedule has"
                        : predicted_occupancy.empty() ? "The measured run has"
                                                      : "Each run has";
    out += fmt::format(
        "<text x=\"10\" y=\"36\" fill=\"#555\">{} more than {} tasks: its lanes show the share "
        "of each slice of time each op took (totals exact: hover for them).</text>\n",
        which, kMaxTaskRecords);
  }
  out += "<defs><pattern id=\"" + waiting +
         "\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
         "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"white\" "
         "fill-opacity=\"0.6\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#333\" "
         "stroke-width=\"1.5\"/></pattern></defs>\n";
  bool any_wait = false;
  for (const auto& [w, row] : rows) {
    out += fmt::format("<text x=\"10\" y=\"{:.1f}\">worker {}</text>\n", top + row * kRow + 16, w);
  }
  if (scheduler_lane) {
    out += fmt::format(
        "<text x=\"10\" y=\"{:.1f}\">scheduler<title>the scheduling process: it encodes the "
        "tasks' arguments and decodes their results</title></text>\n",
        top + 16);
  }
  for (const TaskRecord& t : rep.trace) {
    auto [it, fresh] = colour.emplace(t.op, chart_colour(colour.size()));
    double x0 = x(t.start_ms), w = std::max(1.0, x(t.end_ms) - x0);
    double y = top + rows[t.worker] * kRow + 3;
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" "
        "stroke=\"white\"><title>{} ({}) {:.2f}-{:.2f} ms, pid {}{}</title></rect>\n",
        x0, y, w, kRow - 6, it->second, xml_escape(t.key), xml_escape(t.op), t.start_ms, t.end_ms,
        t.pid, waits_text(t));
    auto hatch = [&](double from_ms, double to_ms, const std::string& title) {
      any_wait = true;
      const double hx = x(from_ms), hw = std::max(1.0, x(to_ms) - hx);
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" "
          "fill=\"url(#{})\"><title>{}</title></rect>\n",
          hx, y, hw, kRow - 6, waiting, title);
      return hx + hw - x0;
    };
    // The label goes after the hatch at the start, where it can be read.
    const auto spans = gil_waits.find(t.key);
    const bool gil_spans = spans != gil_waits.end() && t.gil_wait_ms > 0;
    const double at_start =
        std::min(t.lock_wait_ms + (gil_spans ? 0 : t.gil_wait_ms), t.end_ms - t.start_ms);
    double wait_w = 0;
    if (at_start > 0) {
      wait_w = hatch(t.start_ms, t.start_ms + at_start,
                     fmt::format("{} waiting{}", xml_escape(t.key), waits_text(t)));
    }
    if (gil_spans) {
      for (const SpanRecord* sp : spans->second) {
        // (Within its own bar, whatever a file says.)
        const double from = std::clamp(sp->start_ms, t.start_ms, t.end_ms);
        const double to = std::clamp(sp->end_ms, from, t.end_ms);
        if (static_cast<unsigned>(sp->worker) != t.worker || to <= from) continue;
        hatch(from, to,
              fmt::format("{} waiting for the GIL {:.2f}-{:.2f} ms ({:.2f} ms{})",
                          xml_escape(t.key), from, to, to - from,
                          waits_text(t).empty() ? "" : "; in all" + waits_text(t).substr(1)));
      }
    }
    if (w - wait_w > 7.0 * static_cast<double>(t.key.size())) {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"white\">{}</text>\n",
                         x0 + wait_w + 3, y + 14, xml_escape(t.key));
    }
  }
  bool any_serialisation = false;
  for (const SpanRecord& sp : rep.spans) {
    if (sp.kind == "gil_wait") continue;
    int row = 0;
    if (sp.worker != kSchedulerWorker) {
      auto it = rows.find(static_cast<unsigned>(sp.worker));
      if (it == rows.end()) continue;
      row = it->second;
    }
    // (Within the run, whatever a file says.)
    const double from = std::clamp(sp.start_ms, 0.0, end), to = std::clamp(sp.end_ms, from, end);
    if (to <= from) continue;
    any_serialisation = true;
    const double x0 = x(from);
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" "
        "stroke=\"white\" stroke-width=\"0.5\"><title>{}</title></rect>\n",
        x0, top + row * kRow + 3, std::max(1.0, x(to) - x0), kRow - 6, kSerialisation,
        span_text(sp));
  }
  draw_occupancy(out, occupancy, rows, top, x, colour, "", 1.0);
  if (has_predicted) {
    out += fmt::format(
        "<text x=\"10\" y=\"{:.1f}\" font-style=\"italic\" fill=\"#555\">measured</text>\n",
        top - 3);
    out += fmt::format(
        "<text x=\"10\" y=\"{:.1f}\" font-style=\"italic\" fill=\"#555\">predicted "
        "({:.1f} ms, policy: {})</text>\n",
        predicted_top - 3, cell.predicted_ms, xml_escape(cell.policy));
  }
  for (const auto& [w, row] : predicted_rows) {
    out += fmt::format("<text x=\"10\" y=\"{:.1f}\" fill=\"#555\">worker {}</text>\n",
                       predicted_top + row * kRow + 16, w);
  }
  for (const TaskRecord& t : predicted) {
    auto [it, fresh] = colour.emplace(t.op, chart_colour(colour.size()));
    double x0 = x(t.start_ms), w = std::max(1.0, x(t.end_ms) - x0);
    double y = predicted_top + predicted_rows[t.worker] * kRow + 3;
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" "
        "fill-opacity=\"0.35\" stroke=\"{}\" stroke-dasharray=\"3,2\"><title>predicted: {} ({}) "
        "{:.2f}-{:.2f} ms</title></rect>\n",
        x0, y, w, kRow - 6, it->second, it->second, xml_escape(t.key), xml_escape(t.op), t.start_ms,
        t.end_ms);
    if (w > 7.0 * static_cast<double>(t.key.size())) {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#333\">{}</text>\n", x0 + 3,
                         y + 14, xml_escape(t.key));
    }
  }
  draw_occupancy(out, predicted_occupancy, predicted_rows, predicted_top, x, colour,
                 "predicted: ", 0.35);
  // Time axis.
  const double axis = top + gantt_h + 5;
  out += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"black\"/>\n",
                     kLeft, axis, kLeft + plot, axis);
  const double step = tick_step(end);
  for (double t = 0; t <= end * (1 + 1e-9); t += step) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"black\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4:g} ms</text>\n",
        x(t), axis, axis + 4, axis + 15, t);
  }
  // Resource profile: CPU on a scale of every core of the machine (the top is all busy), RSS
  // on a scale of its own maximum; both labels state the measured maximum.
  const double base = axis + 30 + kProfile;
  const double cpu_scale = 100.0 * cores;
  double max_cpu = 0, max_rss = 1;
  for (const ResourceSample& s : rep.resources) {
    max_cpu = std::max(max_cpu, s.cpu_percent);
    max_rss = std::max(max_rss, static_cast<double>(s.rss_bytes));
  }
  std::string cpu, rss;
  for (const ResourceSample& s : rep.resources) {
    cpu += fmt::format("{:.1f},{:.1f} ", x(std::min(s.t_ms, end)),
                       base - kProfile * std::min(s.cpu_percent, cpu_scale) / cpu_scale);
    rss += fmt::format("{:.1f},{:.1f} ", x(std::min(s.t_ms, end)),
                       base - kProfile * static_cast<double>(s.rss_bytes) / max_rss);
  }
  out += fmt::format(
      "<rect x=\"{}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"none\" "
      "stroke=\"#ccc\"/>\n",
      kLeft, base - kProfile, plot, kProfile);
  out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"#e15759\"/>\n", cpu);
  out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"#4e79a7\"/>\n", rss);
  out += fmt::format(
      "<text x=\"{}\" y=\"{:.1f}\" fill=\"#e15759\">CPU: peak {:.0f}% of {} core{}</text>\n",
      kLeft + 6, base - kProfile + 12, max_cpu / cores, cores, cores == 1 ? "" : "s");
  out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" fill=\"#4e79a7\">RSS: peak {:.1f} MB</text>\n",
                     kLeft + 6, base - kProfile + 28, max_rss / 1e6);
  // Legend of ops.
  double lx = kLeft;
  for (const auto& [op, c] : colour) {
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
        lx, base + 12, c, lx + 14, base + 21, xml_escape(op));
    lx += 24 + 7.0 * static_cast<double>(op.size());
  }
  if (any_serialisation) {
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
        lx, base + 12, kSerialisation, lx + 14, base + 21, kSerialisationLabel);
    lx += 24 + 7.0 * static_cast<double>(kSerialisationLabel.size());
  }
  if (any_wait) {
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"#888\"/>"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"url(#{})\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\">waiting (for a lock or the GIL)</text>\n",
        lx, base + 12, lx, base + 12, waiting, lx + 14, base + 21);
  }
  return out + "</svg>\n";
}

}  // namespace

std::string timeline_svg(const Cell& cell, unsigned cores) {
  // Bounded, and small beside a run's memory (this process's RSS is sampled while cells run):
  // past it, the cache starts afresh. A picture of 20,000 tasks measured and as many predicted
  // takes 6.6 MB, so a few such cells fit; past them each is drawn once per write, not twice.
  constexpr size_t kMaxCachedBytes = size_t{32} << 20;
  struct Drawn {
    size_t fingerprint;
    std::string svg;
  };
  static std::mutex mutex;
  static std::unordered_map<std::string, Drawn> drawn;
  static size_t cached_bytes = 0;
  const std::string id = cell.id();
  const size_t print = fingerprint(cell, cores);
  {
    std::lock_guard lock(mutex);
    auto it = drawn.find(id);
    if (it != drawn.end() && it->second.fingerprint == print) return it->second.svg;
  }
  std::string svg = draw_timeline(cell, cores);
  std::lock_guard lock(mutex);
  if (cached_bytes + svg.size() > kMaxCachedBytes) {
    drawn.clear();
    cached_bytes = 0;
  }
  auto [it, fresh] = drawn.try_emplace(id, Drawn{print, svg});
  if (!fresh) {
    cached_bytes -= it->second.svg.size();
    it->second = Drawn{print, svg};
  }
  cached_bytes += svg.size();
  return svg;
}

namespace {

class TimelineReporter final : public Reporter {
 public:
  Files render(const SuiteResult& r) const override {
    Files files;
    for (const Cell& c : r.cells) {
      if (c.profiled()) {
        files.emplace_back(timeline_path(c), timeline_svg(c, std::max(1u, r.context.cores)));
      }
    }
    return files;
  }
};

}  // namespace

std::unique_ptr<Reporter> timeline_reporter() {
  return std::make_unique<TimelineReporter>();
}

}  // namespace schedlab::reports
