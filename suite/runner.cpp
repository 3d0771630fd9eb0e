#include "suite/runner.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/errors.hpp"
#include "core/predict.hpp"
#include "kernels/flights.hpp"
#include "schedulers/compute.hpp"
#include "schedulers/interrupt.hpp"
#include "schedulers/scheduler.hpp"
#include "suite/resource_sampler.hpp"

namespace schedlab::suite {
namespace {

// Every scheduler this build has, the speedup baseline first.
std::vector<std::string> every_scheduler() {
  std::vector<std::string> out{SchedulerRegistry::global().baseline().name};
  for (const SchedulerInfo* s : SchedulerRegistry::global().list()) {
    if (!s->traits.speedup_baseline) out.push_back(s->name);
  }
  return out;
}

void add_cells(SuiteSpec& spec, const std::string& scenario, const kernels::Params& params,
               const std::vector<std::string>& schedulers, const std::vector<unsigned>& workers,
               bool gil) {
  for (const std::string& s : schedulers) {
    const SchedulerInfo& info = SchedulerRegistry::global().info(s);
    for (unsigned w : workers) {
      // A scheduler with a fixed worker count (sync) gets one cell, whatever is asked.
      if (info.traits.fixed_workers && w != workers.front()) continue;
      spec.cells.push_back({scenario, params, info.name, info.workers_for(w), gil});
    }
  }
}

std::string instance_key(const CellSpec& c) {
  const kernels::Scenario& s = kernels::find_scenario(c.scenario);
  return c.scenario + "[" + kernels::describe_params(s, kernels::complete_params(s, c.params)) +
         "]";
}

struct Instance {
  kernels::BuiltScenario built;
  std::vector<double> compute_ms;  // calibrated, per node
  double compute_total = 0;
};

// Compute time per task: the faster of two sleepless runs on sync (the first run also pays for
// cold caches, page faults and first-touch of data files).
std::vector<double> calibrate(const Graph& g, std::span<const NodeId> targets) {
  std::vector<double> out(g.size(), std::numeric_limits<double>::infinity());
  for (int run = 0; run < 2; ++run) {
    ComputeResult r = compute(g, targets,
                              {.scheduler = SchedulerRegistry::global().baseline().name,
                               .trace = true,
                               .skip_sleep = true});
    for (const TaskEvent& e : r.trace) {
      out[e.node] =
          std::min(out[e.node], std::chrono::duration<double, std::milli>(e.end - e.start).count());
    }
  }
  for (double& x : out) x = std::isinf(x) ? 0.0 : x;
  return out;
}

CellPrediction prediction_for(const Graph& g, std::span<const NodeId> targets,
                              const std::vector<double>& compute_ms, const std::string& scheduler,
                              unsigned workers, bool gil) {
  Prediction p = predict(g, targets, compute_ms,
                         SchedulerRegistry::global().info(scheduler).machine(workers, gil));
  CellPrediction out{p.predicted_ms,     p.bound_ms, p.total_work_ms,
                     p.critical_path_ms, 0,          std::move(p.reasoning)};
  for (double c : compute_ms) out.compute_ms += c;
  return out;
}

class Runner {
 public:
  Runner(const SuiteSpec& spec) : spec_(spec) {}

  Instance& instance(const CellSpec& c) {
    std::string key = instance_key(c);
    auto& slot = instances_[key];
    if (!slot) {
      slot = std::make_unique<Instance>();
      const kernels::Scenario& s = kernels::find_scenario(c.scenario);
      slot->built = kernels::build_scenario(s, c.params, {spec_.unit_ms, spec_.data_dir});
      slot->compute_ms = calibrate(slot->built.graph, slot->built.targets);
      for (double x : slot->compute_ms) slot->compute_total += x;
    }
    return *slot;
  }

  reports::Cell prepare(const CellSpec& c) {
    const kernels::Scenario& s = kernels::find_scenario(c.scenario);
    kernels::Params params = kernels::complete_params(s, c.params);
    Instance& inst = instance(c);
    reports::Cell cell;
    cell.scenario = c.scenario;
    cell.params = kernels::describe_params(s, params);
    cell.param_values = params;
    cell.scheduler = c.scheduler;
    cell.workers = c.workers;
    cell.gil = c.gil;
    const SchedulerInfo& info = SchedulerRegistry::global().info(c.scheduler);
    cell.baseline = info.traits.speedup_baseline;
    cell.policy = policy_name(info.traits.policy);
    CellPrediction p = prediction_for(inst.built.graph, inst.built.targets, inst.compute_ms,
                                      c.scheduler, c.workers, c.gil);
    cell.predicted_ms = p.predicted_ms;
    cell.bound_ms = p.bound_ms;
    cell.work_ms = p.work_ms;
    cell.span_ms = p.span_ms;
    cell.reasoning = std::move(p.reasoning);
    cell.sleep_bound = p.work_ms > 0 && inst.compute_total < 0.05 * p.work_ms;
    return cell;
  }

  reports::SuiteResult run(const Progress& progress,
                           const std::function<void(const reports::SuiteResult&)>& after_cell) {
    reports::SuiteResult result;
    result.context = reports::current_context();
    result.context.unit_ms = spec_.unit_ms;
    result.context.repeat = spec_.repeat;
    result.context.warmup = spec_.warmup;
    result.context.user = spec_.context;
    // Calibrate every graph first, while nothing else runs (pools left spinning by an earlier
    // cell would slow the calibration down).
    for (const CellSpec& c : spec_.cells) instance(c);
    for (size_t i = 0; i < spec_.cells.size() && !result.interrupted; ++i) {
      const CellSpec& c = spec_.cells[i];
      reports::Cell cell = prepare(c);
      result.lessons[c.scenario] = kernels::find_scenario(c.scenario).lesson;
      run_cell(c, cell, i, progress);
      result.interrupted = cell.interrupted;
      result.cells.push_back(std::move(cell));
      finish(result);
      if (progress.cell_finished)
        progress.cell_finished(i, spec_.cells.size(), result.cells.back());
      if (after_cell) after_cell(result);
    }
    return result;
  }

 private:
  void run_cell(const CellSpec& c, reports::Cell& cell, size_t index, const Progress& progress) {
    Instance& inst = instance(c);
    const Graph& g = inst.built.graph;
    const int runs = spec_.warmup + spec_.repeat;
    for (int run = 0; run < runs; ++run) {
      if (interrupt_requested()) {
        cell.interrupted = true;
        return;
      }
      if (progress.run_started) progress.run_started(index, spec_.cells.size(), cell, run, runs);
      ResourceSampler sampler;
      ComputeOptions options{.scheduler = c.scheduler,
                             .workers = c.workers,
                             .trace = true,
                             .gil = c.gil,
                             .observer = &sampler};
      try {
        ComputeResult r = compute(g, inst.built.targets, options);
        if (run < spec_.warmup) continue;
        reports::Repetition rep;
        rep.wall_ms = r.stats.wall_ms;
        rep.cpu_ms = r.stats.cpu_ms;
        rep.serialise_ms = r.stats.serialise_ms;
        rep.peak_rss_bytes = r.stats.peak_rss_bytes;
        rep.bytes_to_workers = r.stats.bytes_to_workers;
        rep.bytes_from_workers = r.stats.bytes_from_workers;
        rep.peak_live_intermediates = r.stats.peak_live_intermediates;
        auto ms = [&](Clock::time_point t) {
          return std::chrono::duration<double, std::milli>(t - r.start).count();
        };
        for (const TaskEvent& e : r.trace) {
          rep.trace.push_back({std::string(g.key(e.node)), g.op(e.node)->name, e.worker, e.pid,
                               ms(e.start), ms(e.end)});
        }
        rep.resources = sampler.samples();
        cell.reps.push_back(std::move(rep));
      } catch (const Interrupted&) {
        cell.interrupted = true;
        return;
      } catch (const TaskError& e) {
        cell.error = e.what();
        return;
      } catch (const InfrastructureError& e) {
        cell.error = e.what();
        return;
      }
    }
  }

  // Statistics, speedups and warnings, recomputed over every cell so far.
  void finish(reports::SuiteResult& result) {
    for (reports::Cell& cell : result.cells) {
      std::vector<double> walls, cpus;
      std::vector<uint64_t> moved;
      cell.peak_rss_bytes = 0;
      for (const reports::Repetition& r : cell.reps) {
        walls.push_back(r.wall_ms);
        cpus.push_back(r.cpu_ms);
        moved.push_back(r.bytes_to_workers + r.bytes_from_workers);
        cell.peak_rss_bytes = std::max(cell.peak_rss_bytes, r.peak_rss_bytes);
      }
      cell.wall = reports::statistics(walls);
      cell.cpu_ms = reports::statistics(cpus).median;
      std::sort(moved.begin(), moved.end());
      cell.bytes_moved = moved.empty() ? 0 : moved[moved.size() / 2];
      cell.speedup = cell.efficiency = 0;
      for (const reports::Cell& base : result.cells) {
        if (base.baseline && base.scenario == cell.scenario && base.params == cell.params &&
            base.gil == cell.gil && base.wall.n > 0 && cell.wall.median > 0) {
          cell.speedup = base.wall.median / cell.wall.median;
          cell.efficiency = cell.speedup / cell.workers;
        }
      }
      cell.warnings.clear();
      reports::add_noise_warnings(cell, spec_.warmup);
    }
  }

  const SuiteSpec& spec_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
};

}  // namespace

SuiteSpec classroom_suite() {
  SuiteSpec spec;
  const std::vector<std::string> schedulers = every_scheduler();
  const std::vector<unsigned> workers{1, 2, 4};
  add_cells(spec, "slow-arithmetic", {}, schedulers, workers, false);
  add_cells(spec, "inc-dbl", {{"reduce", "chain"}}, schedulers, workers, false);
  add_cells(spec, "inc-dbl", {{"reduce", "fanin"}}, schedulers, workers, false);
  add_cells(spec, "inc-dec-add", {}, schedulers, workers, false);
  add_cells(spec, "map-reduce", {}, schedulers, workers, false);
  add_cells(spec, "fib", {}, schedulers, workers, false);
  add_cells(spec, "fib", {}, schedulers, workers, true);
  add_cells(spec, "sleeplock", {{"lock", "process"}}, schedulers, workers, false);
  add_cells(spec, "flights", {}, schedulers, workers, false);
  return spec;
}

SuiteSpec matrix_suite(const std::vector<std::string>& scenarios,
                       const std::vector<std::string>& schedulers,
                       const std::vector<unsigned>& workers,
                       const std::vector<kernels::Params>& param_sets, bool gil) {
  SuiteSpec spec;
  std::vector<std::string> names = scenarios;
  if (names.empty()) {
    for (const kernels::Scenario& s : kernels::scenarios()) {
      if (s.lesson_suite) names.push_back(s.name);
    }
  }
  std::vector<std::string> scheds = schedulers;
  if (scheds.empty()) scheds = every_scheduler();
  std::vector<unsigned> ws = workers.empty() ? std::vector<unsigned>{1, 2, 4} : workers;
  std::vector<kernels::Params> sets =
      param_sets.empty() ? std::vector<kernels::Params>{{}} : param_sets;
  for (const std::string& name : names) {
    const kernels::Scenario& s = kernels::find_scenario(name);
    for (const kernels::Params& p : sets) {
      // Parameters apply to the scenarios that have them.
      kernels::Params mine;
      for (const auto& [k, v] : p) {
        for (const kernels::ScenarioParam& sp : s.params) {
          if (sp.name == k) mine[k] = v;
        }
      }
      // Naming one scenario, a parameter it does not have is a mistake worth an error.
      if (names.size() == 1) kernels::complete_params(s, p);
      add_cells(spec, name, mine, scheds, ws, gil);
    }
  }
  return spec;
}

SuiteSpec load_suite_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("cannot open suite file '{}'", path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("{}: invalid JSON: {}", path, e.what()));
  }
  auto fail = [&](const std::string& what) { throw UsageError(fmt::format("{}: {}", path, what)); };
  if (!j.is_object()) fail("a suite file is an object with \"cells\"");
  for (const auto& [k, v] : j.items()) {
    if (k != "unit_ms" && k != "repeat" && k != "warmup" && k != "cells" && k != "context") {
      fail(
          fmt::format("unknown field \"{}\" (fields: unit_ms, repeat, warmup, cells, context)", k));
    }
  }
  SuiteSpec spec;
  try {
    spec.unit_ms = j.value("unit_ms", spec.unit_ms);
    spec.repeat = j.value("repeat", spec.repeat);
    spec.warmup = j.value("warmup", spec.warmup);
    spec.context = j.value("context", spec.context);
    if (!j.contains("cells") || !j["cells"].is_array()) fail("\"cells\" must be a list");
    for (size_t i = 0; i < j["cells"].size(); ++i) {
      const auto& c = j["cells"][i];
      if (!c.contains("scenario")) fail(fmt::format("cells[{}] has no \"scenario\"", i));
      for (const auto& [k, v] : c.items()) {
        if (k != "scenario" && k != "params" && k != "schedulers" && k != "workers" && k != "gil") {
          fail(fmt::format("cells[{}]: unknown field \"{}\"", i, k));
        }
      }
      kernels::Params params;
      const nlohmann::json given = c.value("params", nlohmann::json::object());
      for (const auto& [k, v] : given.items()) {
        params[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
      std::vector<std::string> scheds = c.value("schedulers", std::vector<std::string>{});
      if (scheds.empty()) scheds = every_scheduler();
      add_cells(spec, c["scenario"].get<std::string>(), params, scheds,
                c.value("workers", std::vector<unsigned>{1, 2, 4}), c.value("gil", false));
    }
  } catch (const nlohmann::json::exception& e) {
    fail(fmt::format("a field has the wrong type: {}", e.what()));
  }
  return spec;
}

void validate_suite(const SuiteSpec& spec) {
  if (spec.repeat < 1 || spec.repeat > 1000) throw UsageError("--repeat must be 1 to 1000");
  if (spec.warmup < 0 || spec.warmup > 100) throw UsageError("--warmup must be 0 to 100");
  if (!(spec.unit_ms >= 0 && spec.unit_ms <= 60'000))
    throw UsageError("--unit must be 0 to 60000 ms");
  if (spec.cells.empty()) throw UsageError("the suite has no cells");
  for (const CellSpec& c : spec.cells) {
    const kernels::Scenario& s = kernels::find_scenario(c.scenario);
    kernels::complete_params(s, c.params);
    SchedulerRegistry::global().info(c.scheduler);
    if (c.workers < 1 || c.workers > 1024) throw UsageError("workers must be 1 to 1024");
  }
}

double estimate_ms(const SuiteSpec& spec) {
  Runner runner(spec);
  double total = 0;
  for (const CellSpec& c : spec.cells) {
    total += runner.prepare(c).predicted_ms * (spec.repeat + spec.warmup);
  }
  return total;
}

reports::SuiteResult run_suite(const SuiteSpec& spec, const Progress& progress,
                               const std::function<void(const reports::SuiteResult&)>& after_cell) {
  validate_suite(spec);
  return Runner(spec).run(progress, after_cell);
}

CellPrediction predict_graph(const Graph& graph, std::span<const NodeId> targets,
                             const std::string& scheduler, unsigned workers, bool gil) {
  return prediction_for(graph, targets, calibrate(graph, targets),
                        SchedulerRegistry::global().info(scheduler).name, workers, gil);
}

}  // namespace schedlab::suite
