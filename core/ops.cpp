#include "schedlab/core/ops.hpp"

#include <algorithm>
#include <mutex>

namespace schedlab {

std::string Arity::describe() const {
  if (max_args < 0)
    return fmt::format("at least {} argument{}", min_args, min_args == 1 ? "" : "s");
  if (min_args == max_args) return fmt::format("{} argument{}", min_args, min_args == 1 ? "" : "s");
  return fmt::format("{} to {} arguments", min_args, max_args);
}

namespace {
thread_local bool t_own_ops = false;
}  // namespace

OpRegistry::OwnOps::OwnOps() : before_(t_own_ops) {
  t_own_ops = true;
}
OpRegistry::OwnOps::~OwnOps() {
  t_own_ops = before_;
}

OpRegistry& OpRegistry::global() {
  static OpRegistry* registry = [] {
    auto* r = new OpRegistry();  // never destroyed: worker threads may look ops up at exit
    OwnOps own;
    register_builtin_ops(*r);
    return r;
  }();
  return *registry;
}

size_t OpRegistry::size() const {
  return count_.load(std::memory_order_acquire);
}

const Op* OpRegistry::by_id(uint32_t id) const {
  return id < count_.load(std::memory_order_acquire) ? by_id_[id].load(std::memory_order_relaxed)
                                                     : nullptr;
}

void OpRegistry::mark_reads_files(std::string_view name) {
  std::unique_lock lock(mutex_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw UsageError(fmt::format("unknown op '{}'", name));
  ops_[it->second->id]->reads_files = true;
}

const Op& OpRegistry::add(std::string name, std::string description, Arity arity, OpFn fn) {
  return add_op(std::move(name), std::move(description), arity, std::move(fn), nullptr);
}

const Op& OpRegistry::add_direct(std::string name, std::string description, Arity arity,
                                 DirectOpFn fn) {
  if (!fn) throw UsageError(fmt::format("op '{}' has no function: give add_direct one", name));
  return add_op(std::move(name), std::move(description), arity, fn, fn);
}

const Op& OpRegistry::add_op(std::string name, std::string description, Arity arity, OpFn fn,
                             DirectOpFn direct) {
  bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
  if (!valid) {
    throw UsageError(
        fmt::format("invalid op name '{}': use letters, digits, '_', '-' and '.' only", name));
  }
  std::unique_lock lock(mutex_);
  if (by_name_.contains(name)) {
    throw UsageError(fmt::format("op '{}' is already registered; choose another name", name));
  }
  if (ops_.size() >= kMaxOps) {
    throw UsageError(fmt::format("cannot register op '{}': at most {} ops", name, kMaxOps));
  }
  auto op =
      std::make_unique<Op>(Op{static_cast<uint32_t>(ops_.size()), std::move(name),
                              std::move(description), arity, std::move(fn), t_own_ops, direct});
  const Op& ref = *op;
  by_name_.emplace(ref.name, &ref);
  by_id_[ref.id].store(&ref, std::memory_order_relaxed);
  count_.store(static_cast<uint32_t>(ops_.size() + 1), std::memory_order_release);
  ops_.push_back(std::move(op));
  return ref;
}

const Op* OpRegistry::find(std::string_view name) const {
  std::shared_lock lock(mutex_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const Op& OpRegistry::get(std::string_view name) const {
  if (const Op* op = find(name)) return *op;
  std::string names;
  for (const Op* op : list()) names += (names.empty() ? "" : " ") + op->name;
  throw UsageError(fmt::format("unknown op '{}'; registered ops: {}", name, names));
}

std::vector<const Op*> OpRegistry::list() const {
  std::shared_lock lock(mutex_);
  std::vector<const Op*> out;
  for (const auto& op : ops_) out.push_back(op.get());
  std::sort(out.begin(), out.end(), [](const Op* a, const Op* b) { return a->name < b->name; });
  return out;
}

}  // namespace schedlab
