// Conversion between Value and JSON (nlohmann::json).
//
// To JSON: lists and arrays both become JSON arrays; a double that is not finite becomes null
// (JSON has no NaN). From JSON: integers stay int64 (one that does not fit is an error),
// numbers with a fraction or exponent are doubles, arrays are lists, and {"array": [numbers]}
// is a dense array. Any other object is refused: only the graph-file loader knows {"ref": K}.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "schedlab/core/value.hpp"

namespace schedlab {

nlohmann::json to_json(const Value& v);
// A string as a JSON string literal, quotes and escapes included (invalid UTF-8 replaced).
std::string json_string(std::string_view s);
// Throws UsageError naming the JSON pointer path of the offending element.
Value value_from_json(const nlohmann::json& j);

}  // namespace schedlab
