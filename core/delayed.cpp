#include "schedlab/core/delayed.hpp"

namespace schedlab {
namespace {

// The arithmetic ops, looked up once: operators are the hot path of graph construction.
const Op& builtin(const char* name) {
  static const Op* add = &OpRegistry::global().get("add");
  static const Op* sub = &OpRegistry::global().get("sub");
  static const Op* mul = &OpRegistry::global().get("mul");
  static const Op* div = &OpRegistry::global().get("div");
  switch (name[0]) {
    case 'a':
      return *add;
    case 's':
      return *sub;
    case 'm':
      return *mul;
    default:
      return *div;
  }
}

void same_graph(const Delayed& a, const Delayed& b) {
  if (&a.graph() != &b.graph()) {
    throw UsageError(
        fmt::format("'{}' and '{}' belong to different graphs; build one computation "
                    "in one Graph",
                    a.key(), b.key()));
  }
}

}  // namespace

Delayed literal(Graph& g, Value v, std::string_view key) {
  return Delayed(g, g.add_literal(key, std::move(v)));
}

Delayed operator+(const Delayed& a, const Delayed& b) {
  same_graph(a, b);
  return detail::emit(a.graph(), {}, builtin("add"), a, b);
}
Delayed operator-(const Delayed& a, const Delayed& b) {
  same_graph(a, b);
  return detail::emit(a.graph(), {}, builtin("sub"), a, b);
}
Delayed operator*(const Delayed& a, const Delayed& b) {
  same_graph(a, b);
  return detail::emit(a.graph(), {}, builtin("mul"), a, b);
}
Delayed operator/(const Delayed& a, const Delayed& b) {
  same_graph(a, b);
  return detail::emit(a.graph(), {}, builtin("div"), a, b);
}
Delayed binary(const char* op, const Delayed& a, Value b) {
  return detail::emit(a.graph(), {}, builtin(op), a, std::move(b));
}
Delayed binary(const char* op, Value a, const Delayed& b) {
  return detail::emit(b.graph(), {}, builtin(op), std::move(a), b);
}

}  // namespace schedlab
