#include "schedlab/suite/spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "schedlab/core/errors.hpp"
#include "schedlab/kernels/flights.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::suite {

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
      CellSpec cell{scenario, params, info.name, info.workers_for(w), gil};
      // Names given twice (or a name and its alias) would repeat a cell under one id.
      const bool seen = std::any_of(spec.cells.begin(), spec.cells.end(), [&](const CellSpec& c) {
        return c.scenario == cell.scenario && c.params == cell.params &&
               c.scheduler == cell.scheduler && c.workers == cell.workers && c.gil == cell.gil &&
               c.threads == cell.threads;
      });
      if (!seen) spec.cells.push_back(std::move(cell));
    }
  }
}

namespace {

// The lesson scenarios in the order of their notebooks (seed 000 to 004; registration order
// within one), so that a run of the lessons, and so its reports, follow the class.
std::vector<const kernels::Scenario*> lessons_in_notebook_order() {
  std::vector<const kernels::Scenario*> lessons;
  for (const kernels::Scenario& s : kernels::scenarios()) {
    if (s.lesson_suite) lessons.push_back(&s);
  }
  std::stable_sort(
      lessons.begin(), lessons.end(),
      [](const kernels::Scenario* a, const kernels::Scenario* b) { return a->seed < b->seed; });
  return lessons;
}

}  // namespace

bool is_graph_file(const std::string& name) {
  for (const kernels::Scenario& s : kernels::scenarios()) {
    if (s.name == name) return false;
  }
  // Anything there by that name is meant as a file, even one that cannot be read (a directory,
  // a link in a loop): reading it says what is wrong. A name the system cannot look up (too
  // long for a path) is not a file.
  std::error_code ec;
  const auto type = std::filesystem::symlink_status(name, ec).type();
  return name == "-" || name.ends_with(".json") || name.find('/') != std::string::npos ||
         (!ec && type != std::filesystem::file_type::not_found);
}

SuiteSpec classroom_suite() {
  SuiteSpec spec;
  const SchedulerRegistry& registry = SchedulerRegistry::global();
  // A cluster (processes of threads) runs the lessons at 2 workers only (as many as the
  // classroom machine has cores): its 1 and 4 worker cells would teach what the processes cells
  // already show, for a minute more.
  std::vector<std::string> schedulers = every_scheduler(), clusters;
  std::erase_if(schedulers,
                [&](const std::string& s) { return !registry.info(s).traits.classroom; });
  for (const std::string& s : schedulers) {
    if (registry.info(s).traits.processes == ProcessModel::processes_of_threads)
      clusters.push_back(s);
  }
  std::erase_if(schedulers, [&](const std::string& s) {
    return std::find(clusters.begin(), clusters.end(), s) != clusters.end();
  });
  for (const kernels::Scenario* scenario : lessons_in_notebook_order()) {
    for (const kernels::ClassroomCase& c : scenario->classroom) {
      add_cells(spec, scenario->name, c.params, schedulers, {1, 2, 4}, c.gil);
      add_cells(spec, scenario->name, c.params, clusters, {2}, c.gil);
    }
    for (const std::string& cluster : clusters) {
      for (const kernels::Scenario::Cluster& shape : scenario->classroom_clusters) {
        spec.cells.push_back(
            {scenario->name, {}, cluster, shape.workers, false, shape.threads_per_worker});
      }
    }
  }
  return spec;
}

std::vector<kernels::Params> param_sets(const std::vector<std::string>& items) {
  std::vector<std::pair<std::string, std::vector<std::string>>> values;  // in order given
  for (const std::string& item : items) {
    const kernels::Params parsed = kernels::parse_params({item});
    const std::string& key = parsed.begin()->first;
    const std::string& value = parsed.begin()->second;
    auto it = std::find_if(values.begin(), values.end(), [&](auto& kv) { return kv.first == key; });
    if (it == values.end()) it = values.insert(values.end(), {key, {}});
    if (std::find(it->second.begin(), it->second.end(), value) == it->second.end()) {
      it->second.push_back(value);
    }
  }
  std::vector<kernels::Params> sets{{}};
  for (const auto& [key, alternatives] : values) {
    std::vector<kernels::Params> next;
    for (const kernels::Params& set : sets) {
      for (const std::string& v : alternatives) {
        next.push_back(set);
        next.back()[key] = v;
      }
    }
    sets = std::move(next);
  }
  return items.empty() ? std::vector<kernels::Params>{} : sets;
}

SuiteSpec matrix_suite(const std::vector<std::string>& scenarios,
                       const std::vector<std::string>& schedulers,
                       const std::vector<unsigned>& workers,
                       const std::vector<kernels::Params>& param_sets, bool gil) {
  SuiteSpec spec;
  std::vector<std::string> names = scenarios;
  if (names.empty()) {
    for (const kernels::Scenario* s : lessons_in_notebook_order()) names.push_back(s->name);
  }
  std::vector<std::string> scheds = schedulers;
  if (scheds.empty()) scheds = every_scheduler();
  std::vector<unsigned> ws = workers.empty() ? std::vector<unsigned>{1, 2, 4} : workers;
  std::vector<kernels::Params> sets =
      param_sets.empty() ? std::vector<kernels::Params>{{}} : param_sets;
  // A parameter applies to the scenarios that have it; one that none of them has is a typo.
  for (const kernels::Params& p : sets) {
    for (const auto& [key, value] : p) {
      std::string have;
      bool known = false;
      for (const std::string& name : names) {
        if (is_graph_file(name)) continue;  // a graph file has no parameters
        const kernels::Scenario& s = kernels::find_scenario(name);
        for (const kernels::ScenarioParam& sp : s.params) {
          known = known || sp.name == key;
          have += (have.empty() ? "" : ", ") + name + " " + sp.name;
        }
      }
      if (!known) {
        throw UsageError(
            fmt::format("--param {}={}: none of the scenarios has a parameter '{}' "
                        "(they have: {})",
                        key, value, key, have.empty() ? "no parameters" : have));
      }
    }
  }
  for (const std::string& name : names) {
    if (is_graph_file(name)) {
      add_cells(spec, name, {}, scheds, ws, gil);
      continue;
    }
    const kernels::Scenario& s = kernels::find_scenario(name);
    std::vector<kernels::Params> done;
    for (const kernels::Params& p : sets) {
      // Parameters apply to the scenarios that have them.
      kernels::Params mine;
      for (const auto& [k, v] : p) {
        for (const kernels::ScenarioParam& sp : s.params) {
          if (sp.name == k) mine[k] = v;
        }
      }
      // Sets that differ only in parameters this scenario lacks would repeat its cells.
      if (std::find(done.begin(), done.end(), mine) != done.end()) continue;
      done.push_back(mine);
      add_cells(spec, name, mine, scheds, ws, gil);
    }
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
    if (c.scenario == "-") {
      throw UsageError(
          "a suite reads its graphs from files (it runs each several times): save standard input "
          "to a file and name that");
    }
    if (is_graph_file(c.scenario)) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(c.scenario, ec)) {
        throw UsageError(fmt::format("graph file '{}': {}", c.scenario,
                                     ec                                        ? ec.message()
                                     : std::filesystem::exists(c.scenario, ec) ? "not a file"
                                                                               : "no such file"));
      }
      if (!c.params.empty()) {
        throw UsageError(fmt::format("graph file '{}' takes no parameters", c.scenario));
      }
    } else {
      kernels::complete_params(kernels::find_scenario(c.scenario), c.params);
    }
    SchedulerRegistry::global().info(c.scheduler);
    if (c.workers < 1 || c.workers > kMaxWorkers)
      throw UsageError(fmt::format("workers must be 1 to {}", kMaxWorkers));
  }
  // A suite of several schedulers applies them to those that have what they set (a classroom
  // run with distributed and a memory limit).
  std::vector<std::string> schedulers;
  for (const CellSpec& c : spec.cells) schedulers.push_back(c.scheduler);
  check_worker_settings(
      schedulers, {spec.threads_per_worker, spec.memory_limit, spec.fresh_pool, spec.chunksize},
      "this suite's");
}

void check_worker_settings(const std::vector<std::string>& schedulers, const WorkerSettings& s,
                           std::string_view whose) {
  auto any = [&](auto has) {
    return std::any_of(schedulers.begin(), schedulers.end(), [&](const std::string& name) {
      return has(SchedulerRegistry::global().info(name).traits);
    });
  };
  if (s.threads_per_worker > 1 && !any([](const SchedulerTraits& t) {
        return t.processes == ProcessModel::processes_of_threads;
      })) {
    throw UsageError(fmt::format(
        "--threads-per-worker: none of {} schedulers has worker processes of threads (it "
        "applies to the distributed scheduler: add -s distributed)",
        whose));
  }
  if (s.memory_limit && !any([](const SchedulerTraits& t) { return t.limits_worker_memory; })) {
    throw UsageError(fmt::format(
        "--memory-limit: none of {} schedulers can limit its workers' memory (it applies to "
        "the distributed scheduler's worker processes: add -s distributed)",
        whose));
  }
  const bool pooled = any([](const SchedulerTraits& t) { return t.pools_workers; });
  if (s.fresh_pool && !pooled) {
    throw UsageError(fmt::format(
        "--pool fresh: none of {} schedulers keeps a pool of worker processes (it applies to "
        "the processes scheduler: add -s processes)",
        whose));
  }
  if (s.chunksize > 1 && !pooled) {
    throw UsageError(fmt::format(
        "--chunksize: none of {} schedulers hands out chunks of tasks (it applies to the "
        "processes scheduler: add -s processes)",
        whose));
  }
}

std::map<std::string, std::string> parse_context(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const std::string& kv : items) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError(fmt::format("--context {}: write key=value", kv));
    }
    if (!out.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) {
      throw UsageError(
          fmt::format("--context {}: the key '{}' is given twice", kv, kv.substr(0, eq)));
    }
  }
  return out;
}

SuiteSpec suite_from_options(const SuiteOptions& o) {
  SuiteSpec spec;
  const bool matrix = !o.scenarios.empty() || !o.schedulers.empty() || !o.workers.empty() ||
                      !o.params.empty() || o.gil;
  if (!o.suite_file.empty()) {
    if (matrix) throw UsageError("give either a suite file or --scenario/--scheduler/... flags");
    spec = load_suite_file(o.suite_file);
  } else if (matrix) {
    spec = matrix_suite(o.scenarios, o.schedulers, o.workers, param_sets(o.params), o.gil);
  } else {
    spec = classroom_suite();
  }
  if (o.unit_ms) spec.unit_ms = *o.unit_ms;
  if (o.repeat) spec.repeat = *o.repeat;
  if (o.warmup) spec.warmup = *o.warmup;
  if (o.threads_per_worker) spec.threads_per_worker = *o.threads_per_worker;
  spec.limits = o.limits;
  spec.memory_limit = o.memory_limit;
  spec.fresh_pool = o.fresh_pool;
  spec.chunksize = o.chunksize;
  spec.data_dir = o.data_dir.empty() ? kernels::default_data_dir() : o.data_dir;
  if (!o.baseline.empty()) {
    spec.baseline = SchedulerRegistry::global().info(o.baseline).name;  // canonical
    if (std::none_of(spec.cells.begin(), spec.cells.end(),
                     [&](const CellSpec& c) { return c.scheduler == spec.baseline; })) {
      throw UsageError(
          fmt::format("--baseline {}: no cell runs it, so there would be no speedups; add -s {}",
                      o.baseline, spec.baseline));
    }
  }
  // A suite file's context first, the command line's added (a key in both is an error).
  for (auto& [key, value] : parse_context(o.context)) {
    if (!spec.context.emplace(key, value).second) {
      throw UsageError(
          fmt::format("--context {}={}: the key '{}' is given twice", key, value, key));
    }
  }
  return spec;
}

}  // namespace schedlab::suite
