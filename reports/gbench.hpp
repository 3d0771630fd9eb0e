// `schedlab report gbench FILE.json`: the benchmark binary's Google Benchmark JSON output as
// the same Markdown and CSV tables, with the systems of each shape paired by name
// (`<system>/<shape>`) and each one's time relative to the baselines (tbb, omp_raw).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace schedlab::reports {

std::string gbench_markdown(const nlohmann::json& gbench);
std::string gbench_csv(const nlohmann::json& gbench);

}  // namespace schedlab::reports
