#include "schedlab/reports/reporter.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/output_file.hpp"

namespace schedlab::reports {

void write_reports(const SuiteResult& result, const std::string& dir) {
  namespace fs = std::filesystem;
  for (const auto& reporter : {json_reporter(), csv_reporter(), markdown_reporter(),
                               timeline_reporter(), html_reporter()}) {
    for (const auto& [name, contents] : reporter->render(result)) {
      fs::path path = fs::path(dir) / name;
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
      if (ec) {
        throw UsageError(fmt::format("cannot create report directory {}: {}",
                                     path.parent_path().string(), ec.message()));
      }
      write_output_file(path.string(), contents);
    }
  }
}

}  // namespace schedlab::reports
