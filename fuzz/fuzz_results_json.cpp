// results.json as `report html` and `report compare` read it from anywhere: any text is a result
// or a UsageError; a result renders in every format (graphs are not drawn: no Graphviz here).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "schedlab/core/errors.hpp"
#include "schedlab/reports/reporter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;  // the CLI's reader turns this into a UsageError
  }
  try {
    const schedlab::reports::SuiteResult r = schedlab::reports::suite_from_json(j);
    auto no_drawing = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    schedlab::reports::markdown_reporter()->render(r);
    schedlab::reports::csv_reporter()->render(r);
    schedlab::reports::timeline_reporter()->render(r);
    schedlab::reports::html_reporter(no_drawing)->render(r);
  } catch (const schedlab::UsageError&) {
  }
  return 0;
}
