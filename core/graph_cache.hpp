// Internal: what a Graph remembers about itself between computes. Dropped whenever the graph
// changes, so nothing here can go stale.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "schedlab/core/graph.hpp"
#include "schedlab/core/key_index.hpp"
#include "schedlab/core/plan.hpp"

namespace schedlab {

struct Graph::Cache {
  KeyIndex index;  // keys in Graph::key_chars_; the first of two equal keys is indexed
  bool indexed = false;
  std::optional<std::pair<NodeId, NodeId>> duplicate;  // the first repeated key met, if any
  std::atomic<bool> validated = false;
  std::mutex plan_mutex;
  std::shared_ptr<const Plan> plan;          // the last plan made, reused when the targets match
  std::optional<std::vector<NodeId>> sinks;  // under plan_mutex: a loader and validate() ask
};

}  // namespace schedlab
