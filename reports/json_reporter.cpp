#include "schedlab/reports/reporter.hpp"
#include "schedlab/reports/results_json.hpp"

namespace schedlab::reports {
namespace {

class JsonReporter final : public Reporter {
 public:
  Files render(const SuiteResult& r) const override {
    return {{"results.json", to_json(r).dump(1) + "\n"}};
  }
};

}  // namespace

std::unique_ptr<Reporter> json_reporter() {
  return std::make_unique<JsonReporter>();
}

}  // namespace schedlab::reports
