// The precise graph-file reader, used when the fast one (graph_file_fast.cpp) gives up: a SAX
// handler over nlohmann::json's parser rather than a DOM walk:
// the SAX events let us stop at the first duplicate key (a DOM silently keeps the last one)
// and tell the exact line and column of every error, which a DOM has forgotten.
#include "schedlab/core/graph_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "graph_file_fast.hpp"
#include "schedlab/core/bounded_input.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/core/value_json.hpp"

namespace schedlab {
namespace {

using json = nlohmann::json;

// An iterator over the text that records how far the parser has read, so that each SAX event
// knows where it happened.
struct TrackedIt {
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;
  const char* p = nullptr;
  const char** furthest = nullptr;
  reference operator*() const { return *p; }
  TrackedIt& operator++() {
    ++p;
    if (p > *furthest) *furthest = p;
    return *this;
  }
  TrackedIt operator++(int) {
    TrackedIt old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackedIt& o) const { return p == o.p; }
};

struct Pos {
  size_t offset = 0;
};

// An argument as written in the file: references are still keys.
struct FileArg {
  std::variant<Value, std::pair<std::string, Pos>, std::vector<FileArg>> v;
};

struct TaskDraft {
  std::string key;
  Pos pos;
  std::unordered_set<std::string> fields;
  bool has_value = false;
  Value value;
  std::string op;
  Pos op_pos;
  bool has_args = false;
  std::vector<FileArg> args;
  double sleep_ms = 0;
  LockKind lock = LockKind::none;
};

enum class Frame : uint8_t { top, tasks, task, targets, list, object_literal, dense };

struct FrameState {
  Frame kind;
  Pos pos;
  bool allow_refs = false;
  std::string field;  // in objects: the key whose value comes next
  std::unordered_set<std::string> fields;
  std::vector<FileArg> items;     // list
  std::optional<FileArg> result;  // object_literal
  Array dense;
};

class Reader {
 public:
  Reader(std::string_view text, std::string_view source)
      : text_(text), source_(source), furthest_(text.data()) {}

  LoadedGraph read() {
    // nlohmann's lexer takes a NUL byte for the end of the input, so "{...}\0anything" would
    // parse; JSON text has no raw NUL anywhere (inside strings it is written \u0000).
    if (size_t nul = text_.find('\0'); nul != std::string_view::npos) {
      fail(Pos{nul}, "invalid JSON: a NUL byte (JSON text has none; in a string write \\u0000)");
    }
    TrackedIt begin{text_.data(), &furthest_}, end{text_.data() + text_.size(), &furthest_};
    json::sax_parse(begin, end, this);
    if (!seen_top_) fail(Pos{0}, "the file is empty; expected an object {\"tasks\": {...}}");
    return build();
  }

  // --- SAX interface ------------------------------------------------------------------------
  bool null() { return scalar(Value()); }
  bool boolean(bool b) { return scalar(Value(b)); }
  bool number_integer(int64_t i) { return scalar(Value(i)); }
  bool number_unsigned(uint64_t u) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(token_start(), fmt::format("integer {} does not fit in int64", u));
    }
    return scalar(Value(static_cast<int64_t>(u)));
  }
  bool number_float(double d, const std::string& raw) {
    if (raw.find_first_of(".eE") == std::string::npos) {
      fail(token_start(), fmt::format("integer {} does not fit in int64", raw));
    }
    if (!std::isfinite(d)) fail(token_start(), fmt::format("number {} is not finite", raw));
    return scalar(Value(d));
  }
  bool string(std::string& s) { return scalar(Value(std::move(s))); }
  bool binary(json::binary_t&) { return scalar(Value()); }

  bool key(std::string& k) {
    Pos at = token_start();
    mark();
    FrameState& f = stack_.back();
    switch (f.kind) {
      case Frame::top:
        if (k != "tasks" && k != "targets" && k != "version" && k != "description") {
          fail(at, fmt::format("unknown field \"{}\"; a graph file has \"tasks\", \"targets\" and "
                               "optionally \"version\" and \"description\"",
                               k));
        }
        break;
      case Frame::tasks:
        if (k.empty() || k.size() > kMaxKeyBytes) {
          fail(at, fmt::format("task keys must be 1 to {} bytes long", kMaxKeyBytes));
        }
        if (auto [first, added] = task_keys_.try_emplace(k, at); !added) {
          auto [line, column] = line_column(first->second);
          fail(at, fmt::format("duplicate task key \"{}\" (first defined at line {}, column {}); "
                               "each task needs a key of its own",
                               k, line, column));
        }
        break;
      case Frame::task:
        if (k != "value" && k != "op" && k != "args" && k != "sleep_ms" && k != "lock") {
          fail(at, fmt::format("task \"{}\": unknown field \"{}\"; a task has \"op\", \"args\", "
                               "\"sleep_ms\" and \"lock\", or a \"value\"",
                               draft_.key, k));
        }
        break;
      case Frame::object_literal:
        if (k != "ref" && k != "array") {
          fail(at, fmt::format("unknown object field \"{}\": an object must be {{\"ref\": KEY}} "
                               "(a reference) or {{\"array\": [numbers]}} (a dense array)",
                               k));
        }
        if (!f.fields.empty()) fail(at, "a {\"ref\"} or {\"array\"} object has exactly one field");
        break;
      default:
        break;
    }
    if (!f.fields.insert(k).second) fail(at, fmt::format("duplicate field \"{}\"", k));
    f.field = std::move(k);
    if (f.kind == Frame::tasks) {
      draft_ = TaskDraft{};
      draft_.key = f.field;
      draft_.pos = at;
    }
    return true;
  }

  bool start_object(size_t) {
    Pos at = token_start();
    mark();
    if (stack_.empty()) {
      if (seen_top_) fail(at, "unexpected second top-level value");
      seen_top_ = true;
      return push(Frame::top, at);
    }
    FrameState& f = stack_.back();
    if (f.kind == Frame::top && f.field == "tasks") return push(Frame::tasks, at);
    if (f.kind == Frame::tasks) return push(Frame::task, at);
    if (f.kind == Frame::task && f.field == "value") return push(Frame::object_literal, at, false);
    if (f.kind == Frame::list) return push(Frame::object_literal, at, f.allow_refs);
    fail(at, fmt::format("unexpected object {}", where()));
  }

  bool start_array(size_t) {
    Pos at = token_start();
    mark();
    if (stack_.empty()) fail(at, "a graph file is an object {\"tasks\": {...}}, not an array");
    FrameState& f = stack_.back();
    if (f.kind == Frame::top && f.field == "targets") return push(Frame::targets, at);
    if (f.kind == Frame::task && f.field == "args") return push(Frame::list, at, true);
    if (f.kind == Frame::task && f.field == "value") return push(Frame::list, at, false);
    if (f.kind == Frame::list) return push(Frame::list, at, f.allow_refs);
    if (f.kind == Frame::object_literal && f.field == "array") return push(Frame::dense, at);
    fail(at, fmt::format("unexpected array {}", where()));
  }

  bool end_object() {
    mark();
    FrameState f = std::move(stack_.back());
    stack_.pop_back();
    if (f.kind == Frame::task) {
      finish_task(f);
    } else if (f.kind == Frame::object_literal) {
      if (!f.result) fail(f.pos, "an empty object is not a value; write {\"ref\": KEY}");
      deliver(std::move(*f.result), f.pos);
    } else if (f.kind == Frame::top && !f.fields.contains("tasks")) {
      fail(f.pos, "the graph has no \"tasks\" object");
    }
    return true;
  }

  bool end_array() {
    mark();
    FrameState f = std::move(stack_.back());
    stack_.pop_back();
    if (f.kind == Frame::list) deliver(FileArg{std::move(f.items)}, f.pos);
    if (f.kind == Frame::dense) deliver(FileArg{Value(std::move(f.dense))}, f.pos);
    return true;
  }

  bool parse_error(size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) {
    Pos at{position > 0 ? position - 1 : 0};
    if (text_.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      fail(Pos{0}, "the file is empty; expected an object {\"tasks\": {...}}");
    }
    if (e.id == 406) fail(token_start(), fmt::format("number {} is not finite", token));
    std::string what = e.what();
    // nlohmann's text reads "[json.exception.parse_error.101] parse error at line 3, column 5:
    // syntax error ..."; keep only the part after the location.
    auto colon = what.find(": ", what.find("parse error"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    fail(at, "invalid JSON: " + what);
  }

 private:
  // "line L, column C" of a position (1-based).
  std::pair<size_t, size_t> line_column(Pos at) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at.offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return {line, column};
  }

  [[noreturn]] void fail(Pos at, const std::string& message) const {
    auto [line, column] = line_column(at);
    throw UsageError(fmt::format("{}:{}:{}: {}", source_, line, column, message));
  }

  // Where the current token starts: the first character after the previous event that is not
  // white space or a separator.
  Pos token_start() const {
    size_t i = last_end_;
    while (i < text_.size() && (std::isspace(static_cast<unsigned char>(text_[i])) ||
                                text_[i] == ',' || text_[i] == ':')) {
      ++i;
    }
    return Pos{i};
  }
  void mark() { last_end_ = static_cast<size_t>(furthest_ - text_.data()); }

  std::string where() const {
    const FrameState& f = stack_.back();
    switch (f.kind) {
      case Frame::top:
        return fmt::format("for \"{}\"", f.field);
      case Frame::task:
        return fmt::format("for field \"{}\" of task \"{}\"", f.field, draft_.key);
      case Frame::tasks:
        return "";
      case Frame::targets:
        return "in \"targets\" (a list of keys)";
      case Frame::object_literal:
        return fmt::format("for \"{}\"", f.field);
      case Frame::dense:
        return "in a dense array (numbers only)";
      case Frame::list:
        return "in a list";
    }
    return "";
  }

  bool push(Frame kind, Pos at, bool allow_refs = false) {
    // Below the file's own levels (top, tasks, task), a value may nest kMaxValueDepth levels;
    // an argument as deep as a value, since the args list around it is not part of it.
    const bool in_args = stack_.size() > 3 && stack_[3].allow_refs;
    if (stack_.size() >= kMaxValueDepth + 3 + (in_args ? 1 : 0)) {
      fail(at, fmt::format("nested deeper than {} levels", kMaxValueDepth));
    }
    stack_.push_back(FrameState{kind, at, allow_refs, {}, {}, {}, {}, {}});
    return true;
  }

  bool scalar(Value v) {
    Pos at = token_start();
    mark();
    if (stack_.empty()) fail(at, "a graph file is an object {\"tasks\": {...}}");
    deliver(FileArg{std::move(v)}, at);
    return true;
  }

  // Hands a finished value (scalar, list or object) to the frame that contains it.
  void deliver(FileArg arg, Pos at) {
    if (stack_.empty()) return;
    FrameState& f = stack_.back();
    auto* value = std::get_if<Value>(&arg.v);
    switch (f.kind) {
      case Frame::list:
        f.items.push_back(std::move(arg));
        return;
      case Frame::dense:
        if (!value || !value->is_number()) fail(at, "a dense array holds numbers only");
        f.dense.push_back(value->as_double());
        return;
      case Frame::targets:
        if (!value || value->kind() != ValueKind::string) {
          fail(at, "\"targets\" is a list of keys (strings)");
        }
        targets_.emplace_back(value->as_string(), at);
        return;
      case Frame::object_literal:
        if (f.field == "ref") {
          if (!value || value->kind() != ValueKind::string)
            fail(at, "\"ref\" takes a key (string)");
          if (!f.allow_refs) {
            fail(at,
                 "a \"value\" is a literal and cannot hold references; use a task with op "
                 "\"identity\" instead");
          }
          f.result = FileArg{std::pair{value->as_string(), at}};
        } else {
          if (!value || value->kind() != ValueKind::array) {
            fail(at, "\"array\" takes a list of numbers");
          }
          f.result = std::move(arg);  // the dense array delivered by its frame
        }
        return;
      case Frame::top:
        if (f.field == "version") {
          if (!value || value->kind() != ValueKind::integer || value->as_int() != 1) {
            fail(at, "\"version\" must be 1, the only graph-file version");
          }
        } else if (f.field == "description") {
          if (!value || value->kind() != ValueKind::string) fail(at, "\"description\" is a string");
          description_ = value->as_string();
        } else {
          fail(at, f.field == "tasks" ? "\"tasks\" must be an object of key: task"
                                      : "\"targets\" must be a list of keys");
        }
        return;
      case Frame::tasks:
        fail(at, fmt::format("task \"{}\" must be an object", f.field));
      case Frame::task:
        task_field(f.field, std::move(arg), at);
        return;
    }
  }

  void task_field(const std::string& field, FileArg arg, Pos at) {
    auto* value = std::get_if<Value>(&arg.v);
    if (field == "value") {
      draft_.has_value = true;
      draft_.value = to_literal(std::move(arg));
    } else if (field == "op") {
      if (!value || value->kind() != ValueKind::string) {
        fail(at, fmt::format("task \"{}\": \"op\" must be a string naming an op", draft_.key));
      }
      draft_.op = value->as_string();
      draft_.op_pos = at;
    } else if (field == "args") {
      auto* items = std::get_if<std::vector<FileArg>>(&arg.v);
      if (!items) fail(at, fmt::format("task \"{}\": \"args\" must be a list", draft_.key));
      draft_.has_args = true;
      draft_.args = std::move(*items);
    } else if (field == "sleep_ms") {
      if (!value || !value->is_number()) {
        fail(at, fmt::format("task \"{}\": \"sleep_ms\" must be a number", draft_.key));
      }
      double ms = value->as_double();
      if (!(ms >= 0 && ms <= kMaxSleepMs)) {
        fail(at, fmt::format("task \"{}\": sleep_ms {} is out of range: use 0 to {}", draft_.key,
                             ms, kMaxSleepMs));
      }
      draft_.sleep_ms = ms;
    } else if (field == "lock") {
      auto lock = value && value->kind() == ValueKind::string ? parse_lock(value->as_string())
                                                              : std::nullopt;
      if (!lock) {
        fail(at, fmt::format("task \"{}\": \"lock\" must be \"none\", \"process\" or \"global\"",
                             draft_.key));
      }
      draft_.lock = *lock;
    }
  }

  // A value with no references inside: lists of literals collapse into one list Value.
  static Value to_literal(FileArg arg) {
    if (auto* v = std::get_if<Value>(&arg.v)) return std::move(*v);
    List items;
    for (FileArg& item : std::get<std::vector<FileArg>>(arg.v)) {
      items.push_back(to_literal(std::move(item)));
    }
    return Value(std::move(items));
  }

  void finish_task(const FrameState& f) {
    const bool is_task = f.fields.contains("op");
    if (f.fields.contains("value") == is_task) {
      fail(draft_.pos, fmt::format("task \"{}\" needs either \"op\" (a task) or \"value\" (a "
                                   "literal), not {}",
                                   draft_.key, is_task ? "both" : "neither"));
    }
    if (!is_task && f.fields.size() > 1) {
      fail(draft_.pos, fmt::format("\"{}\" is a literal: \"args\", \"sleep_ms\" and \"lock\" "
                                   "belong to tasks with an \"op\"",
                                   draft_.key));
    }
    drafts_.push_back(std::move(draft_));
  }

  bool has_ref(const std::vector<FileArg>& items) const {
    for (const FileArg& a : items) {
      if (std::holds_alternative<std::pair<std::string, Pos>>(a.v)) return true;
      if (auto* l = std::get_if<std::vector<FileArg>>(&a.v); l && has_ref(*l)) return true;
    }
    return false;
  }

  ArgSpec resolve(FileArg& arg, const TaskDraft& task) {
    if (auto* v = std::get_if<Value>(&arg.v)) return ArgSpec(std::move(*v));
    if (auto* r = std::get_if<std::pair<std::string, Pos>>(&arg.v)) {
      auto it = ids_.find(r->first);
      if (it == ids_.end()) {
        fail(r->second, fmt::format("task \"{}\" refers to \"{}\", which is not a key of "
                                    "\"tasks\"",
                                    task.key, r->first));
      }
      return ArgSpec(Ref{it->second});
    }
    auto& items = std::get<std::vector<FileArg>>(arg.v);
    if (!has_ref(items)) return ArgSpec(to_literal(std::move(arg)));
    std::vector<ArgSpec> out;
    out.reserve(items.size());
    for (FileArg& item : items) out.push_back(resolve(item, task));
    return ArgSpec(std::move(out));
  }

  LoadedGraph build() {
    LoadedGraph out;
    out.description = std::move(description_);
    if (drafts_.size() >= kMaxNodes) fail(Pos{0}, fmt::format("more than {} tasks", kMaxNodes));
    ids_.reserve(drafts_.size());
    for (size_t i = 0; i < drafts_.size(); ++i)
      ids_.emplace(drafts_[i].key, static_cast<NodeId>(i));
    const OpRegistry& ops = OpRegistry::global();
    for (TaskDraft& d : drafts_) {
      if (d.has_value) {
        out.graph.add_literal(d.key, std::move(d.value));
        continue;
      }
      const Op* op = ops.find(d.op);
      if (!op) {
        std::string names;
        for (const Op* o : ops.list()) names += (names.empty() ? "" : " ") + o->name;
        fail(d.op_pos,
             fmt::format("task \"{}\": unknown op \"{}\" (known ops: {})", d.key, d.op, names));
      }
      if (op->reads_files) {
        fail(d.op_pos, fmt::format("task \"{}\": op \"{}\" opens the file it is given, and a graph "
                                   "file may not name files to open; run the scenario that uses "
                                   "it instead (its files come from --data; see schedlab list)",
                                   d.key, d.op));
      }
      std::vector<ArgSpec> args;
      args.reserve(d.args.size());
      for (FileArg& a : d.args) args.push_back(resolve(a, d));
      try {
        out.graph.add_task(d.key, *op, args, TaskOptions::sleeping(d.sleep_ms, d.lock));
      } catch (const UsageError& e) {
        fail(d.pos, e.what());
      }
    }
    for (auto& [key, at] : targets_) {
      auto it = ids_.find(key);
      if (it == ids_.end()) {
        fail(at, fmt::format("target \"{}\" is not a key of \"tasks\"", key));
      }
      out.targets.push_back(it->second);
    }
    if (targets_.empty()) out.targets = out.graph.sinks();
    try {
      StopwatchInto watch(out.times.validate_ms);
      out.graph.validate();
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{}: {}", source_, e.what()));
    }
    return out;
  }

  std::string_view text_;
  std::string source_;
  const char* furthest_;
  size_t last_end_ = 0;
  bool seen_top_ = false;
  std::vector<FrameState> stack_;
  TaskDraft draft_;
  std::vector<TaskDraft> drafts_;
  std::unordered_map<std::string, Pos> task_keys_;  // where each key was defined
  std::vector<std::pair<std::string, Pos>> targets_;
  std::string description_;
  std::unordered_map<std::string, NodeId> ids_;
};

json literal_json(const Value& v) {
  if (v.kind() == ValueKind::array) return json{{"array", to_json(v)}};
  if (v.kind() != ValueKind::list) return to_json(v);
  json out = json::array();
  for (const Value& item : v.as_list()) out.push_back(literal_json(item));
  return out;
}

json args_json(const Graph& g, std::span<const PackedArg> args) {
  json out = json::array();
  for (PackedArg a : args) {
    switch (a.kind()) {
      case PackedArg::ref:
        out.push_back(json{{"ref", std::string(g.key(a.index()))}});
        break;
      case PackedArg::literal:
        out.push_back(literal_json(g.literal(a.index())));
        break;
      case PackedArg::list:
        out.push_back(args_json(g, g.list_items(a.index())));
        break;
    }
  }
  return out;
}

}  // namespace

namespace {
std::atomic<size_t> max_graph_bytes{kDefaultMaxGraphFileBytes};
constexpr std::string_view kRaiseGraphLimit = " (--max-graph-size raises the limit)";
}  // namespace

size_t max_graph_file_bytes() {
  return max_graph_bytes.load(std::memory_order_relaxed);
}
void set_max_graph_file_bytes(size_t bytes) {
  max_graph_bytes.store(bytes, std::memory_order_relaxed);
}

LoadedGraph parse_graph(std::string_view text, std::string_view source) {
  if (text.size() > max_graph_file_bytes()) {
    throw UsageError(fmt::format("{}: {} bytes is more than the {} a graph file may have{}", source,
                                 text.size(), max_graph_file_bytes(), kRaiseGraphLimit));
  }
  double ms = 0;
  std::optional<LoadedGraph> out;
  {
    StopwatchInto watch(ms);
    out = detail::parse_graph_fast(text);
    // If it gave up: an error to explain, or a rarity the fast reader leaves to this one.
    if (!out) out = detail::parse_graph_precise(text, source);
  }
  out->times.parse_ms = ms - out->times.validate_ms;
  return std::move(*out);
}

namespace detail {
LoadedGraph parse_graph_precise(std::string_view text, std::string_view source) {
  return Reader(text, source).read();
}
}  // namespace detail

namespace {

FileText read_graph_file(const std::string& path) {
  return read_bounded_file(path, "graph file", max_graph_file_bytes(), kRaiseGraphLimit);
}

}  // namespace

LoadedGraph load_graph_file(const std::string& path) {
  double read_ms = 0;
  FileText text;
  {
    StopwatchInto watch(read_ms);
    text = read_graph_file(path);
  }
  LoadedGraph out = parse_graph(text, path == "-" ? "<stdin>" : path);
  out.times.read_ms = read_ms;
  return out;
}

std::string graph_to_json(const Graph& g, std::span<const NodeId> targets, int indent) {
  // Written piece by piece in node order: an ordered_json object would find each new key by a
  // linear search, which is quadratic in the number of tasks. Each piece is dumped by nlohmann
  // and indented to its depth, so the text is exactly what one dump of the whole would give.
  const bool pretty = indent >= 0;
  const std::string nl = pretty ? "\n" : "", sep = pretty ? ": " : ":";
  auto pad = [&](int depth) {
    return pretty ? std::string(static_cast<size_t>(indent * depth), ' ') : "";
  };
  auto nested = [&](const nlohmann::ordered_json& j, int depth) {
    std::string text = j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!pretty) return text;
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
      out += c;
      if (c == '\n') out += pad(depth);
    }
    return out;
  };
  std::string out =
      "{" + nl + pad(1) + "\"version\"" + sep + "1," + nl + pad(1) + "\"tasks\"" + sep;
  if (g.size() == 0) out += "{}";
  for (NodeId n = 0; n < g.size(); ++n) {
    nlohmann::ordered_json t;
    if (!g.is_task(n)) {
      t["value"] = literal_json(g.literal_value(n));
    } else {
      t["op"] = g.op(n)->name;
      t["args"] = args_json(g, g.args(n));
      if (g.options(n).sleep_us) t["sleep_ms"] = g.options(n).sleep_ms();
      if (g.options(n).lock != LockKind::none) t["lock"] = lock_name(g.options(n).lock);
    }
    out += n == 0 ? "{" + nl : "," + nl;
    out += pad(2) + json_string(g.key(n)) + sep + nested(t, 2);
  }
  if (g.size() != 0) out += nl + pad(1) + "}";
  auto keys = nlohmann::ordered_json::array();
  for (NodeId t : targets) keys.push_back(std::string(g.key(t)));
  out += "," + nl + pad(1) + "\"targets\"" + sep + nested(keys, 1) + nl + "}\n";
  return out;
}

}  // namespace schedlab
