#include "schedlab/core/graph.hpp"

#include <fmt/format.h>

#include <charconv>

#include "schedlab/core/graph_cache.hpp"
#include "schedlab/core/value_codec.hpp"

namespace schedlab {

std::string_view lock_name(LockKind lock) {
  switch (lock) {
    case LockKind::none:
      return "none";
    case LockKind::process:
      return "process";
    case LockKind::global:
      return "global";
  }
  return "?";
}

std::optional<LockKind> parse_lock(std::string_view name) {
  for (LockKind k : {LockKind::none, LockKind::process, LockKind::global}) {
    if (lock_name(k) == name) return k;
  }
  return std::nullopt;
}

TaskOptions TaskOptions::sleeping(double ms, LockKind lock) {
  if (!(ms >= 0 && ms <= kMaxSleepMs)) {
    throw UsageError(fmt::format("sleep_ms {} is out of range: use 0 to {} ms", ms, kMaxSleepMs));
  }
  return TaskOptions{static_cast<uint32_t>(ms * 1000.0 + 0.5), lock};
}

Graph::Graph(Graph&& o) noexcept {
  *this = std::move(o);
}

Graph& Graph::operator=(Graph&& o) noexcept {
  ops_ = std::move(o.ops_);
  options_ = std::move(o.options_);
  key_end_ = std::move(o.key_end_);
  key_chars_ = std::move(o.key_chars_);
  arg_end_ = std::move(o.arg_end_);
  args_ = std::move(o.args_);
  list_items_ = std::move(o.list_items_);
  lists_ = std::move(o.lists_);
  literals_ = std::move(o.literals_);
  cache_ = std::move(o.cache_);  // ids and hashes only: valid for the moved arrays
  return *this;
}

Graph::Graph() = default;
Graph::~Graph() = default;

void Graph::changed() {
  if (cache_) {
    std::lock_guard lock(cache_mutex_);
    cache_.reset();
  }
}

NodeId Graph::finish_node(const Op* op, TaskOptions options, std::string_view key) {
  if (ops_.size() >= kMaxNodes) {
    throw UsageError(fmt::format("a graph holds at most {} nodes", kMaxNodes));
  }
  auto id = static_cast<NodeId>(ops_.size());
  if (key.empty()) {
    // "<op>-<id>", written by hand: this is the hot path of graph construction.
    key_chars_.append(op ? std::string_view(op->name) : std::string_view("literal"));
    char digits[16];
    digits[0] = '-';
    char* end = std::to_chars(digits + 1, digits + sizeof digits, id).ptr;
    key_chars_.append(digits, end);
  } else {
    key_chars_.append(key);
  }
  key_end_.push_back(static_cast<uint32_t>(key_chars_.size()));
  ops_.push_back(op);
  options_.push_back(options);
  arg_end_.push_back(static_cast<uint32_t>(args_.size()));
  changed();
  return id;
}

NodeId Graph::add_literal(std::string_view key, Value value) {
  args_.push_back(PackedArg::make(PackedArg::literal, static_cast<uint32_t>(literals_.size())));
  literals_.push_back(std::move(value));
  return finish_node(nullptr, {}, key);
}

PackedArg Graph::pack(const ArgSpec& spec, size_t depth) {
  if (auto* v = std::get_if<Value>(&spec.v)) {
    literals_.push_back(*v);
    return PackedArg::make(PackedArg::literal, static_cast<uint32_t>(literals_.size() - 1));
  }
  if (auto* r = std::get_if<Ref>(&spec.v)) return PackedArg::make(PackedArg::ref, r->id);
  return PackedArg::make(PackedArg::list,
                         pack_list(std::get<std::vector<ArgSpec>>(spec.v), depth + 1));
}

// Lists are packed bottom-up so that each list's items end up contiguous in list_items_.
uint32_t Graph::pack_list(const std::vector<ArgSpec>& items, size_t depth) {
  if (depth > kMaxValueDepth) {
    throw UsageError(fmt::format("argument lists nested deeper than {} levels", kMaxValueDepth));
  }
  std::vector<PackedArg> packed;
  packed.reserve(items.size());
  for (const ArgSpec& item : items) packed.push_back(pack(item, depth));
  auto begin = static_cast<uint32_t>(list_items_.size());
  list_items_.insert(list_items_.end(), packed.begin(), packed.end());
  lists_.emplace_back(begin, static_cast<uint32_t>(list_items_.size()));
  return static_cast<uint32_t>(lists_.size() - 1);
}

NodeId Graph::add_task(std::string_view key, const Op& op, std::span<const ArgSpec> args,
                       TaskOptions options) {
  if (!op.arity.accepts(args.size())) {
    throw UsageError(fmt::format("task '{}': op {} takes {}, got {}", key.empty() ? op.name : key,
                                 op.name, op.arity.describe(), args.size()));
  }
  std::vector<PackedArg> packed;
  packed.reserve(args.size());
  for (const ArgSpec& a : args) packed.push_back(pack(a, 0));
  args_.insert(args_.end(), packed.begin(), packed.end());
  return finish_node(&op, options, key);
}

NodeId Graph::add_task(std::string_view key, std::string_view op, std::span<const ArgSpec> args,
                       TaskOptions options) {
  return add_task(key, OpRegistry::global().get(op), args, options);
}

void Graph::begin_task(const Op& op, TaskOptions options) {
  pending_op_ = &op;
  pending_options_ = options;
  pending_begin_ = static_cast<uint32_t>(args_.size());
}

void Graph::push_literal(Value v) {
  args_.push_back(PackedArg::make(PackedArg::literal, static_cast<uint32_t>(literals_.size())));
  literals_.push_back(std::move(v));
}

void Graph::push_ref_list(std::span<const NodeId> ids) {
  auto begin = static_cast<uint32_t>(list_items_.size());
  for (NodeId id : ids) list_items_.push_back(PackedArg::make(PackedArg::ref, id));
  lists_.emplace_back(begin, static_cast<uint32_t>(list_items_.size()));
  args_.push_back(PackedArg::make(PackedArg::list, static_cast<uint32_t>(lists_.size() - 1)));
}

NodeId Graph::end_task(std::string_view key, std::optional<TaskOptions> options) {
  if (options) pending_options_ = *options;
  const Op& op = *pending_op_;
  size_t n = args_.size() - pending_begin_;
  if (!op.arity.accepts(n)) {
    args_.resize(pending_begin_);
    throw UsageError(fmt::format("op {} takes {}, got {}", op.name, op.arity.describe(), n));
  }
  return finish_node(&op, pending_options_, key);
}

Graph::Cache& Graph::cache() const {
  std::lock_guard lock(cache_mutex_);
  if (!cache_) cache_ = std::make_unique<Cache>();
  return *cache_;
}

Graph::Cache& Graph::indexed_cache() const {
  Cache& c = cache();
  std::lock_guard lock(cache_mutex_);
  if (!c.indexed) {
    c.index.reserve(size());
    auto key_of = [this](NodeId n) { return key(n); };
    for (NodeId n = 0; n < size(); ++n) {
      NodeId first = c.index.insert(key(n), n, key_of);
      if (first != KeyIndex::kAbsent && !c.duplicate) c.duplicate = {first, n};
    }
    c.indexed = true;
  }
  return c;
}

std::optional<NodeId> Graph::find(std::string_view key) const {
  NodeId n = indexed_cache().index.find(key, [this](NodeId id) { return this->key(id); });
  if (n == KeyIndex::kAbsent) return std::nullopt;
  return n;
}

void Graph::adopt_index(KeyIndex index) {
  Cache& c = cache();
  std::lock_guard lock(cache_mutex_);
  c.index = std::move(index);
  c.indexed = true;
  c.duplicate.reset();
}

NodeId Graph::at(std::string_view key) const {
  if (auto n = find(key)) return *n;
  throw UsageError(fmt::format("key '{}' is not in the graph ({} nodes)", key, size()));
}

std::vector<NodeId> Graph::sinks() const {
  // Computed once: a graph file without targets asks for them, then validation again.
  Cache& c = cache();
  {
    std::lock_guard lock(c.plan_mutex);
    if (c.sinks) return *c.sinks;
  }
  std::vector<uint8_t> referenced(size(), 0);
  for (NodeId n = 0; n < size(); ++n) {
    for_each_ref(n, [&](NodeId d) {
      if (d < referenced.size()) referenced[d] = 1;
    });
  }
  std::vector<NodeId> out;
  for (NodeId n = 0; n < size(); ++n) {
    if (!referenced[n]) out.push_back(n);
  }
  std::lock_guard lock(c.plan_mutex);
  if (!c.sinks) c.sinks = out;
  return out;
}

void Graph::validate() const {
  if (cache().validated) return;
  if (const auto& dup = indexed_cache().duplicate) {
    throw UsageError(fmt::format("duplicate key '{}' (nodes {} and {}): keys must be unique",
                                 key(dup->first), dup->first, dup->second));
  }
  for (NodeId n = 0; n < size(); ++n) {
    for_each_ref(n, [&](NodeId d) {
      if (d >= size()) {
        throw UsageError(
            fmt::format("task '{}' refers to node {}, which does not exist", key(n), d));
      }
    });
  }
  // Every node is needed by the sinks of an acyclic graph, so the plan that proves there is no
  // cycle is also the plan of the default targets: kept for the compute that usually follows.
  const std::vector<NodeId> targets = sinks();
  auto plan = std::make_shared<const Plan>(detail::build_plan(*this, targets, /*all_nodes=*/true));
  Cache& c = cache();
  {
    std::lock_guard lock(c.plan_mutex);
    if (!c.plan) c.plan = std::move(plan);
  }
  std::lock_guard lock(cache_mutex_);
  c.validated = true;
}

void Graph::clear() {
  *this = Graph();
}

size_t Graph::memory_bytes() const {
  size_t literal_heap = 0;
  for (const Value& v : literals_) literal_heap += v.approx_bytes() - sizeof(Value);
  return ops_.capacity() * sizeof(const Op*) + options_.capacity() * sizeof(TaskOptions) +
         key_end_.capacity() * 4 + key_chars_.capacity() + arg_end_.capacity() * 4 +
         args_.capacity() * sizeof(PackedArg) + list_items_.capacity() * sizeof(PackedArg) +
         lists_.capacity() * 8 + literals_.capacity() * sizeof(Value) + literal_heap;
}

}  // namespace schedlab
