// Value: the small dynamic value that flows along the edges of a task graph.
//
// Values are immutable once built. Strings, lists and arrays live on the heap behind a
// shared_ptr, so copying a Value (handing a result to several dependents, on any thread) costs
// a reference-count increment, never a deep copy. Scalars are stored inline.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace schedlab {

class Value;
using List = std::vector<Value>;
using Array = std::vector<double>;  // dense array of doubles, for data kernels

enum class ValueKind : uint8_t { null, boolean, integer, real, string, list, array };

// The name users see in messages: "null", "bool", "int", "double", "string", "list", "array".
std::string_view kind_name(ValueKind kind);

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int v) : v_(int64_t{v}) {}
  Value(int64_t v) : v_(v) {}
  Value(double v) : v_(v) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(std::string s) : v_(std::make_shared<const std::string>(std::move(s))) {}
  Value(List items) : v_(std::make_shared<const List>(std::move(items))) {}
  Value(Array data) : v_(std::make_shared<const Array>(std::move(data))) {}

  ValueKind kind() const { return static_cast<ValueKind>(v_.index()); }
  bool is_null() const { return kind() == ValueKind::null; }
  bool is_number() const { return kind() == ValueKind::integer || kind() == ValueKind::real; }

  // Typed access. Each throws TypeError naming the expected and the actual kind.
  bool as_bool() const;
  int64_t as_int() const;
  double as_double() const;  // accepts int too (exactly as Python's float(int) would)
  const std::string& as_string() const;
  const List& as_list() const;
  const Array& as_array() const;

  // Approximate bytes held by this value (inline part plus heap payload), for memory reports.
  size_t approx_bytes() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  using Storage =
      std::variant<std::monostate, bool, int64_t, double, std::shared_ptr<const std::string>,
                   std::shared_ptr<const List>, std::shared_ptr<const Array>>;
  Storage v_;
};

// A compact human-readable rendering (JSON-like), for messages and the CLI.
std::string to_display(const Value& v, size_t max_chars = 200);

}  // namespace schedlab
