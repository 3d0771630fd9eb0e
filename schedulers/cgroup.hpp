// The folders of this process's cgroups, for limits set on them: its own cgroup, then each one
// above it up to the root, since a limit set on a parent (a container runtime's, a systemd
// slice's) binds everything below it.
#pragma once

#include <functional>
#include <string>

namespace schedlab {

// Calls `visit` with each folder holding `controller`'s files ("cpu", "memory"): cgroup v2
// folders under /sys/fs/cgroup, v1 under /sys/fs/cgroup/<controllers>, and `v2` saying
// which (the files are named differently). A v1 container without a cgroup namespace has its
// own cgroup mounted at the root while /proc/self/cgroup names the host's path: the root
// comes last, so it is read there too.
void for_each_cgroup_folder(const std::string& controller,
                            const std::function<void(const std::string& folder, bool v2)>& visit);

}  // namespace schedlab
