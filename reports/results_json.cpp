// results.json: the source of truth, read back by `schedlab report compare`.
#include "schedlab/reports/results_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "schedlab/core/errors.hpp"

namespace schedlab::reports {

using json = nlohmann::json;

std::string Cell::instance() const {
  return params.empty() ? scenario : scenario + "[" + params + "]";
}

std::string Cell::all_params() const {
  if (param_values.empty()) return params;
  std::string out;
  for (const auto& [k, v] : param_values) out += (out.empty() ? "" : " ") + k + "=" + v;
  return out;
}

std::string Cell::workers_text() const {
  return threads > 1 ? fmt::format("{}x{}", workers, threads) : std::to_string(workers);
}

std::string Cell::id() const {
  std::string out = instance();
  out += fmt::format("/{}/{}", scheduler, workers);
  if (threads > 1) out += fmt::format("x{}", threads);
  if (gil) out += "/gil";
  return out;
}

// One pair of functions per struct, side by side, so that what is written and what is read
// cannot drift apart: to_json(x) and from_json(j, x, where). `where` names the place in the file
// for errors ("cell fib/threads/2: field \"median\" has the wrong type").
namespace {

// Declared first: the list helpers below use them.
json to_json(const TaskRecord&);
void from_json(const json&, TaskRecord&, const std::string& where);
json to_json(const SpanRecord&);
void from_json(const json&, SpanRecord&, const std::string& where);
json to_json(const ResourceSample&);
void from_json(const json&, ResourceSample&, const std::string& where);
json to_json(const Repetition&);
void from_json(const json&, Repetition&, const std::string& where);
json to_json(const Statistics&);
void from_json(const json&, Statistics&, const std::string& where);
json to_json(const Warning&);
void from_json(const json&, Warning&, const std::string& where);
json to_json(const Cell&);
void from_json(const json&, Cell&, const std::string& where);
json to_json(const Context&);
void from_json(const json&, Context&, const std::string& where);
json to_json(const ClaimVerdict&);
void from_json(const json&, ClaimVerdict&, const std::string& where);
json to_json(const LessonVerdict&);
void from_json(const json&, LessonVerdict&, const std::string& where);

template <class T>
void read(const json& j, const char* name, T& out, const std::string& where, bool required = true) {
  auto it = j.find(name);
  if (it == j.end()) {
    if (required) throw UsageError(fmt::format("{}: missing field \"{}\"", where, name));
    return;
  }
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // nlohmann converts any number with a cast: 1e300 into an int is undefined, -1 into an
    // unsigned wraps. A whole number in T's range, then.
    const bool fits = it->is_number_unsigned()  ? std::in_range<T>(it->get<uint64_t>())
                      : it->is_number_integer() ? std::in_range<T>(it->get<int64_t>())
                                                : false;
    if (!fits) {
      throw UsageError(fmt::format("{}: field \"{}\" must be a whole number from {} to {}", where,
                                   name, std::numeric_limits<T>::min(),
                                   std::numeric_limits<T>::max()));
    }
    out = it->is_number_unsigned() ? static_cast<T>(it->get<uint64_t>())
                                   : static_cast<T>(it->get<int64_t>());
    return;
  }
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    throw UsageError(fmt::format("{}: field \"{}\" has the wrong type", where, name));
  }
}

template <class T>
void read_list(const json& j, const char* name, std::vector<T>& out, const std::string& where) {
  auto it = j.find(name);
  if (it == j.end()) return;  // an empty list may be left out
  if (!it->is_array()) throw UsageError(fmt::format("{}: \"{}\" must be a list", where, name));
  out.clear();
  for (const json& item : *it) {
    if (!item.is_object()) {
      throw UsageError(
          fmt::format("{}: item {} of \"{}\" must be an object", where, out.size() + 1, name));
    }
    from_json(item, out.emplace_back(), where);
  }
}

template <class T>
json list_json(const std::vector<T>& items) {
  json out = json::array();
  for (const T& item : items) out.push_back(to_json(item));
  return out;
}

json to_json(const TaskRecord& t) {
  return {{"key", t.key},
          {"op", t.op},
          {"worker", t.worker},
          {"pid", t.pid},
          {"start_ms", t.start_ms},
          {"end_ms", t.end_ms},
          {"lock_wait_ms", t.lock_wait_ms},
          {"gil_wait_ms", t.gil_wait_ms}};
}
void from_json(const json& j, TaskRecord& t, const std::string& where) {
  read(j, "key", t.key, where);
  read(j, "op", t.op, where);
  read(j, "worker", t.worker, where);
  read(j, "pid", t.pid, where);
  read(j, "start_ms", t.start_ms, where);
  read(j, "end_ms", t.end_ms, where);
  read(j, "lock_wait_ms", t.lock_wait_ms, where, false);  // since 0.1 (also per repetition)
  read(j, "gil_wait_ms", t.gil_wait_ms, where, false);
}

json to_json(const SpanRecord& s) {
  return {{"kind", s.kind},
          {"key", s.key},
          {"worker", s.worker},
          {"start_ms", s.start_ms},
          {"end_ms", s.end_ms}};
}
void from_json(const json& j, SpanRecord& s, const std::string& where) {
  read(j, "kind", s.kind, where);
  if (s.kind != "gil_wait" && s.kind != "encode" && s.kind != "decode") {
    throw UsageError(fmt::format(
        "{}: span kind \"{}\" is not one of \"gil_wait\", \"encode\", \"decode\"", where, s.kind));
  }
  read(j, "key", s.key, where);
  read(j, "worker", s.worker, where);
  if (s.worker < kSchedulerWorker) {
    throw UsageError(fmt::format("{}: span worker {} must be {} (the scheduler) or a worker", where,
                                 s.worker, kSchedulerWorker));
  }
  read(j, "start_ms", s.start_ms, where);
  read(j, "end_ms", s.end_ms, where);
}

json to_json(const Occupancy& o) {
  json series = json::array();
  for (const Occupancy::Series& s : o.series) {
    series.push_back(
        {{"worker", s.worker}, {"op", s.op}, {"tasks", s.tasks}, {"busy_ms", s.busy_ms}});
  }
  return {{"slice_ms", o.slice_ms}, {"tasks", o.tasks}, {"series", std::move(series)}};
}
// Optional: absent in files of runs small enough to keep every task.
void read_occupancy(const json& parent, Occupancy& o, const std::string& outer) {
  auto it = parent.find("occupancy");
  if (it == parent.end()) return;
  const std::string where = outer + ", occupancy";
  if (!it->is_object()) throw UsageError(fmt::format("{}: must be an object", where));
  read(*it, "slice_ms", o.slice_ms, where);
  auto series = it->find("series");
  if (series == it->end() || !series->is_array())
    throw UsageError(fmt::format("{}: \"series\" must be a list", where));
  o.tasks = 0;
  for (const json& item : *series) {
    const std::string in_s = fmt::format("{}, series {}", where, o.series.size() + 1);
    if (!item.is_object()) throw UsageError(fmt::format("{}: must be an object", in_s));
    Occupancy::Series& s = o.series.emplace_back();
    read(item, "worker", s.worker, in_s);
    read(item, "op", s.op, in_s);
    read(item, "tasks", s.tasks, in_s);
    read(item, "busy_ms", s.busy_ms, in_s);
    // One slicing for all: what the timeline's axis and lanes are drawn from.
    const size_t slices = o.series.front().busy_ms.size();
    if (s.busy_ms.empty() || s.busy_ms.size() > kMaxOccupancySlices || s.busy_ms.size() != slices ||
        std::any_of(s.busy_ms.begin(), s.busy_ms.end(),
                    [](double x) { return !(x >= 0) || !std::isfinite(x); })) {
      throw UsageError(
          fmt::format("{}: \"busy_ms\" must be a list of 1 to {} numbers, none negative, as "
                      "long as every other series'",
                      in_s, kMaxOccupancySlices));
    }
    if (s.tasks == 0 || s.tasks > kMaxOccupancyTasks - o.tasks) {
      throw UsageError(
          fmt::format("{}: \"tasks\" must be 1 or more, and all series' together "
                      "at most {}",
                      in_s, kMaxOccupancyTasks));
    }
    o.tasks += s.tasks;  // the total is the series' sum, whatever the file says
  }
  // A run of at most a year (so that the time axis is a finite number of ticks).
  const double span = o.slice_ms * static_cast<double>(o.slices());
  if (!(o.slice_ms > 0) || !(span <= kMaxOccupancySpanMs)) {
    throw UsageError(
        fmt::format("{}: \"slice_ms\" must be a positive number, and all slices "
                    "together at most {:g} ms",
                    where, kMaxOccupancySpanMs));
  }
}

json to_json(const ResourceSample& s) {
  return {{"t_ms", s.t_ms}, {"cpu_percent", s.cpu_percent}, {"rss_bytes", s.rss_bytes}};
}
void from_json(const json& j, ResourceSample& s, const std::string& where) {
  read(j, "t_ms", s.t_ms, where);
  read(j, "cpu_percent", s.cpu_percent, where);
  read(j, "rss_bytes", s.rss_bytes, where);
}

json to_json(const Repetition& r) {
  json out = {{"wall_ms", r.wall_ms},
              {"cpu_ms", r.cpu_ms},
              {"serialise_ms", r.serialise_ms},
              {"peak_rss_bytes", r.peak_rss_bytes},
              {"bytes_to_workers", r.bytes_to_workers},
              {"bytes_from_workers", r.bytes_from_workers},
              {"peak_live_intermediates", r.peak_live_intermediates},
              {"other_cpu_ms", r.other_cpu_ms},
              {"cpu_pressure_ms", r.cpu_pressure_ms}};
  // Per-task data belongs to the profile run: measured runs leave the trace and the waits
  // (seen per task) out rather than claim they were 0.
  if (r.traced_tasks() > 0) {
    out["lock_wait_ms"] = r.lock_wait_ms;
    out["gil_wait_ms"] = r.gil_wait_ms;
    if (!r.trace.empty()) out["trace"] = list_json(r.trace);
    if (!r.spans.empty()) out["spans"] = list_json(r.spans);
    if (!r.occupancy.empty()) out["occupancy"] = to_json(r.occupancy);
  }
  if (!r.resources.empty()) out["resources"] = list_json(r.resources);
  return out;
}
void from_json(const json& j, Repetition& r, const std::string& where) {
  read(j, "wall_ms", r.wall_ms, where);
  read(j, "cpu_ms", r.cpu_ms, where);
  read(j, "serialise_ms", r.serialise_ms, where);
  read(j, "peak_rss_bytes", r.peak_rss_bytes, where);
  read(j, "bytes_to_workers", r.bytes_to_workers, where);
  read(j, "bytes_from_workers", r.bytes_from_workers, where);
  read(j, "peak_live_intermediates", r.peak_live_intermediates, where);
  read(j, "lock_wait_ms", r.lock_wait_ms, where, false);
  read(j, "gil_wait_ms", r.gil_wait_ms, where, false);
  read(j, "other_cpu_ms", r.other_cpu_ms, where, false);  // since the profile run
  read(j, "cpu_pressure_ms", r.cpu_pressure_ms, where, false);
  read_list(j, "trace", r.trace, where);
  read_list(j, "spans", r.spans, where);
  if (r.spans.size() > kMaxSpanRecords) {
    throw UsageError(fmt::format("{}: more than {} spans", where, kMaxSpanRecords));
  }
  read_occupancy(j, r.occupancy, where);
  read_list(j, "resources", r.resources, where);
}

json to_json(const Statistics& s) {
  return {{"n", s.n},     {"median", s.median}, {"mean", s.mean},
          {"min", s.min}, {"max", s.max},       {"stddev", s.stddev},
          {"cv", s.cv},   {"mad", s.mad},       {"outliers", s.outliers}};
}
void from_json(const json& j, Statistics& s, const std::string& where) {
  read(j, "n", s.n, where);
  read(j, "median", s.median, where);
  read(j, "mean", s.mean, where);
  read(j, "min", s.min, where);
  read(j, "max", s.max, where);
  read(j, "stddev", s.stddev, where);
  read(j, "cv", s.cv, where);
  read(j, "mad", s.mad, where);
  read(j, "outliers", s.outliers, where);
}

json to_json(const Warning& w) {
  return {{"kind", w.kind}, {"message", w.message}};
}
void from_json(const json& j, Warning& w, const std::string& where) {
  read(j, "kind", w.kind, where);
  read(j, "message", w.message, where);
}

// "id" and "measured_over_predicted" are derived (Cell::id, Cell::ratio): written for readers
// of the file, recomputed rather than read.
json to_json(const Cell& cell) {
  json out = {{"id", cell.id()},
              {"scenario", cell.scenario},
              {"params", cell.params},
              {"param_values", cell.param_values},
              {"scheduler", cell.scheduler},
              {"workers", cell.workers},
              {"threads_per_worker", cell.threads},
              {"gil", cell.gil},
              {"speedup_baseline", cell.baseline},
              {"policy", cell.policy},
              {"sleep_bound", cell.sleep_bound},
              {"wall_ms", to_json(cell.wall)},
              {"cpu_ms", cell.cpu_ms},
              {"peak_rss_bytes", cell.peak_rss_bytes},
              {"bytes_moved", cell.bytes_moved},
              {"prediction",
               {{"predicted_ms", cell.predicted_ms},
                {"bound_ms", cell.bound_ms},
                {"work_ms", cell.work_ms},
                {"span_ms", cell.span_ms},
                {"reasoning", cell.reasoning},
                {"schedule", list_json(cell.predicted_schedule)}}},
              {"measured_over_predicted", cell.ratio()},
              {"speedup_vs_sync", cell.speedup},
              {"speedup_against", cell.speedup_against},
              {"efficiency", cell.efficiency},
              {"warnings", list_json(cell.warnings)},
              {"error", cell.error},
              {"interrupted", cell.interrupted},
              {"timed_out", cell.timed_out},
              {"repetitions", list_json(cell.reps)},
              {"profile", to_json(cell.profile)}};
  if (!cell.predicted_occupancy.empty())
    out["prediction"]["occupancy"] = to_json(cell.predicted_occupancy);
  return out;
}
void from_json(const json& j, Cell& cell, const std::string& file_where) {
  const auto id = j.find("id");
  const std::string where = fmt::format(
      "{}, cell {}", file_where, id != j.end() && id->is_string() ? id->get<std::string>() : "?");
  read(j, "scenario", cell.scenario, where);
  read(j, "params", cell.params, where);
  read(j, "param_values", cell.param_values, where, false);
  read(j, "scheduler", cell.scheduler, where);
  read(j, "workers", cell.workers, where);
  read(j, "threads_per_worker", cell.threads, where, false);  // since distributed
  read(j, "gil", cell.gil, where);
  read(j, "speedup_baseline", cell.baseline, where, false);  // since 0.1 (policy too)
  read(j, "policy", cell.policy, where, false);
  read(j, "sleep_bound", cell.sleep_bound, where, false);
  from_json(j.value("wall_ms", json::object()), cell.wall, where + ", wall_ms");
  read(j, "cpu_ms", cell.cpu_ms, where);
  read(j, "peak_rss_bytes", cell.peak_rss_bytes, where);
  read(j, "bytes_moved", cell.bytes_moved, where);
  const json p = j.value("prediction", json::object());
  const std::string in_p = where + ", prediction";
  read(p, "predicted_ms", cell.predicted_ms, in_p);
  read(p, "bound_ms", cell.bound_ms, in_p);
  read(p, "work_ms", cell.work_ms, in_p);
  read(p, "span_ms", cell.span_ms, in_p);
  read(p, "reasoning", cell.reasoning, in_p, false);
  read_list(p, "schedule", cell.predicted_schedule, in_p);
  read_occupancy(p, cell.predicted_occupancy, in_p);
  read(j, "speedup_vs_sync", cell.speedup, where);
  read(j, "speedup_against", cell.speedup_against, where, false);  // newer files only
  read(j, "efficiency", cell.efficiency, where);
  read_list(j, "warnings", cell.warnings, where);
  read(j, "error", cell.error, where, false);
  read(j, "interrupted", cell.interrupted, where, false);
  read(j, "timed_out", cell.timed_out, where, false);
  read_list(j, "repetitions", cell.reps, where);
  // Older files traced every measured run and had no profile run: their last one stands in.
  if (j.contains("profile")) {
    if (!j.at("profile").is_object())
      throw UsageError(fmt::format("{}: \"profile\" must be an object", where));
    from_json(j.at("profile"), cell.profile, where + ", profile");
  } else if (!cell.reps.empty()) {
    cell.profile = cell.reps.back();
  }
}

json to_json(const Context& c) {
  return {{"date", c.date},
          {"version", c.version},
          {"commit", c.commit},
          {"compiler", c.compiler},
          {"flags", c.flags},
          {"build_type", c.build_type},
          {"cpu_model", c.cpu_model},
          {"cores", c.cores},
          {"hostname", c.hostname},
          {"load_avg", {c.load_avg[0], c.load_avg[1], c.load_avg[2]}},
          {"unit_ms", c.unit_ms},
          {"repeat", c.repeat},
          {"warmup", c.warmup},
          {"user", c.user},
          {"speedup_baseline", c.speedup_baseline}};
}
void from_json(const json& j, Context& c, const std::string& where) {
  read(j, "date", c.date, where);
  read(j, "version", c.version, where);
  read(j, "commit", c.commit, where);
  read(j, "compiler", c.compiler, where);
  read(j, "flags", c.flags, where);
  read(j, "build_type", c.build_type, where);
  read(j, "cpu_model", c.cpu_model, where);
  read(j, "cores", c.cores, where);
  read(j, "hostname", c.hostname, where);
  std::array<double, 3> load{};
  read(j, "load_avg", load, where);
  std::copy(load.begin(), load.end(), c.load_avg);
  read(j, "unit_ms", c.unit_ms, where);
  read(j, "repeat", c.repeat, where);
  read(j, "warmup", c.warmup, where);
  read(j, "user", c.user, where, false);
  read(j, "speedup_baseline", c.speedup_baseline, where, false);  // newer files only
}

json to_json(const ClaimVerdict& c) {
  return {{"text", c.text}, {"verdict", c.verdict}, {"detail", c.detail}};
}
void from_json(const json& j, ClaimVerdict& c, const std::string& where) {
  read(j, "text", c.text, where);
  read(j, "verdict", c.verdict, where);
  read(j, "detail", c.detail, where, false);
}

json to_json(const LessonVerdict& v) {
  return {{"scenario", v.scenario},        {"notebook", v.notebook}, {"takeaway", v.takeaway},
          {"claims", list_json(v.claims)}, {"verdict", v.verdict},   {"reason", v.reason}};
}
void from_json(const json& j, LessonVerdict& v, const std::string& file_where) {
  const std::string where = file_where + ", lesson verdict";
  read(j, "scenario", v.scenario, where);
  read(j, "notebook", v.notebook, where, false);
  read(j, "takeaway", v.takeaway, where, false);
  read_list(j, "claims", v.claims, where);
  read(j, "verdict", v.verdict, where);
  read(j, "reason", v.reason, where, false);
  if (v.verdict != "held" && v.verdict != "not held" && v.verdict != "inconclusive") {
    throw UsageError(
        fmt::format("{} {}: verdict must be \"held\", \"not held\" or "
                    "\"inconclusive\", not \"{}\"",
                    where, v.scenario, v.verdict));
  }
}

}  // namespace

json to_json(const SuiteResult& r) {
  return {{"schema_version", kSchemaVersion},
          {"tool", "schedlab"},
          {"interrupted", r.interrupted},
          {"timed_out", r.timed_out},
          {"context", to_json(r.context)},
          {"lessons", r.lessons},
          {"graphs", r.graphs},
          {"lesson_verdicts", list_json(r.lesson_verdicts)},
          {"cells", list_json(r.cells)}};
}

SuiteResult suite_from_json(const json& j) {
  if (!j.is_object() || !j.contains("tool") || j.at("tool") != "schedlab") {
    throw UsageError("not a schedlab results.json (no \"tool\": \"schedlab\")");
  }
  int version = 0;
  read(j, "schema_version", version, "results");
  if (version != kSchemaVersion) {
    throw UsageError(fmt::format("results schema version {} is not supported (this build reads {})",
                                 version, kSchemaVersion));
  }
  SuiteResult r;
  read(j, "interrupted", r.interrupted, "results", false);
  read(j, "timed_out", r.timed_out, "results", false);
  if (!j.contains("context")) throw UsageError("results: missing field \"context\"");
  from_json(j.at("context"), r.context, "results, context");
  read(j, "lessons", r.lessons, "results", false);
  read(j, "graphs", r.graphs, "results", false);
  if (!j.contains("cells")) throw UsageError("results: missing field \"cells\"");
  read_list(j, "cells", r.cells, "results");
  read_list(j, "lesson_verdicts", r.lesson_verdicts, "results");
  return r;
}

}  // namespace schedlab::reports
