#include "schedlab/core/value.hpp"

#include <fmt/format.h>

#include "schedlab/core/errors.hpp"

namespace schedlab {

std::string_view kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::null:
      return "null";
    case ValueKind::boolean:
      return "bool";
    case ValueKind::integer:
      return "int";
    case ValueKind::real:
      return "double";
    case ValueKind::string:
      return "string";
    case ValueKind::list:
      return "list";
    case ValueKind::array:
      return "array";
  }
  return "?";
}

namespace {
[[noreturn]] void wrong_kind(ValueKind want, ValueKind got) {
  throw TypeError(fmt::format("expected {}, got {}", kind_name(want), kind_name(got)));
}
}  // namespace

template <class T>
struct Value::Boxed final : Heap {
  explicit Boxed(T v) : value(std::move(v)) {}
  const T value;
};

Value::Value(std::string s) : kind_(ValueKind::string) {
  u_.heap = new Boxed<std::string>(std::move(s));
}
Value::Value(List items) : kind_(ValueKind::list) {
  u_.heap = new Boxed<List>(std::move(items));
}
Value::Value(Array data) : kind_(ValueKind::array) {
  u_.heap = new Boxed<Array>(std::move(data));
}

void Value::release() {
  if (u_.heap->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete u_.heap;
}

bool Value::as_bool() const {
  if (kind_ == ValueKind::boolean) return u_.b;
  wrong_kind(ValueKind::boolean, kind());
}

void Value::not_an_int() const {
  wrong_kind(ValueKind::integer, kind());
}

void Value::not_a_number() const {
  throw TypeError(fmt::format("expected a number, got {}", kind_name(kind())));
}

const std::string& Value::as_string() const {
  if (kind_ == ValueKind::string) return static_cast<const Boxed<std::string>*>(u_.heap)->value;
  wrong_kind(ValueKind::string, kind());
}

const List& Value::as_list() const {
  if (kind_ == ValueKind::list) return static_cast<const Boxed<List>*>(u_.heap)->value;
  wrong_kind(ValueKind::list, kind());
}

const Array& Value::as_array() const {
  if (kind_ == ValueKind::array) return static_cast<const Boxed<Array>*>(u_.heap)->value;
  wrong_kind(ValueKind::array, kind());
}

size_t Value::heap_bytes() const {
  size_t n = 0;
  switch (kind()) {
    case ValueKind::string:
      n += as_string().capacity();
      break;
    case ValueKind::array:
      n += as_array().size() * sizeof(double);
      break;
    case ValueKind::list:
      for (const Value& item : as_list()) n += item.approx_bytes();
      break;
    default:
      break;
  }
  return n;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::null:
      return true;
    case ValueKind::boolean:
      return a.as_bool() == b.as_bool();
    case ValueKind::integer:
      return a.as_int() == b.as_int();
    case ValueKind::real:
      return a.as_double() == b.as_double();
    case ValueKind::string:
      return a.as_string() == b.as_string();
    case ValueKind::list:
      return a.as_list() == b.as_list();
    case ValueKind::array:
      return a.as_array() == b.as_array();
  }
  return false;
}

namespace {
void render(const Value& v, std::string& out, size_t max_chars) {
  if (out.size() > max_chars) return;
  switch (v.kind()) {
    case ValueKind::null:
      out += "null";
      break;
    case ValueKind::boolean:
      out += v.as_bool() ? "true" : "false";
      break;
    case ValueKind::integer:
      out += fmt::format("{}", v.as_int());
      break;
    case ValueKind::real:
      out += fmt::format("{}", v.as_double());
      break;
    case ValueKind::string:
      out += fmt::format("\"{}\"", v.as_string());
      break;
    case ValueKind::list: {
      out += '[';
      const List& items = v.as_list();
      for (size_t i = 0; i < items.size() && out.size() <= max_chars; ++i) {
        if (i) out += ", ";
        render(items[i], out, max_chars);
      }
      out += ']';
      break;
    }
    case ValueKind::array: {
      out += "array[";
      const Array& data = v.as_array();
      for (size_t i = 0; i < data.size() && out.size() <= max_chars; ++i) {
        if (i) out += ", ";
        out += fmt::format("{}", data[i]);
      }
      out += ']';
      break;
    }
  }
}
}  // namespace

std::string to_display(const Value& v, size_t max_chars) {
  std::string out;
  render(v, out, max_chars);
  if (out.size() > max_chars) {
    out.resize(max_chars);
    out += "...";
  }
  return out;
}

bool nested_deeper_than(const Value& v, size_t levels) {
  if (v.kind() != ValueKind::list) return false;
  if (levels == 0) return true;
  for (const Value& item : v.as_list()) {
    if (nested_deeper_than(item, levels - 1)) return true;
  }
  return false;
}

}  // namespace schedlab
