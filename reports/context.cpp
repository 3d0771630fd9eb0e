#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <thread>

#include "schedlab/core/version.hpp"
#include "schedlab/reports/build_info.hpp"
#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

Context current_context() {
  Context c;
  std::time_t now = std::time(nullptr);
  c.date = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(now));
  c.version = SCHEDLAB_VERSION;
  c.commit = SCHEDLAB_GIT_COMMIT;
#if defined(__clang__)
  c.compiler = fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  c.compiler = fmt::format("g++ {}", __VERSION__);
#endif
  c.flags = SCHEDLAB_CXX_FLAGS;
  c.build_type = SCHEDLAB_BUILD_TYPE;
  c.cores = std::thread::hardware_concurrency();
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) {
      c.cpu_model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream("/proc/loadavg") >> c.load_avg[0] >> c.load_avg[1] >> c.load_avg[2];
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  c.hostname = host;
  return c;
}

}  // namespace schedlab::reports
