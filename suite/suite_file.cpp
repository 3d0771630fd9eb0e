// Suite files: JSON, or TOML with the same fields (converted to the same JSON tree first, so that
// both are checked by one reader). Every field is checked for its type and range here, so that
// an error names the file, the cell and the field, and says what would be right.
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "schedlab/core/bounded_input.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/spec.hpp"

#ifdef SCHEDLAB_HAVE_TOML
#include <toml++/toml.h>
#endif

namespace schedlab::suite {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw UsageError(fmt::format("{}: {}", where, what));
}

std::string shown(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

int64_t whole_number(const json& v, const std::string& where, const char* field, int64_t min,
                     int64_t max) {
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX) ||
      v.get<int64_t>() < min || v.get<int64_t>() > max) {
    fail(where, fmt::format("\"{}\" must be a whole number from {} to {}, not {}", field, min, max,
                            shown(v)));
  }
  return v.get<int64_t>();
}

std::string text(const json& v, const std::string& where, const std::string& field) {
  if (!v.is_string()) fail(where, fmt::format("\"{}\" must be a string, not {}", field, shown(v)));
  return v.get<std::string>();
}

template <class F>
void each_item(const json& v, const std::string& where, const char* field, F&& f) {
  if (!v.is_array()) fail(where, fmt::format("\"{}\" must be a list, not {}", field, shown(v)));
  for (const json& item : v) f(item);
}

void check_keys(const json& j, const std::string& where, std::initializer_list<const char*> known) {
  for (const auto& item : j.items()) {
    const std::string& k = item.key();  // not a structured binding: clang 14 cannot capture one
    if (std::find_if(known.begin(), known.end(), [&](const char* n) { return k == n; }) ==
        known.end()) {
      std::string names;
      for (const char* n : known) names += (names.empty() ? "" : ", ") + std::string(n);
      fail(where, fmt::format("unknown field \"{}\" (fields: {})", k, names));
    }
  }
}

// Runs `f`, adding `where` to a UsageError from a check made elsewhere (a scenario, a scheduler).
template <class F>
auto in_context(const std::string& where, F&& f) {
  try {
    return f();
  } catch (const UsageError& e) {
    fail(where, e.what());
  }
}

void read_cell(const json& c, const std::string& where, SuiteSpec& spec) {
  if (!c.is_object())
    fail(where, fmt::format("a cell is an object with \"scenario\", not {}", shown(c)));
  check_keys(c, where, {"scenario", "params", "schedulers", "workers", "gil"});
  if (!c.contains("scenario")) fail(where, "no \"scenario\" (a scenario name or a graph file)");
  const std::string scenario = text(c["scenario"], where, "scenario");
  const std::string at = fmt::format("{} (scenario {})", where, scenario);
  kernels::Params params;
  if (c.contains("params")) {
    if (!c["params"].is_object()) fail(at, "\"params\" must be an object of name: value");
    for (const auto& [k, v] : c["params"].items()) {
      if (!v.is_string() && !v.is_number() && !v.is_boolean()) {
        fail(at,
             fmt::format("params.{} must be a string, number or true/false, not {}", k, shown(v)));
      }
      params[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
  }
  if (is_graph_file(scenario)) {
    if (!params.empty()) fail(at, "a graph file takes no \"params\"");
  } else {
    in_context(at,
               [&] { return kernels::complete_params(kernels::find_scenario(scenario), params); });
  }
  std::vector<std::string> schedulers;
  if (c.contains("schedulers")) {
    each_item(c["schedulers"], at, "schedulers", [&](const json& s) {
      schedulers.push_back(text(s, at, "schedulers"));
      in_context(at + ", \"schedulers\"",
                 [&] { return SchedulerRegistry::global().info(schedulers.back()).name; });
    });
  }
  if (schedulers.empty()) schedulers = every_scheduler();
  std::vector<unsigned> workers;
  if (c.contains("workers")) {
    each_item(c["workers"], at, "workers", [&](const json& w) {
      workers.push_back(static_cast<unsigned>(whole_number(w, at, "workers", 1, kMaxWorkers)));
    });
  }
  if (workers.empty()) workers = {1, 2, 4};
  bool gil = false;
  if (c.contains("gil")) {
    if (!c["gil"].is_boolean())
      fail(at, fmt::format("\"gil\" must be true or false, not {}", shown(c["gil"])));
    gil = c["gil"].get<bool>();
  }
  add_cells(spec, scenario, params, schedulers, workers, gil);
}

SuiteSpec read_suite(const json& j, const std::string& source) {
  if (!j.is_object()) fail(source, "a suite file is an object with \"cells\"");
  check_keys(j, source, {"unit_ms", "repeat", "warmup", "cells", "context"});
  SuiteSpec spec;
  if (j.contains("unit_ms")) {
    const json& u = j["unit_ms"];
    if (!u.is_number() || !std::isfinite(u.get<double>()) || u.get<double>() < 0 ||
        u.get<double>() > 60'000) {
      fail(source,
           fmt::format("\"unit_ms\" must be a number of milliseconds from 0 to 60000, not {}",
                       shown(u)));
    }
    spec.unit_ms = u.get<double>();
  }
  if (j.contains("repeat"))
    spec.repeat = static_cast<int>(whole_number(j["repeat"], source, "repeat", 1, 1000));
  if (j.contains("warmup"))
    spec.warmup = static_cast<int>(whole_number(j["warmup"], source, "warmup", 0, 100));
  if (j.contains("context")) {
    if (!j["context"].is_object()) fail(source, "\"context\" must be an object of name: text");
    for (const auto& [k, v] : j["context"].items())
      spec.context[k] = text(v, source, "context." + k);
  }
  if (!j.contains("cells") || !j["cells"].is_array() || j["cells"].empty()) {
    fail(source, "\"cells\" must be a non-empty list of cells");
  }
  for (size_t i = 0; i < j["cells"].size(); ++i) {
    read_cell(j["cells"][i], fmt::format("{}: cells[{}]", source, i), spec);
  }
  return spec;
}

#ifdef SCHEDLAB_HAVE_TOML
json from_toml(const toml::node& n, const std::string& source) {
  if (const toml::table* t = n.as_table()) {
    json out = json::object();
    for (const auto& [k, v] : *t) out[std::string(k.str())] = from_toml(v, source);
    return out;
  }
  if (const toml::array* a = n.as_array()) {
    json out = json::array();
    for (const toml::node& v : *a) out.push_back(from_toml(v, source));
    return out;
  }
  // By type, never value<T>() across types: toml++ converts 2e22 to int64 with undefined
  // behaviour (a fuzz finding).
  if (const auto* v = n.as_integer()) return v->get();
  if (const auto* v = n.as_floating_point()) return v->get();
  if (const auto* v = n.as_boolean()) return v->get();
  if (const auto* v = n.as_string()) return v->get();
  const auto& where = n.source().begin;
  fail(fmt::format("{}:{}:{}", source, where.line, where.column),
       "dates and times are not suite fields");
}
#endif

json parse_tree(std::string_view text, const std::string& source) {
  if (source.ends_with(".toml")) {
#ifdef SCHEDLAB_HAVE_TOML
    // toml++ 3.3 (Debian 12) reaches __builtin_unreachable on some non-ASCII characters (in its
    // whitespace tables; found by fuzz_suite_file): it never sees one. Strings can still hold
    // any character, written as \uXXXX.
    size_t line = 1, column = 1;
    for (unsigned char ch : text) {
      if (ch >= 0x80) {
        fail(fmt::format("{}:{}:{}", source, line, column),
             "a TOML suite file must be ASCII (write other characters in strings as \\uXXXX, or "
             "use a JSON suite file)");
      }
      column = ch == '\n' ? 1 : column + 1;
      line += ch == '\n';
    }
    try {
      return from_toml(toml::parse(text, source), source);
    } catch (const toml::parse_error& e) {
      const auto& at = e.source().begin;
      fail(fmt::format("{}:{}:{}", source, at.line, at.column),
           fmt::format("invalid TOML: {}", e.description()));
    }
#else
    fail(source,
         "this build reads JSON suite files only (install libtomlplusplus-dev and rebuild for "
         "TOML), or write the same fields as JSON");
#endif
  }
  return parse_json_input(text, source);
}

}  // namespace

SuiteSpec parse_suite_text(std::string_view text, const std::string& source) {
  const json tree = parse_tree(text, source);
  try {
    return read_suite(tree, source);
  } catch (const json::exception& e) {  // every field is checked first: this would be a bug
    throw std::logic_error(fmt::format("{}: {}", source, e.what()));
  }
}

SuiteSpec load_suite_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError(
        fmt::format("suite file '{}' is a directory; give a .json or .toml file", path));
  }
  return parse_suite_text(read_bounded_file(path, "suite file", kMaxSuiteFileBytes), path);
}

}  // namespace schedlab::suite
