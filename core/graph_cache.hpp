// Internal: what a Graph remembers about itself between computes. Dropped whenever the graph
// changes, so nothing here can go stale.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "schedlab/core/graph.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab {

struct Graph::Cache {
  std::unordered_map<std::string_view, NodeId> index;  // views into Graph::key_chars_
  bool indexed = false;
  std::atomic<bool> validated = false;
  std::mutex plan_mutex;
  std::shared_ptr<const Plan> plan;  // the last plan made, reused when the targets match
};

}  // namespace schedlab
