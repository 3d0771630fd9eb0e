// results.json: the source of truth, read back by `schedlab report compare`.
#include <fmt/format.h>

#include "schedlab/core/errors.hpp"
#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

using json = nlohmann::json;

std::string Cell::id() const {
  std::string out = scenario;
  if (!params.empty()) out += "[" + params + "]";
  out += fmt::format("/{}/{}", scheduler, workers);
  if (gil) out += "/gil";
  return out;
}

namespace {

json stats_json(const Statistics& s) {
  return {{"n", s.n},     {"median", s.median}, {"mean", s.mean},
          {"min", s.min}, {"max", s.max},       {"stddev", s.stddev},
          {"cv", s.cv},   {"mad", s.mad},       {"outliers", s.outliers}};
}

json rep_json(const Repetition& r) {
  json trace = json::array(), resources = json::array();
  for (const TaskRecord& t : r.trace) {
    trace.push_back({{"key", t.key},
                     {"op", t.op},
                     {"worker", t.worker},
                     {"pid", t.pid},
                     {"start_ms", t.start_ms},
                     {"end_ms", t.end_ms}});
  }
  for (const ResourceSample& s : r.resources) {
    resources.push_back(
        {{"t_ms", s.t_ms}, {"cpu_percent", s.cpu_percent}, {"rss_bytes", s.rss_bytes}});
  }
  return {{"wall_ms", r.wall_ms},
          {"cpu_ms", r.cpu_ms},
          {"serialise_ms", r.serialise_ms},
          {"peak_rss_bytes", r.peak_rss_bytes},
          {"bytes_to_workers", r.bytes_to_workers},
          {"bytes_from_workers", r.bytes_from_workers},
          {"peak_live_intermediates", r.peak_live_intermediates},
          {"trace", std::move(trace)},
          {"resources", std::move(resources)}};
}

template <class T>
T field(const json& j, const char* name, const std::string& where) {
  if (!j.contains(name)) throw UsageError(fmt::format("{}: missing field \"{}\"", where, name));
  try {
    return j.at(name).get<T>();
  } catch (const json::exception&) {
    throw UsageError(fmt::format("{}: field \"{}\" has the wrong type", where, name));
  }
}

}  // namespace

json to_json(const SuiteResult& r) {
  const Context& c = r.context;
  json cells = json::array();
  for (const Cell& cell : r.cells) {
    json reps = json::array(), warnings = json::array();
    for (const Repetition& rep : cell.reps) reps.push_back(rep_json(rep));
    for (const Warning& w : cell.warnings)
      warnings.push_back({{"kind", w.kind}, {"message", w.message}});
    cells.push_back({{"id", cell.id()},
                     {"scenario", cell.scenario},
                     {"params", cell.params},
                     {"param_values", cell.param_values},
                     {"scheduler", cell.scheduler},
                     {"workers", cell.workers},
                     {"gil", cell.gil},
                     {"speedup_baseline", cell.baseline},
                     {"policy", cell.policy},
                     {"sleep_bound", cell.sleep_bound},
                     {"wall_ms", stats_json(cell.wall)},
                     {"cpu_ms", cell.cpu_ms},
                     {"peak_rss_bytes", cell.peak_rss_bytes},
                     {"bytes_moved", cell.bytes_moved},
                     {"prediction",
                      {{"predicted_ms", cell.predicted_ms},
                       {"bound_ms", cell.bound_ms},
                       {"work_ms", cell.work_ms},
                       {"span_ms", cell.span_ms},
                       {"reasoning", cell.reasoning}}},
                     {"measured_over_predicted", cell.ratio()},
                     {"speedup_vs_sync", cell.speedup},
                     {"efficiency", cell.efficiency},
                     {"warnings", std::move(warnings)},
                     {"error", cell.error},
                     {"interrupted", cell.interrupted},
                     {"repetitions", std::move(reps)}});
  }
  return {{"schema_version", kSchemaVersion},
          {"tool", "schedlab"},
          {"interrupted", r.interrupted},
          {"context",
           {{"date", c.date},
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
            {"user", c.user}}},
          {"lessons", r.lessons},
          {"cells", std::move(cells)}};
}

SuiteResult suite_from_json(const json& j) {
  if (!j.is_object() || j.value("tool", "") != "schedlab") {
    throw UsageError("not a schedlab results.json (no \"tool\": \"schedlab\")");
  }
  int version = field<int>(j, "schema_version", "results");
  if (version != kSchemaVersion) {
    throw UsageError(fmt::format("results schema version {} is not supported (this build reads {})",
                                 version, kSchemaVersion));
  }
  SuiteResult r;
  r.interrupted = j.value("interrupted", false);
  const json& c = j.at("context");
  r.context.date = c.value("date", "");
  r.context.commit = c.value("commit", "");
  r.context.unit_ms = c.value("unit_ms", 0.0);
  for (const json& cj : field<json>(j, "cells", "results")) {
    Cell cell;
    std::string where = fmt::format("cell {}", cj.value("id", "?"));
    cell.scenario = field<std::string>(cj, "scenario", where);
    cell.params = field<std::string>(cj, "params", where);
    cell.scheduler = field<std::string>(cj, "scheduler", where);
    cell.workers = field<unsigned>(cj, "workers", where);
    cell.gil = field<bool>(cj, "gil", where);
    cell.baseline = cj.value("speedup_baseline", false);
    cell.policy = cj.value("policy", "");
    const json& w = field<json>(cj, "wall_ms", where);
    cell.wall.n = field<size_t>(w, "n", where);
    cell.wall.median = field<double>(w, "median", where);
    cell.wall.mean = field<double>(w, "mean", where);
    cell.wall.min = field<double>(w, "min", where);
    cell.wall.max = field<double>(w, "max", where);
    cell.wall.stddev = field<double>(w, "stddev", where);
    cell.wall.mad = field<double>(w, "mad", where);
    cell.error = cj.value("error", "");
    for (const json& rep : cj.value("repetitions", json::array())) {
      Repetition rp;
      rp.wall_ms = field<double>(rep, "wall_ms", where);
      cell.reps.push_back(rp);
    }
    r.cells.push_back(std::move(cell));
  }
  return r;
}

}  // namespace schedlab::reports
