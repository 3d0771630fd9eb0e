#include "schedlab/suite/prepared.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>

#include "schedlab/core/graph_file.hpp"
#include "schedlab/core/predict.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::suite {
namespace {

CellPrediction prediction_for(const Graph& g, std::span<const NodeId> targets,
                              const std::vector<double>& compute_ms, const SchedulerInfo& info,
                              unsigned workers, bool gil) {
  Prediction p = predict(g, targets, compute_ms, info.machine(workers, gil));
  CellPrediction out{p.predicted_ms,         p.bound_ms, p.total_work_ms, p.critical_path_ms, 0,
                     std::move(p.reasoning), {}};
  for (double c : compute_ms) out.compute_ms += c;
  for (const ScheduledTask& t : p.schedule) {
    out.schedule.push_back(
        {std::string(g.key(t.node)), g.op(t.node)->name, t.worker, 0, t.start_ms, t.end_ms});
  }
  return out;
}

}  // namespace

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

CellPrediction predict_graph(const Graph& graph, std::span<const NodeId> targets,
                             const std::string& scheduler, unsigned workers, bool gil) {
  return prediction_for(graph, targets, calibrate(graph, targets),
                        SchedulerRegistry::global().info(scheduler), workers, gil);
}

struct PreparedSuite::Instance {
  std::string lesson;
  kernels::BuiltScenario built;
  std::vector<double> compute_ms;  // calibrated, per node
  double compute_total = 0;
};

PreparedSuite::PreparedSuite(SuiteSpec spec) : spec_(std::move(spec)) {
  validate_suite(spec_);
  std::map<std::string, size_t> by_key;  // "inc-dbl[reduce=chain]" -> instance
  for (const CellSpec& c : spec_.cells) {
    const bool file = is_graph_file(c.scenario);
    const kernels::Scenario* s = file ? nullptr : &kernels::find_scenario(c.scenario);
    const kernels::Params params =
        file ? kernels::Params{} : kernels::complete_params(*s, c.params);
    const std::string described = file ? "" : kernels::describe_params(*s, params);
    auto [it, fresh] = by_key.try_emplace(c.scenario + "[" + described + "]", instances_.size());
    if (fresh) {
      auto inst = std::make_unique<Instance>();
      if (file) {
        LoadedGraph loaded = load_graph_file(c.scenario);
        inst->built = {std::move(loaded.graph), std::move(loaded.targets)};
        inst->lesson =
            loaded.description.empty()
                ? fmt::format("The graph file {} (it has no \"description\").", c.scenario)
                : loaded.description;
      } else {
        inst->lesson = s->lesson;
        inst->built = kernels::build_scenario(*s, params, {spec_.unit_ms, spec_.data_dir});
      }
      inst->compute_ms = calibrate(inst->built.graph, inst->built.targets);
      for (double x : inst->compute_ms) inst->compute_total += x;
      instances_.push_back(std::move(inst));
    }
    const Instance& inst = *instances_[it->second];

    reports::Cell cell;
    cell.scenario = c.scenario;
    cell.params = described;
    cell.param_values = params;
    cell.scheduler = c.scheduler;
    cell.workers = c.workers;
    cell.gil = c.gil;
    const SchedulerInfo& info = SchedulerRegistry::global().info(c.scheduler);
    cell.baseline = info.traits.speedup_baseline;
    cell.policy = policy_name(info.traits.policy);
    CellPrediction p = prediction_for(inst.built.graph, inst.built.targets, inst.compute_ms, info,
                                      c.workers, c.gil);
    cell.predicted_ms = p.predicted_ms;
    cell.bound_ms = p.bound_ms;
    cell.work_ms = p.work_ms;
    cell.span_ms = p.span_ms;
    cell.reasoning = std::move(p.reasoning);
    cell.predicted_schedule = std::move(p.schedule);
    cell.sleep_bound = p.work_ms > 0 && inst.compute_total < 0.05 * p.work_ms;
    cells_.push_back({std::move(cell), it->second});
  }
}

PreparedSuite::~PreparedSuite() = default;

const kernels::BuiltScenario& PreparedSuite::scenario(size_t i) const {
  return instances_[cells_[i].instance]->built;
}

const std::string& PreparedSuite::lesson(size_t i) const {
  return instances_[cells_[i].instance]->lesson;
}

double PreparedSuite::estimate_ms() const {
  double total = 0;
  for (const Prepared& p : cells_) total += p.cell.predicted_ms;
  return total * (spec_.repeat + spec_.warmup);
}

}  // namespace schedlab::suite
