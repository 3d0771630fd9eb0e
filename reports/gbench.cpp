#include "schedlab/reports/gbench.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "schedlab/core/errors.hpp"
#include "schedlab/reports/table.hpp"

namespace schedlab::reports {
namespace {

struct Row {
  std::string name, system, shape, unit;
  std::string baseline;  // the system this one is compared with, from its "baseline=" label
  double real = 0, cpu = 0, per_task_ns = 0;
  bool has_per_task = false;
};

std::vector<Row> rows_of(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array()) {
    throw UsageError(
        "not Google Benchmark JSON: no \"benchmarks\" list (write it with "
        "--benchmark_out=FILE --benchmark_out_format=json)");
  }
  // With --benchmark_repetitions, the medians stand for each benchmark; otherwise the runs.
  bool medians = false;
  for (const auto& b : j["benchmarks"]) medians |= b.value("aggregate_name", "") == "median";
  std::vector<Row> rows;
  for (const auto& b : j["benchmarks"]) {
    const bool aggregate = b.value("run_type", "iteration") == "aggregate";
    if (medians ? b.value("aggregate_name", "") != "median" : aggregate) continue;
    Row r;
    r.name = b.value(medians ? "run_name" : "name", "");
    auto slash = r.name.find('/');
    r.system = r.name.substr(0, slash);
    if (slash != std::string::npos) {
      auto next = r.name.find('/', slash + 1);
      r.shape = r.name.substr(slash + 1,
                              next == std::string::npos ? std::string::npos : next - slash - 1);
    }
    r.unit = b.value("time_unit", "ns");
    if (std::string label = b.value("label", ""); label.starts_with("baseline=")) {
      r.baseline = label.substr(9);
    }
    r.real = b.value("real_time", 0.0);
    r.cpu = b.value("cpu_time", 0.0);
    if (b.contains("per_task")) {
      r.per_task_ns = b["per_task"].get<double>() * 1e9;  // the counter is seconds per task
      r.has_per_task = true;
    }
    for (double t : {r.real, r.cpu, r.per_task_ns}) {
      if (!(t >= 0)) {
        throw UsageError(
            fmt::format("benchmark '{}': a negative time ({}) is not a measurement", r.name, t));
      }
    }
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

std::string gbench_markdown(const nlohmann::json& j) {
  std::vector<Row> rows = rows_of(j);
  std::map<std::string, double> per_task;  // "system/shape" -> ns
  for (const Row& r : rows) {
    if (r.has_per_task) per_task[r.system + "/" + r.shape] = r.per_task_ns;
  }
  Table t{{"benchmark", "system", "shape", "real time", "cpu time", "per task", "vs baseline"},
          {false, false, false, true, true, true, true},
          {}};
  for (const Row& r : rows) {
    std::string vs;
    const std::string& base = r.baseline;
    auto it = per_task.find(base + "/" + r.shape);
    if (r.has_per_task && !base.empty() && it != per_task.end() && it->second > 0) {
      vs = fmt::format("{:.2f}x {}", r.per_task_ns / it->second, base);
    }
    t.rows.push_back({r.name, r.system, r.shape, fmt::format("{:.3f} {}", r.real, r.unit),
                      fmt::format("{:.3f} {}", r.cpu, r.unit),
                      r.has_per_task ? fmt::format("{:.1f} ns", r.per_task_ns) : "", vs});
  }
  std::string out = "# Benchmarks\n\n";
  if (j.contains("context")) {
    const auto& c = j["context"];
    // Numbers as written: nlohmann's cast of 1e300 into an int would be undefined behaviour.
    const auto number = [&](const char* name) {
      auto it = c.find(name);
      return it != c.end() && it->is_number() ? it->dump() : std::string("?");
    };
    out += fmt::format("{} on {} CPUs at {} MHz, library build: {}.\n\n",
                       markdown_escape(c.value("date", "")), number("num_cpus"),
                       number("mhz_per_cpu"), markdown_escape(c.value("library_build_type", "")));
  }
  return out + markdown_table(t);
}

std::string gbench_csv(const nlohmann::json& j) {
  std::string out =
      csv_row({"name", "system", "shape", "real_time", "cpu_time", "time_unit", "per_task_ns"});
  for (const Row& r : rows_of(j)) {
    out += csv_row({r.name, r.system, r.shape, fmt::format("{}", r.real), fmt::format("{}", r.cpu),
                    r.unit, r.has_per_task ? fmt::format("{}", r.per_task_ns) : ""});
  }
  return out;
}

}  // namespace schedlab::reports
