// report.html: the report a class opens. One self-contained file (no network: styles, charts
// and the small script are all inline), readable projected or on a laptop. Per lesson: the
// lesson, its graph as a picture, measured against predicted per cell, speedup against
// workers with the ideal line, why the prediction says what it says, each cell's timeline one
// click away, and the warnings. On top, a summary of which lessons held (judged by their
// notebook's claims), with the predictor's accuracy apart; at the end, the run's context.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <set>
#include <system_error>
#include <thread>

#include "schedlab/reports/graphviz.hpp"
#include "schedlab/reports/html_page.hpp"
#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/svg_chart.hpp"
#include "schedlab/reports/table.hpp"
#include "schedlab/reports/timeline.hpp"
#include "schedlab/reports/verdict_summary.hpp"

namespace schedlab::reports {
namespace {

std::string ms(double x) {
  return ms_figure(x) + " ms";
}

std::string anchor(std::string_view name) {
  std::string out = "lesson-";
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

std::vector<const Cell*> cells_of(const SuiteResult& r, const std::string& scenario) {
  std::vector<const Cell*> out;
  for (const Cell& c : r.cells) {
    if (c.scenario == scenario) out.push_back(&c);
  }
  return out;
}

// "threads, 2 workers, GIL, reduce=tree": the parameters only where the lesson has variants.
std::string cell_label(const Cell& c, bool with_params) {
  std::string out = cell_shape(c);
  if (c.gil) out += ", GIL";
  if (with_params && !c.params.empty()) out += ", " + c.params;
  return out;
}

bool has_variants(const std::vector<const Cell*>& cells) {
  return std::any_of(cells.begin(), cells.end(),
                     [&](const Cell* c) { return c->params != cells.front()->params; });
}

// "not held" -> "not-held": a verdict as a CSS class.
std::string verdict_class(std::string_view verdict) {
  std::string out(verdict);
  std::replace(out.begin(), out.end(), ' ', '-');
  return out;
}

const LessonVerdict* verdict_of(const SuiteResult& r, const std::string& scenario) {
  for (const LessonVerdict& v : r.lesson_verdicts) {
    if (v.scenario == scenario) return &v;
  }
  return nullptr;
}

// The lessons judged by their claims first; how close the predictor came is a column apart,
// and the cells off their prediction a list under it.
std::string summary(const SuiteResult& r) {
  std::string rows, missed;
  std::vector<const Cell*> misses;
  for (const std::string& scenario : scenarios_in_order(r)) {
    size_t warnings = 0;
    for (const Cell* c : cells_of(r, scenario)) {
      warnings += c->warnings.size();
      if (!c->held()) misses.push_back(c);
    }
    const LessonVerdict* v = verdict_of(r, scenario);
    rows += fmt::format(
        "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"verdict {}\">{}{}"
        "</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
        anchor(scenario), xml_escape(scenario), v ? xml_escape(v->notebook) : "",
        v ? xml_escape(v->takeaway) : "", v ? verdict_class(v->verdict) : "",
        v                           ? xml_escape(v->verdict)
        : r.lesson_verdicts.empty() ? "not judged (results from an older schedlab)"
                                    : "no claims to check",
        v && !v->reason.empty() ? "<small>" + xml_escape(v->reason) + "</small>" : "",
        xml_escape(prediction_summary(r, scenario)), warnings);
  }
  std::sort(misses.begin(), misses.end(), [](const Cell* a, const Cell* b) {
    auto off = [](const Cell* c) {
      return c->error.empty() ? std::abs(std::log(c->ratio())) : 1e9;
    };
    return off(a) > off(b);
  });
  for (const Cell* c : misses) {
    if (c->error.empty() && c->wall.n == 0) {
      missed += fmt::format("<li><a href=\"#{}\">{}</a>: not measured (the run was stopped)</li>\n",
                            anchor(c->scenario), xml_escape(c->id()));
      continue;
    }
    missed += c->error.empty()
                  ? fmt::format(
                        "<li><a href=\"#{}\">{}</a>: measured {}, predicted {}: {:.2f} times "
                        "(allowed: {:.2f})</li>\n",
                        anchor(c->scenario), xml_escape(c->id()), ms(c->wall.median),
                        ms(c->predicted_ms), c->ratio(), c->tolerance())
                  : fmt::format("<li><a href=\"#{}\">{}</a>: failed: {}</li>\n",
                                anchor(c->scenario), xml_escape(c->id()), xml_escape(c->error));
  }
  const std::string headline = verdict_headline(r);
  std::string out = fmt::format(
      "<section id=\"summary\"><h2>Summary</h2>\n{}<table><thead><tr><th>lesson</th>"
      "<th>notebook</th><th>takeaway</th><th>verdict</th><th>prediction (measured/predicted "
      "within {:.2f} where tasks sleep, {:.2f} where they compute)</th><th>warnings</th></tr>"
      "</thead><tbody>\n{}</tbody></table>\n",
      headline.empty() ? ""
                       : fmt::format("<p><strong>{}</strong> {}</p>\n", xml_escape(headline),
                                     xml_escape(verdict_rule())),
      Cell::kSleepingTolerance, Cell::kComputingTolerance, rows);
  if (!misses.empty()) {
    out += fmt::format(
        "<h3>Cells off their prediction</h3>\n<p class=\"hint\">The predictor's miss, not "
        "the lesson's: a lesson is judged by its claims above.</p>\n<ul class=\"misses\">\n{}"
        "</ul>\n",
        missed);
  }
  return out + "</section>\n";
}

// The lesson's claims and how each fared on this run.
std::string claims(const SuiteResult& r, const std::string& scenario) {
  const LessonVerdict* v = verdict_of(r, scenario);
  if (!v) return "";
  std::string items;
  for (const ClaimVerdict& c : v->claims) {
    items += fmt::format("<li>{}: <span class=\"{}\">{}</span>{}</li>\n", xml_escape(c.text),
                         verdict_class(c.verdict), xml_escape(c.verdict),
                         c.detail.empty() ? "" : " (" + xml_escape(c.detail) + ")");
  }
  return fmt::format("<h3>What the notebook claims ({}: {})</h3>\n<ul class=\"claims\">\n{}</ul>\n",
                     xml_escape(v->notebook), xml_escape(v->verdict), items);
}

// Graphviz numbers its elements' ids from 0 in every picture; within one page they must differ.
std::string unique_ids(const std::string& svg, std::string_view instance) {
  const std::string prefix = "id=\"" + anchor(instance) + "-";
  std::string out;
  size_t from = 0;
  for (size_t at; (at = svg.find("id=\"", from)) != std::string::npos; from = at + 4) {
    out.append(svg, from, at - from);
    out += prefix;
  }
  return out + svg.substr(from);
}

// Every graph of the run, drawn. Graphviz takes ~35 ms a graph, most of it starting: a suite of
// 100 graphs lays them out on every core at once. `draw` must be safe to call from several
// threads (dot_to_svg is).
std::map<std::string, Drawing> draw_graphs(const SuiteResult& r, const GraphDrawer& draw,
                                           const GraphsAhead& ahead) {
  std::vector<std::pair<const std::string*, const std::string*>> todo;  // instance, DOT
  std::set<std::string> shown;  // the graphs of the cells, not whatever results.json carries
  for (const Cell& c : r.cells) shown.insert(c.instance());
  for (const auto& [instance, dot] : r.graphs) {
    if (shown.contains(instance)) todo.emplace_back(&instance, &dot);
  }
  if (ahead && todo.size() > 1) {
    std::vector<std::string> dots;
    for (const auto& [instance, dot] : todo) dots.push_back(*dot);
    ahead(dots);
  }
  std::vector<Drawing> drawings(todo.size());
  std::atomic<size_t> next{0};
  auto draw_some = [&] {
    for (size_t i; (i = next++) < todo.size();) {
      try {  // nothing may leave a helper thread: that would end the process
        drawings[i] = draw(*todo[i].second);
      } catch (const std::exception& e) {
        drawings[i] = {std::nullopt, fmt::format("The graph is not drawn: {}", e.what())};
      } catch (...) {
        drawings[i] = {std::nullopt, "The graph is not drawn: its drawing failed"};
      }
    }
  };
  {
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const size_t helpers = todo.size() > 1 ? std::min(todo.size(), cores) - 1 : 0;
    std::vector<std::jthread> threads;
    try {
      for (size_t i = 0; i < helpers; ++i) threads.emplace_back(draw_some);
    } catch (const std::system_error&) {
      // No more threads to be had: the ones started and this one draw the rest.
    }
    draw_some();
  }
  std::map<std::string, Drawing> out;
  for (size_t i = 0; i < todo.size(); ++i) out.emplace(*todo[i].first, std::move(drawings[i]));
  return out;
}

std::string graph_figures(const SuiteResult& r, const std::vector<const Cell*>& cells,
                          const std::map<std::string, Drawing>& drawn) {
  std::vector<std::string> instances;
  for (const Cell* c : cells) {
    if (std::find(instances.begin(), instances.end(), c->instance()) == instances.end())
      instances.push_back(c->instance());
  }
  std::string out = "<div class=\"graphs\">\n";
  for (const std::string& instance : instances) {
    out += "<figure class=\"graph\">";
    auto dot = r.graphs.find(instance);
    if (dot == r.graphs.end()) {
      out +=
          "<p class=\"note\">This graph is not drawn: it is too large (or results.json "
          "comes from an older schedlab). <code>schedlab graph</code> prints it for "
          "Graphviz.</p>";
    } else if (const Drawing& drawing = drawn.at(instance); drawing.svg) {
      out += unique_ids(*drawing.svg, instance);
    } else {
      out += fmt::format(
          "<p class=\"note\">{}.</p><details><summary>the graph in DOT</summary><pre>{}</pre>"
          "</details>",
          xml_escape(drawing.why_not), xml_escape(dot->second));
    }
    out += fmt::format("<figcaption>the graph of {}</figcaption></figure>\n", xml_escape(instance));
  }
  return out + "</div>\n";
}

// `baseline`: what the speedups were measured against (speedup_baseline_name).
std::string charts(const std::vector<const Cell*>& cells, unsigned cores, Palette& palette,
                   const std::string& baseline) {
  const bool variants = has_variants(cells);
  std::vector<BarRow> bars;
  std::vector<SpeedupSeries> lines;
  std::vector<bool> gil;  // per line
  std::vector<std::string> beyond_ideal;
  for (const Cell* c : cells) {
    bars.push_back({cell_label(*c, variants), c->scheduler, c->wall.median, c->predicted_ms,
                    !c->error.empty() ? "failed"
                    : c->wall.n == 0  ? "not measured"
                                      : ""});
    if (c->speedup <= 0 || !c->error.empty() || c->wall.n == 0) continue;
    std::string name = c->scheduler + (c->gil ? ", GIL" : "");
    if (variants && !c->params.empty()) name += ", " + c->params;
    auto line = std::find_if(lines.begin(), lines.end(),
                             [&](const SpeedupSeries& s) { return s.name == name; });
    if (line == lines.end()) {
      line = lines.insert(lines.end(), {name, c->scheduler, {}, false});
      gil.push_back(c->gil);
    }
    // Against the threads in all: a cluster of 8 ranks of 2 threads has 16 to share the work.
    line->points.emplace_back(c->workers * c->threads, c->speedup);
    if (c->speedup > c->workers * c->threads * 1.001) {
      beyond_ideal.push_back(fmt::format("{} ran {:.2f}x faster than {} with {} threads", c->id(),
                                         c->speedup, baseline, c->workers * c->threads));
    }
  }
  // With the GIL on and off side by side, the GIL's lines are dashed.
  bool any_dashed = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::sort(lines[i].points.begin(), lines[i].points.end());
    for (size_t j = 0; j < lines.size(); ++j) {
      lines[i].dashed =
          lines[i].dashed || (gil[i] && !gil[j] && lines[j].series == lines[i].series);
    }
    any_dashed = any_dashed || lines[i].dashed;
  }
  std::string out = fmt::format(
      "<div class=\"charts\"><figure>{}<figcaption>Measured (bar: median of the runs) against "
      "predicted (tick) per cell, with measured/predicted in brackets. Hover for the figures; "
      "click a scheduler in the legend to hide or show it.</figcaption></figure>\n",
      bar_and_tick_chart(bars, palette));
  if (!lines.empty()) {
    out += fmt::format(
        "<figure>{}<figcaption>Speedup against <code>{}</code> (same lesson, same GIL "
        "setting) per number of threads (a cluster's ranks x threads per rank); the dashed grey "
        "line is the ideal, speedup = threads.{}{}</figcaption></figure>\n",
        speedup_chart(lines, cores, palette), xml_escape(baseline),
        any_dashed ? " Dashed lines with open points: the GIL on." : "",
        beyond_ideal.empty()
            ? ""
            : xml_escape(fmt::format(" Above the ideal, really measured: {} (the baseline's run "
                                     "was slower than its work, e.g. the machine was busy).",
                                     fmt::join(beyond_ideal, "; "))));
  }
  return out + "</div>\n";
}

std::string reasoning(const SuiteResult& r, const std::string& scenario) {
  const Cell* c = explained_cell(r, scenario);
  if (!c) return "";
  std::string out =
      fmt::format("<h3>Why {} on {} with 2 workers{}</h3>\n<ul>\n", ms(c->predicted_ms),
                  xml_escape(c->scheduler), c->gil ? " and the GIL" : "");
  for (const std::string& line : c->reasoning) out += "<li>" + xml_escape(line) + "</li>\n";
  return out + "</ul>\n";
}

std::string timelines(const std::vector<const Cell*>& cells, unsigned cores) {
  std::string out =
      "<h3>Timelines</h3>\n<p class=\"hint\">Each cell's profile run (traced, so not one of the "
      "measured runs): its lanes, the "
      "predicted lanes under them on the same time axis, waiting hatched where it happened, "
      "values encoded and decoded in grey (the scheduling process's in a lane of its own), and "
      "CPU and memory below. Open one at a time.</p>\n";
  for (const Cell* c : cells) {
    if (!c->profiled()) continue;
    out += fmt::format(
        "<details class=\"timeline\"><summary>{}: measured {}, predicted {}</summary>\n{}"
        "</details>\n",
        xml_escape(c->id()), c->wall.n > 0 ? ms(c->wall.median) : std::string("not measured"),
        ms(c->predicted_ms), timeline_svg(*c, cores));
  }
  return out;
}

std::string warnings(const std::vector<const Cell*>& cells) {
  std::string items;
  for (const Cell* c : cells) {
    for (const Warning& w : c->warnings) {
      items += fmt::format("<li><b>{}</b>: {}</li>\n", xml_escape(c->id()), xml_escape(w.message));
    }
  }
  return items.empty() ? "" : "<h3>Warnings</h3>\n<ul class=\"warnings\">\n" + items + "</ul>\n";
}

std::string context(const Context& c) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"date", c.date},
      {"schedlab", fmt::format("{} (commit {})", c.version, c.commit)},
      {"build", fmt::format("{} {}, flags {}", c.build_type, c.compiler, c.flags)},
      {"machine", fmt::format("{} ({}), {} cores", c.cpu_model, c.hostname, c.cores)},
      {"load average",
       fmt::format("{:.2f} {:.2f} {:.2f}", c.load_avg[0], c.load_avg[1], c.load_avg[2])},
      {"unit", fmt::format("{:g} ms", c.unit_ms)},
      {"runs per cell", fmt::format("{} measured after {} warm-up", c.repeat, c.warmup)}};
  for (const auto& [k, v] : c.user) rows.emplace_back(k, v);
  std::string out = "<section id=\"context\"><h2>Context</h2>\n<table>\n";
  for (const auto& [k, v] : rows) {
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", xml_escape(k), xml_escape(v));
  }
  return out + "</table></section>\n";
}

// What class mode hides until its button is pressed (html_page.cpp: the toggle and the button).
std::string answer(const std::string& id, std::string_view button, const std::string& contents) {
  return fmt::format(
      "<button type=\"button\" class=\"reveal\" data-for=\"{0}\" aria-controls=\"{0}\">{1}"
      "</button>\n<div class=\"answer\" id=\"{0}\" tabindex=\"-1\">\n{2}</div>\n",
      id, button, contents);
}

class HtmlReporter final : public Reporter {
 public:
  HtmlReporter(GraphDrawer draw, GraphsAhead ahead)
      : draw_(std::move(draw)), ahead_(std::move(ahead)) {}

  Files render(const SuiteResult& r) const override {
    const unsigned cores = std::max(1u, r.context.cores);
    std::string body = fmt::format(
        "<header><h1>schedlab report</h1><p>{} on {} ({} cores); one unit = {:g} ms.{}</p>"
        "</header>\n",
        xml_escape(r.context.date), xml_escape(r.context.cpu_model), r.context.cores,
        r.context.unit_ms,
        r.interrupted ? " <strong>Interrupted</strong>: the run was stopped before the end; "
                        "what was measured is below."
        : r.timed_out ? " <strong>Timed out</strong>: a cell ran past its time limit, which ended "
                        "the run; what was measured is below."
                      : "");
    body += answer("answer-summary", "Reveal the verdicts", summary(r));
    std::string nav =
        "<label class=\"class-mode\"><input type=\"checkbox\" id=\"class-mode\" "
        "autocomplete=\"off\"> Class mode: hide the answers until revealed</label> ";
    Palette palette;
    const std::map<std::string, Drawing> drawn = draw_graphs(r, draw_, ahead_);
    for (const std::string& scenario : scenarios_in_order(r)) {
      nav += fmt::format("<a href=\"#{}\">{}</a> ", anchor(scenario), xml_escape(scenario));
      const std::vector<const Cell*> cells = cells_of(r, scenario);
      const LessonVerdict* verdict = verdict_of(r, scenario);
      body += fmt::format(
          "<section class=\"lesson\" id=\"{}\"><h2>{}{}</h2>\n", anchor(scenario),
          xml_escape(scenario),
          verdict ? " <small class=\"notebook\">" + xml_escape(verdict->notebook) + "</small>"
                  : "");
      // The graph is the question; the rest is the answer, which class mode hides until asked.
      body += graph_figures(r, cells, drawn);
      auto lesson = r.lessons.find(scenario);
      std::string told;
      if (lesson != r.lessons.end())
        told += "<p class=\"lesson-text\">" + xml_escape(lesson->second) + "</p>\n";
      told += claims(r, scenario);
      told += charts(cells, cores, palette, speedup_baseline_name(r));
      told += reasoning(r, scenario);
      told += timelines(cells, cores);
      told += warnings(cells);
      body += answer("answer-" + anchor(scenario), "Reveal what happened", told);
      body += "</section>\n";
    }
    body += context(r.context);
    return {{"report.html", html_page("schedlab report", "<nav>" + nav + "</nav>\n" + body)}};
  }

 private:
  GraphDrawer draw_;
  GraphsAhead ahead_;
};

}  // namespace

std::unique_ptr<Reporter> html_reporter(GraphDrawer draw, GraphsAhead ahead) {
  return std::make_unique<HtmlReporter>(std::move(draw), std::move(ahead));
}

std::unique_ptr<Reporter> html_reporter() {
  return html_reporter([](const std::string& dot) { return dot_to_svg(dot); }, lay_out_ahead);
}

}  // namespace schedlab::reports
