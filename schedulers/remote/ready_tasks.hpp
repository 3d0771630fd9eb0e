// Where the remote dispatcher's ready tasks wait, and which one a worker takes next (see
// Policy in dispatcher.hpp). One class with both policies rather than an interface: peek, take
// and add run once per task, where calls that cannot be inlined cost a measurable share.
#pragma once

#include <algorithm>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "schedlab/core/graph.hpp"

namespace schedlab::remote {

class Transport;
// Transport::choose (dispatcher.hpp).
std::optional<size_t> transport_choice(Transport& t, unsigned w, const std::deque<NodeId>& ready);

enum class Policy : uint8_t { work_first, oldest_first };

class ReadyTasks {
 public:
  // oldest_first: the transport chooses which of the ready tasks (oldest first) a worker takes.
  ReadyTasks(Policy p, std::span<const NodeId> roots, unsigned workers, Transport& t)
      : policy_(p), roots_(roots), own_(workers), transport_(t) {
    if (p == Policy::oldest_first) queue_.assign(roots.begin(), roots.end());
  }

  bool empty() const {
    if (policy_ == Policy::oldest_first) return queue_.empty();
    return next_root_ == roots_.size() &&
           std::all_of(own_.begin(), own_.end(), [](const auto& o) { return o.empty(); });
  }

  // What worker w would take: work-first, its own stack's top, the next root, or the bottom
  // (oldest) of the first other stack; oldest first, what the chooser picks. take() takes it;
  // nothing may change the tasks in between.
  std::optional<NodeId> peek(unsigned w) {
    if (policy_ == Policy::oldest_first) {
      if (queue_.empty()) return std::nullopt;
      const std::optional<size_t> at = transport_choice(transport_, w, queue_);
      if (!at || *at >= queue_.size()) return std::nullopt;
      picked_ = {nullptr, *at, false};
      return queue_[*at];
    }
    if (!own_[w].empty()) {
      picked_ = {&own_[w], 0, true};
      return own_[w].back();
    }
    if (next_root_ < roots_.size()) {
      picked_ = {nullptr, 0, false};
      return roots_[next_root_];
    }
    for (auto& other : own_) {
      if (other.empty()) continue;
      picked_ = {&other, 0, false};
      return other.front();
    }
    return std::nullopt;
  }
  void take() {
    if (policy_ == Policy::oldest_first)
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(picked_.at));
    else if (!picked_.stack)
      ++next_root_;
    else if (picked_.top)
      picked_.stack->pop_back();
    else
      picked_.stack->pop_front();
  }

  // Tasks that a task run on worker w made ready, in the order the core gave them. Work-first:
  // newest on top, the first one made ready on the very top: this worker's next task (unless
  // `in_order`: --chunksize, whose worker does not go on with one at once; as the predictor
  // has it, the last on top).
  void add(unsigned w, std::span<const NodeId> made_ready, bool in_order = false) {
    if (made_ready.empty()) return;
    if (policy_ == Policy::oldest_first) {
      queue_.insert(queue_.end(), made_ready.begin(), made_ready.end());
      return;
    }
    if (in_order) {
      own_[w].insert(own_[w].end(), made_ready.begin(), made_ready.end());
      return;
    }
    own_[w].insert(own_[w].end(), made_ready.begin() + 1, made_ready.end());
    own_[w].push_back(made_ready[0]);
  }
  // Whether worker w has ready tasks of its own (work-first).
  bool has_own(unsigned w) const { return !own_[w].empty(); }

 private:
  const Policy policy_;
  std::span<const NodeId> roots_;  // work-first: taken in order
  size_t next_root_ = 0;
  std::vector<std::deque<NodeId>> own_;  // work-first: each worker's stack, top at the back
  std::deque<NodeId> queue_;             // oldest first
  Transport& transport_;
  struct Pick {
    std::deque<NodeId>* stack;  // work-first: the stack it is on (nullptr: a root)
    size_t at;                  // oldest first: its place in the queue
    bool top;
  } picked_{};
};

}  // namespace schedlab::remote
