// results.json, the source of truth of a run's results (reports/results.hpp is the record):
// written by the json reporter, read back by `report` and the fuzzer. Apart from the record so
// that only what reads or writes JSON includes nlohmann/json.
#pragma once

#include <nlohmann/json.hpp>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

nlohmann::json to_json(const SuiteResult& r);
SuiteResult suite_from_json(const nlohmann::json& j);  // throws UsageError naming what is wrong

}  // namespace schedlab::reports
