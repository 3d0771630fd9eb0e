// Value: the small dynamic value that flows along the edges of a task graph.
//
// Values are immutable once built. Strings, lists and arrays live on the heap with a reference
// count, so copying a Value (handing a result to several dependents, on any thread) costs a
// reference-count increment, never a deep copy. Scalars are stored inline.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace schedlab {

class Value;
using List = std::vector<Value>;
using Array = std::vector<double>;  // dense array of doubles, for data kernels

enum class ValueKind : uint8_t { null, boolean, integer, real, string, list, array };

// The name users see in messages: "null", "bool", "int", "double", "string", "list", "array".
std::string_view kind_name(ValueKind kind);

class Value;
// Whether v has lists nested more than `levels` deep (a scalar or an array: 0; [1]: 1). Looks
// no deeper than that, so any value, however deep, is safe to ask about.
bool nested_deeper_than(const Value& v, size_t levels);

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : kind_(ValueKind::boolean) { u_.b = b; }
  Value(int v) : Value(int64_t{v}) {}
  Value(int64_t v) : kind_(ValueKind::integer) { u_.i = v; }
  Value(double v) : kind_(ValueKind::real) { u_.d = v; }
  Value(const char* s) : Value(std::string(s)) {}
  Value(std::string s);
  Value(List items);
  Value(Array data);

  Value(const Value& o) : kind_(o.kind_), u_(o.u_) {
    if (on_heap()) u_.heap->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Value(Value&& o) noexcept : kind_(o.kind_), u_(o.u_) { o.kind_ = ValueKind::null; }
  Value& operator=(const Value& o) {
    Value copy(o);
    swap(copy);
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    Value moved(std::move(o));
    swap(moved);
    return *this;
  }
  ~Value() {
    if (on_heap()) release();
  }

  ValueKind kind() const { return kind_; }
  bool is_null() const { return kind() == ValueKind::null; }
  // Whether it holds a reference to heap memory (strings, lists, arrays): copying it counts a
  // reference, destroying it may free.
  bool on_heap() const { return kind_ >= ValueKind::string; }
  bool is_number() const { return kind() == ValueKind::integer || kind() == ValueKind::real; }

  // Typed access. Each throws TypeError naming the expected and the actual kind.
  bool as_bool() const;
  // (Inline: every arithmetic task reads its arguments through these.)
  int64_t as_int() const {
    if (kind_ != ValueKind::integer) not_an_int();
    return u_.i;
  }
  double as_double() const {  // accepts int too (exactly as Python's float(int) would)
    if (kind_ == ValueKind::real) return u_.d;
    if (kind_ != ValueKind::integer) not_a_number();
    return static_cast<double>(u_.i);
  }
  const std::string& as_string() const;
  const List& as_list() const;
  const Array& as_array() const;

  // Approximate bytes held by this value (inline part plus heap payload), for memory reports.
  // Inline for scalars: the scheduling core asks for every result.
  size_t approx_bytes() const { return on_heap() ? sizeof(Value) + heap_bytes() : sizeof(Value); }

  friend bool operator==(const Value& a, const Value& b);

 private:
  // A tag and one 8-byte slot: scalars inline, strings, lists and arrays in a block with its
  // own reference count. (It was a std::variant of shared_ptrs: its copy, move and destroy
  // dispatch through a jump table even for an int, and the scheduling core does each of them
  // for every task; here a scalar is a plain copy behind one predictable branch.)
  struct Heap {
    std::atomic<uint32_t> refs{1};
    virtual ~Heap() = default;
  };
  template <class T>
  struct Boxed;

  [[noreturn]] void not_an_int() const;    // throws TypeError
  [[noreturn]] void not_a_number() const;  // throws TypeError
  void release();
  size_t heap_bytes() const;
  void swap(Value& o) noexcept {
    std::swap(kind_, o.kind_);
    std::swap(u_, o.u_);
  }

  ValueKind kind_ = ValueKind::null;
  union Slot {
    bool b;
    int64_t i;
    double d;
    Heap* heap;
  } u_{.i = 0};
};

// A compact human-readable rendering (JSON-like), for messages and the CLI.
std::string to_display(const Value& v, size_t max_chars = 200);

}  // namespace schedlab
