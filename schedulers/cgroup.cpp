#include "schedlab/schedulers/cgroup.hpp"

#include <algorithm>
#include <fstream>

namespace schedlab {

void for_each_cgroup_folder(const std::string& controller,
                            const std::function<void(const std::string& folder, bool v2)>& visit) {
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroups, line)) {
    // "0::/path" (v2), "4:cpu,cpuacct:/path" (v1)
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    const bool v2 = controllers.empty();
    if (!v2 && ("," + controllers + ",").find("," + controller + ",") == std::string::npos)
      continue;
    const std::string root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + controllers;
    for (;;) {
      visit(root + path, v2);
      if (path.empty() || path == "/") break;
      path.erase(std::min(path.rfind('/'), path.size()));  // the cgroup above
    }
  }
}

}  // namespace schedlab
