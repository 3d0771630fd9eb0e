#include "schedlab/core/value_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/value_codec.hpp"

namespace schedlab {

nlohmann::json to_json(const Value& v) {
  switch (v.kind()) {
    case ValueKind::null:
      return nullptr;
    case ValueKind::boolean:
      return v.as_bool();
    case ValueKind::integer:
      return v.as_int();
    case ValueKind::real: {
      double d = v.as_double();
      return std::isfinite(d) ? nlohmann::json(d) : nlohmann::json(nullptr);
    }
    case ValueKind::string:
      return v.as_string();
    case ValueKind::list: {
      auto out = nlohmann::json::array();
      for (const Value& item : v.as_list()) out.push_back(to_json(item));
      return out;
    }
    case ValueKind::array: {
      auto out = nlohmann::json::array();
      for (double d : v.as_array()) {
        out.push_back(std::isfinite(d) ? nlohmann::json(d) : nlohmann::json(nullptr));
      }
      return out;
    }
  }
  return nullptr;
}

std::string json_string(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

Value convert(const nlohmann::json& j, const std::string& path, size_t depth) {
  using json = nlohmann::json;
  if (depth > kMaxValueDepth) {
    throw UsageError(fmt::format("{}: nested deeper than {} levels", path, kMaxValueDepth));
  }
  switch (j.type()) {
    case json::value_t::null:
      return Value();
    case json::value_t::boolean:
      return Value(j.get<bool>());
    case json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw UsageError(fmt::format("{}: integer {} does not fit in int64", path, u));
      }
      return Value(static_cast<int64_t>(u));
    }
    case json::value_t::number_float: {
      double d = j.get<double>();
      if (!std::isfinite(d)) throw UsageError(fmt::format("{}: number is not finite", path));
      return Value(d);
    }
    case json::value_t::string:
      return Value(j.get<std::string>());
    case json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (size_t i = 0; i < j.size(); ++i) {
        items.push_back(convert(j[i], fmt::format("{}/{}", path, i), depth + 1));
      }
      return Value(std::move(items));
    }
    case json::value_t::object: {
      if (j.size() == 1 && j.contains("array") && j["array"].is_array()) {
        Array data;
        data.reserve(j["array"].size());
        for (const auto& x : j["array"]) {
          if (!x.is_number()) {
            throw UsageError(fmt::format("{}/array: dense arrays hold numbers only", path));
          }
          data.push_back(x.get<double>());
        }
        return Value(std::move(data));
      }
      throw UsageError(fmt::format(
          "{}: objects are not values; write {{\"array\": [numbers]}} for a dense array", path));
    }
    default:
      break;
  }
  throw UsageError(fmt::format("{}: unsupported JSON value", path));
}

}  // namespace

Value value_from_json(const nlohmann::json& j) {
  return convert(j, "", 0);
}

}  // namespace schedlab
