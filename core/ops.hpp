// Ops: the named operations that tasks run.
//
// Tasks refer to ops by name, never by function pointer, so that a graph file, a worker process
// or another machine can run them. The registry is process-wide and append-only: ops are
// registered at start-up (built-ins on first use) and never removed, so an Op pointer stays
// valid for the life of the process and lookups need no lock on the hot path.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/value.hpp"

namespace schedlab {

using ArgSpan = std::span<const Value>;
using OpFn = std::function<Value(ArgSpan)>;
// An op with no state of its own: called without std::function's indirection and captures
// (the built-ins, on every task of the large graphs).
using DirectOpFn = Value (*)(ArgSpan);

// How many arguments an op accepts; max_args < 0 means any number from min_args up.
struct Arity {
  int min_args = 0;
  int max_args = -1;
  bool accepts(size_t n) const {
    return static_cast<int>(n) >= min_args && (max_args < 0 || static_cast<int>(n) <= max_args);
  }
  std::string describe() const;
};

struct Op {
  uint32_t id;  // registration order: the same in a forked worker process as in its parent
  std::string name;
  std::string description;  // one line, for `schedlab list`
  Arity arity;
  OpFn fn;
  // schedlab's own (built in, or a scenario's): `predict` may run it to time it. Other ops are
  // the user's code, which predict runs only when asked (see suite/prepared.hpp).
  bool own = false;
  DirectOpFn direct = nullptr;  // set when the op was registered as one: then fn calls it
  // It opens a file its argument names (flights.read). Graph files may not name such an op: a
  // graph file someone sends must not make schedlab open a path of its choosing. Scenarios,
  // which build their paths under --data themselves, may.
  bool reads_files = false;

  Value call(ArgSpan args) const { return direct ? direct(args) : fn(args); }
};

class OpRegistry {
 public:
  // The process-wide registry, with the built-in ops already registered.
  static OpRegistry& global();

  // Registers an op taking Values. Throws UsageError if the name is taken or invalid.
  const Op& add(std::string name, std::string description, Arity arity, OpFn fn);
  // The same for a function with no state: tasks call it directly (see DirectOpFn).
  const Op& add_direct(std::string name, std::string description, Arity arity, DirectOpFn fn);

  // Registers a plain C++ callable with typed parameters (Value, bool, int64_t, int, double,
  // std::string, List, Array, by value or const reference). Arguments are converted on each
  // call; a mismatch is a task error such as "argument 2: expected int, got string".
  template <class F>
  const Op& add_typed(std::string name, std::string description, F f);

  // While one lives, ops this thread registers are marked `own` (schedlab's, not the user's).
  class OwnOps {
   public:
    OwnOps();
    ~OwnOps();
    OwnOps(const OwnOps&) = delete;
    OwnOps& operator=(const OwnOps&) = delete;

   private:
    bool before_;
  };

  // Marks a registered op as one that opens files (Op::reads_files). UsageError if unknown.
  void mark_reads_files(std::string_view name);

  const Op* find(std::string_view name) const;
  // Like find, but throws UsageError naming the op and listing the registered ones.
  const Op& get(std::string_view name) const;
  std::vector<const Op*> list() const;  // sorted by name
  size_t size() const;
  const Op* by_id(uint32_t id) const;  // nullptr if there is no such op

 private:
  OpRegistry() = default;
  const Op& add_op(std::string name, std::string description, Arity arity, OpFn fn,
                   DirectOpFn direct);
  static constexpr size_t kMaxOps = 16384;
  mutable std::shared_mutex mutex_;
  std::vector<std::unique_ptr<Op>> ops_;
  // by_id reads these without any lock: a forked worker process may have inherited mutex_
  // locked by a thread that does not exist in it.
  std::unique_ptr<std::atomic<const Op*>[]> by_id_ { new std::atomic<const Op*>[kMaxOps] {} };
  std::atomic<uint32_t> count_{0};
  std::unordered_map<std::string_view, const Op*> by_name_;
};

// Shorthands for the global registry.
template <class F>
const Op& register_op(std::string name, std::string description, F f) {
  return OpRegistry::global().add_typed(std::move(name), std::move(description), std::move(f));
}

void register_builtin_ops(OpRegistry& registry);

namespace detail {

template <class T>
T convert_arg(const Value& v, size_t index) {
  using U = std::remove_cvref_t<T>;
  try {
    if constexpr (std::is_same_v<U, Value>)
      return v;
    else if constexpr (std::is_same_v<U, bool>)
      return v.as_bool();
    else if constexpr (std::is_same_v<U, double>)
      return v.as_double();
    else if constexpr (std::is_integral_v<U>) {
      int64_t x = v.as_int();
      if (!std::in_range<U>(x)) throw TypeError(fmt::format("{} is out of range", x));
      return static_cast<U>(x);
    } else if constexpr (std::is_same_v<U, std::string>)
      return v.as_string();
    else if constexpr (std::is_same_v<U, List>)
      return v.as_list();
    else if constexpr (std::is_same_v<U, Array>)
      return v.as_array();
    else
      static_assert(sizeof(U) == 0, "unsupported parameter type for a typed op");
  } catch (const TypeError& e) {
    throw TypeError(fmt::format("argument {}: {}", index + 1, e.what()));
  }
}

template <class F>
struct CallableTraits : CallableTraits<decltype(&F::operator())> {};
template <class R, class... A>
struct CallableTraits<R (*)(A...)> {
  using Args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct CallableTraits<R (C::*)(A...) const> {
  using Args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct CallableTraits<R (C::*)(A...)> {
  using Args = std::tuple<A...>;
};

template <class F, class... A, size_t... I>
Value call_typed(F& f, ArgSpan args, std::index_sequence<I...>) {
  return Value(f(convert_arg<A>(args[I], I)...));
}

}  // namespace detail

template <class F>
const Op& OpRegistry::add_typed(std::string name, std::string description, F f) {
  using Args = typename detail::CallableTraits<std::decay_t<F>>::Args;
  constexpr int n = static_cast<int>(std::tuple_size_v<Args>);
  auto fn = [f = std::move(f)](ArgSpan args) mutable -> Value {
    return [&]<class... A>(std::tuple<A...>*) {
      return detail::call_typed<F, A...>(f, args, std::index_sequence_for<A...>{});
    }(static_cast<Args*>(nullptr));
  };
  return add(std::move(name), std::move(description), Arity{n, n}, std::move(fn));
}

}  // namespace schedlab
