// Graph: a task graph, stored flat.
//
// Keys (strings) name nodes. A node is either a literal Value or a task: an op applied to
// arguments, with options (a sleep before the op runs, a lock held while it sleeps and runs).
// An argument is a literal, a reference to another node, or a list whose items are arguments
// again (so `sum` over the results of many tasks is one task, as Dask's delayed(sum)(results)).
//
// Keys are interned to dense NodeIds when a node is added, and everything is kept in flat arrays
// indexed by NodeId: the scheduling hot path never hashes a string or chases a node object.
// An argument is packed into 32 bits (2 bits of kind, 30 bits of index), so a graph holds at most
// 2^30 nodes. A typical task (two arguments, a short key) costs 75 to 105 bytes, key index
// included (memory_bytes() / size() on chains of 10^4 to 10^6 tasks; graph_test bounds it).
//
// A Graph only describes work; schedulers run it (see schedulers/execution.hpp). It can be
// computed many times and extended between computes.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "schedlab/core/ops.hpp"
#include "schedlab/core/value.hpp"

namespace schedlab {

class KeyIndex;
using NodeId = uint32_t;
inline constexpr size_t kMaxNodes = size_t{1} << 30;

enum class LockKind : uint8_t {
  none,
  process,  // one lock per process: threads of one process serialise, processes do not
  global,   // one lock shared by every worker of every scheduler (interprocess where needed)
};
std::string_view lock_name(LockKind lock);
std::optional<LockKind> parse_lock(std::string_view name);

inline constexpr double kMaxSleepMs = 3'600'000;  // one hour: anything longer is a typo

struct TaskOptions {
  uint32_t sleep_us = 0;  // slept before the op runs, holding `lock`
  LockKind lock = LockKind::none;

  double sleep_ms() const { return sleep_us / 1000.0; }
  // Throws UsageError unless 0 <= ms <= kMaxSleepMs.
  static TaskOptions sleeping(double ms, LockKind lock = LockKind::none);
};

// One argument as given when adding a task: a literal, a reference or a list of arguments.
struct Ref {
  NodeId id;
};
struct ArgSpec {
  std::variant<Value, Ref, std::vector<ArgSpec>> v;
  ArgSpec(Value x) : v(std::move(x)) {}
  ArgSpec(Ref r) : v(r) {}
  ArgSpec(std::vector<ArgSpec> items) : v(std::move(items)) {}
};

// How an argument is stored: packed kind + index.
class PackedArg {
 public:
  enum Kind : uint32_t { ref = 0, literal = 1, list = 2 };
  static PackedArg make(Kind k, uint32_t index) { return PackedArg((uint32_t{k} << 30) | index); }
  Kind kind() const { return static_cast<Kind>(bits_ >> 30); }
  uint32_t index() const { return bits_ & ((uint32_t{1} << 30) - 1); }
  PackedArg() = default;

 private:
  explicit PackedArg(uint32_t bits) : bits_(bits) {}
  uint32_t bits_ = 0;
};

class Graph {
 public:
  Graph();
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;
  ~Graph();

  // Adding nodes. An empty key means "make one up" ("<op>-<id>" for tasks, "literal-<id>").
  // Keys must be unique; duplicates are reported by validate(), which compute() calls.
  NodeId add_literal(std::string_view key, Value value);
  NodeId add_task(std::string_view key, const Op& op, std::span<const ArgSpec> args,
                  TaskOptions options = {});
  NodeId add_task(std::string_view key, std::string_view op, std::span<const ArgSpec> args,
                  TaskOptions options = {});

  // The fast path used by the delayed API: the arguments are written one by one between
  // begin_task and end_task (refs and literals only; lists through push_ref_list).
  void begin_task(const Op& op, TaskOptions options);
  void push_ref(NodeId id) { args_.push_back(PackedArg::make(PackedArg::ref, id)); }
  void push_literal(Value v);
  void push_ref_list(std::span<const NodeId> ids);
  void push_arg(const ArgSpec& arg) { args_.push_back(pack(arg, 0)); }  // any argument
  NodeId end_task(std::string_view key = {}, std::optional<TaskOptions> options = {});

  // For readers that meet a reference before the node it names (a graph file may list a task
  // before its arguments): push a placeholder, remember its slot, fill it in once the node
  // exists. A slot is in args_ (push_ref) or in list_items_ (the i-th id of push_ref_list).
  struct RefSlot {
    bool in_list;
    uint32_t index;
  };
  RefSlot next_ref_slot() const { return {false, static_cast<uint32_t>(args_.size())}; }
  RefSlot next_list_slot(size_t i) const {
    return {true, static_cast<uint32_t>(list_items_.size() + i)};
  }
  void fill_ref(RefSlot slot, NodeId id) {
    (slot.in_list ? list_items_ : args_)[slot.index] = PackedArg::make(PackedArg::ref, id);
    changed();
  }
  // Hands over an index of every key, built while adding nodes with unique keys (a reader that
  // checks keys as it goes), so that find() and validate() need not build their own.
  void adopt_index(KeyIndex index);

  // Reading.
  size_t size() const { return ops_.size(); }
  std::string_view key(NodeId n) const {
    uint32_t begin = n == 0 ? 0 : key_end_[n - 1];
    return {key_chars_.data() + begin, key_end_[n] - begin};
  }
  bool is_task(NodeId n) const { return ops_[n] != nullptr; }
  const Op* op(NodeId n) const { return ops_[n]; }
  const TaskOptions& options(NodeId n) const { return options_[n]; }
  std::span<const PackedArg> args(NodeId n) const {
    uint32_t begin = n == 0 ? 0 : arg_end_[n - 1];
    return {args_.data() + begin, arg_end_[n] - begin};
  }
  std::span<const PackedArg> list_items(uint32_t list) const {
    return {list_items_.data() + lists_[list].first, lists_[list].second - lists_[list].first};
  }
  const Value& literal(uint32_t index) const { return literals_[index]; }
  // The value of a literal node.
  const Value& literal_value(NodeId n) const { return literals_[args(n)[0].index()]; }

  // Looks a key up (builds an index on first use). find returns nullopt when absent; at throws
  // UsageError naming the key.
  std::optional<NodeId> find(std::string_view key) const;
  NodeId at(std::string_view key) const;

  // Calls f(dep) for every node referenced by n's arguments, lists included, repeats included.
  template <class F>
  void for_each_ref(NodeId n, F&& f) const {
    for_each_ref_in(args(n), f);
  }

  // The same for argument items (a task's args(), or a list's list_items()).
  template <class F>
  void for_each_ref_in(std::span<const PackedArg> items, F& f) const {
    for (PackedArg a : items) {
      if (a.kind() == PackedArg::ref)
        f(a.index());
      else if (a.kind() == PackedArg::list)
        for_each_ref_in(list_items(a.index()), f);
    }
  }

  // Nodes that no task references: the default targets, as in Dask.
  std::vector<NodeId> sinks() const;

  // Checks what cannot be checked while adding: unique keys, references to existing nodes, no
  // cycles (naming the keys of one cycle in order). Throws UsageError. Cached until the graph
  // changes.
  void validate() const;

  // Drops every node.
  void clear();

  // Memory the graph's arrays hold (capacity, not size), for the construction benchmark.
  size_t memory_bytes() const;

  // Per-graph cache for derived structures (validation state, topology, plans), owned here so
  // that it is dropped when the graph changes or dies. Opaque outside schedulers/analysis.
  struct Cache;
  Cache& cache() const;

 private:
  uint32_t pack_list(const std::vector<ArgSpec>& items, size_t depth);
  PackedArg pack(const ArgSpec& spec, size_t depth);
  NodeId finish_node(const Op* op, TaskOptions options, std::string_view key);
  Cache& indexed_cache() const;
  void changed();

  std::vector<const Op*> ops_;  // nullptr: a literal node
  std::vector<TaskOptions> options_;
  std::vector<uint32_t> key_end_;  // key of n: key_chars_[key_end_[n-1], key_end_[n])
  std::string key_chars_;
  std::vector<uint32_t> arg_end_;  // args of n: args_[arg_end_[n-1], arg_end_[n])
  std::vector<PackedArg> args_;
  std::vector<PackedArg> list_items_;
  std::vector<std::pair<uint32_t, uint32_t>> lists_;  // [begin, end) into list_items_
  std::vector<Value> literals_;
  const Op* pending_op_ = nullptr;  // the task between begin_task and end_task
  TaskOptions pending_options_;
  uint32_t pending_begin_ = 0;

  mutable std::mutex cache_mutex_;
  mutable std::unique_ptr<Cache> cache_;
};

}  // namespace schedlab
