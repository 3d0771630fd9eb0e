// results.json as `report html` and `report compare` read it from anywhere: any text is a result
// or a UsageError; a result renders in every format (graphs are not drawn: no Graphviz here).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "schedlab/core/bounded_input.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/results_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const schedlab::reports::SuiteResult r = schedlab::reports::suite_from_json(
        schedlab::parse_json_input({reinterpret_cast<const char*>(data), size}, "fuzz.json"));
    auto no_drawing = [](const std::string&) { return schedlab::reports::Drawing{}; };
    schedlab::reports::markdown_reporter()->render(r);
    schedlab::reports::csv_reporter()->render(r);
    schedlab::reports::timeline_reporter()->render(r);
    schedlab::reports::html_reporter(no_drawing)->render(r);
  } catch (const schedlab::UsageError&) {
  }
  return 0;
}
