// One pass of recursive descent over the text, written against the graph-file grammar rather
// than JSON in general, so that no DOM, SAX event or per-field string is made: keys, op names and
// references stay views into the text, nodes go straight into the Graph, keys into a flat
// KeyIndex (later handed to the Graph). Errors are not explained here (see the header): every
// check below that fails just gives up.
#include "graph_file_fast.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/key_index.hpp"
#include "schedlab/core/value_codec.hpp"

namespace schedlab::detail {
namespace {

struct GiveUp {};
[[noreturn]] void give_up() {
  throw GiveUp{};
}

// Well below the precise reader's nesting limit, so that nothing it refuses for depth gets here.
constexpr int kMaxDepth = 32;

// The length of the well-formed UTF-8 sequence starting at p (RFC 3629, as nlohmann checks it),
// or 0.
size_t utf8_length(const char* p, const char* end) {
  auto byte = [&](size_t i) { return p + i < end ? static_cast<unsigned char>(p[i]) : 0u; };
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return byte(i) >= lo && byte(i) <= hi;
  };
  unsigned b = byte(0);
  if (b >= 0xC2 && b <= 0xDF) return cont(1) ? 2 : 0;
  if (b == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (b == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (b == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xF1 && b <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// An argument inside a list, kept until the list ends and its shape is known.
struct ListItem {
  enum Kind : uint8_t { ref, literal, list } kind;
  uint32_t count = 0;  // list: how many items follow (its direct children, each with its own)
  std::string_view key;
  Value value;
};

class FastReader {
 public:
  explicit FastReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  LoadedGraph read() {
    ws();
    expect('{');
    unsigned seen = 0;
    members([&](std::string_view field) {
      unsigned bit = 0;
      if (field == "tasks") {
        bit = 1;
        tasks();
      } else if (field == "targets") {
        bit = 2;
        targets();
      } else if (field == "version") {
        bit = 4;
        Value v = number();
        if (v.kind() != ValueKind::integer || v.as_int() != 1) give_up();
      } else if (field == "description") {
        bit = 8;
        description_ = string_value();
      } else {
        give_up();
      }
      if (seen & bit) give_up();
      seen |= bit;
    });
    ws();
    if (p_ != end_ || !(seen & 1)) give_up();
    return finish();
  }

 private:
  // --- Lexing ---------------------------------------------------------------------------------
  char cur() const { return p_ < end_ ? *p_ : '\0'; }  // a NUL byte fails every check anyway
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool take(char c) {
    if (cur() != c) return false;
    ++p_;
    return true;
  }
  void expect(char c) {
    if (!take(c)) give_up();
  }
  void word(const char* w) {
    size_t n = std::strlen(w);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, w, n) != 0) give_up();
    p_ += n;
  }

  // The members of an object whose '{' was just read: f(field) reads each value.
  template <class F>
  void members(F&& f) {
    ws();
    if (take('}')) return;
    for (;;) {
      std::string_view field = raw_string();
      ws();
      expect(':');
      ws();
      f(field);
      ws();
      if (take('}')) return;
      expect(',');
      ws();
    }
  }
  // The items of an array whose '[' was just read: f() reads each.
  template <class F>
  void items(F&& f) {
    ws();
    if (take(']')) return;
    for (;;) {
      f();
      ws();
      if (take(']')) return;
      expect(',');
      ws();
    }
  }

  // A string without escapes, as a view into the text: keys, fields, op names, references.
  std::string_view raw_string() {
    expect('"');
    const char* begin = p_;
    for (;;) {
      if (p_ >= end_) give_up();
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') break;
      if (c == '\\' || c < 0x20) give_up();
      if (c < 0x80) {
        ++p_;
      } else if (size_t n = utf8_length(p_, end_)) {
        p_ += n;
      } else {
        give_up();
      }
    }
    std::string_view s(begin, static_cast<size_t>(p_ - begin));
    ++p_;
    return s;
  }

  // Any string, escapes decoded.
  std::string string_value() {
    expect('"');
    std::string out;
    for (;;) {
      const char* begin = p_;
      while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) {
        if (static_cast<unsigned char>(*p_) < 0x80) {
          ++p_;
        } else if (size_t n = utf8_length(p_, end_)) {
          p_ += n;
        } else {
          give_up();
        }
      }
      out.append(begin, p_);
      if (take('"')) return out;
      if (!take('\\') || p_ >= end_) give_up();
      const char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t c = hex4();
          if (c >= 0xDC00 && c <= 0xDFFF) give_up();  // a low surrogate alone
          if (c >= 0xD800 && c <= 0xDBFF) {
            word("\\u");
            uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) give_up();
            c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, c);
          break;
        }
        default:
          give_up();
      }
    }
  }
  uint32_t hex4() {
    if (end_ - p_ < 4) give_up();
    uint32_t c = 0;
    auto [ptr, ec] = std::from_chars(p_, p_ + 4, c, 16);
    if (ec != std::errc() || ptr != p_ + 4) give_up();
    p_ += 4;
    return c;
  }

  // A JSON number checked by its grammar first (from_chars takes more than JSON allows), then
  // converted as nlohmann does: integers to int64 (outside it, the precise reader explains),
  // the rest to the nearest double.
  Value number() {
    const char* begin = p_;
    take('-');
    auto digits = [&] {
      const char* d = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      if (p_ == d) give_up();
    };
    if (!take('0')) digits();
    bool integer = true;
    if (take('.')) {
      integer = false;
      digits();
    }
    if (cur() == 'e' || cur() == 'E') {
      integer = false;
      ++p_;
      if (!take('+')) take('-');
      digits();
    }
    if (integer) {
      int64_t i = 0;
      auto [ptr, ec] = std::from_chars(begin, p_, i);
      if (ec != std::errc() || ptr != p_) give_up();
      return Value(i);
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(begin, p_, d);
    if (ec != std::errc() || ptr != p_ || !std::isfinite(d)) give_up();
    return Value(d);
  }

  Value scalar() {
    switch (cur()) {
      case '"':
        return Value(string_value());
      case 't':
        word("true");
        return Value(true);
      case 'f':
        word("false");
        return Value(false);
      case 'n':
        word("null");
        return Value();
      default:
        return number();
    }
  }

  // --- The graph ------------------------------------------------------------------------------
  void tasks() {
    expect('{');
    members([&](std::string_view key) {
      if (key.empty() || key.size() > kMaxKeyBytes || graph_.size() + 1 >= kMaxNodes) give_up();
      // Indexed once read: a reference to the task inside itself is then a forward one, which
      // validation refuses as a cycle; meanwhile its slot has been loaded.
      const uint32_t hash = KeyIndex::hash(key);
      index_.prefetch(hash);
      const auto id = static_cast<NodeId>(graph_.size());
      task(key);
      if (index_.insert(key, hash, id, KeyOf{&graph_}) != KeyIndex::kAbsent)
        give_up();  // duplicate
    });
  }

  void task(std::string_view key) {
    expect('{');
    unsigned seen = 0;
    const Op* op = nullptr;
    std::optional<Value> literal;
    double sleep_ms = 0;
    LockKind lock = LockKind::none;
    members([&](std::string_view field) {
      unsigned bit = 0;
      if (field == "op") {
        bit = 1;
        op = find_op(raw_string());
        graph_.begin_task(*op, {});
      } else if (field == "args") {
        bit = 2;
        if (!op) give_up();  // written before "op": the precise reader handles that order
        expect('[');
        items([&] { arg(); });
      } else if (field == "sleep_ms") {
        bit = 4;
        Value v = number();
        sleep_ms = v.as_double();
        if (!(sleep_ms >= 0 && sleep_ms <= kMaxSleepMs)) give_up();
      } else if (field == "lock") {
        bit = 8;
        auto l = parse_lock(raw_string());
        if (!l) give_up();
        lock = *l;
      } else if (field == "value") {
        bit = 16;
        literal = literal_value(0);
      } else {
        give_up();
      }
      if (seen & bit) give_up();
      seen |= bit;
    });
    if (seen == 16) {
      graph_.add_literal(key, std::move(*literal));
    } else if ((seen & 1) && !(seen & 16)) {
      graph_.end_task(key, TaskOptions::sleeping(sleep_ms, lock));  // arity: UsageError
    } else {
      give_up();
    }
  }

  const Op* find_op(std::string_view name) {
    for (const auto& [known, op] : ops_) {
      if (known == name) return op;
    }
    const Op* op = OpRegistry::global().find(name);
    if (!op || op->reads_files) give_up();  // the full parser says why
    if (ops_.size() < 16) ops_.emplace_back(name, op);
    return op;
  }

  // A value with no references: a scalar, a list, or {"array": [numbers]}.
  Value literal_value(int depth) {
    if (depth > kMaxDepth) give_up();
    if (take('[')) {
      List list;
      items([&] { list.push_back(literal_value(depth + 1)); });
      return Value(std::move(list));
    }
    if (take('{')) {
      auto a = object_arg();
      if (!std::holds_alternative<Value>(a)) give_up();  // a reference in a literal
      return std::get<Value>(std::move(a));
    }
    return scalar();
  }

  // After the '{' of {"ref": KEY} (gives KEY) or {"array": [numbers]} (gives the Array).
  std::variant<std::string_view, Value> object_arg() {
    ws();
    std::string_view field = raw_string();
    ws();
    expect(':');
    ws();
    std::variant<std::string_view, Value> out;
    if (field == "ref") {
      out = raw_string();
    } else if (field == "array") {
      expect('[');
      Array data;
      items([&] { data.push_back(number().as_double()); });
      out = Value(std::move(data));
    } else {
      give_up();
    }
    ws();
    expect('}');
    return out;
  }

  // One argument of a task's "args".
  void arg() {
    if (take('{')) {
      auto a = object_arg();
      if (auto* key = std::get_if<std::string_view>(&a)) {
        graph_.push_ref(id_or_later(*key, graph_.next_ref_slot()));
      } else {
        graph_.push_literal(std::move(std::get<Value>(a)));
      }
    } else if (cur() == '[') {
      list_arg();
    } else {
      graph_.push_literal(scalar());
    }
  }

  // The id of the node `key` names, or (for a node listed later) a placeholder 0 that finish()
  // replaces in `slot`.
  NodeId id_or_later(std::string_view key, Graph::RefSlot slot) {
    NodeId id = index_.find(key, KeyOf{&graph_});
    if (id != KeyIndex::kAbsent) return id;
    forward_.push_back({slot, key});
    return 0;
  }

  // A list argument: references only (the common fan-in) read directly; any other read whole
  // into scratch_ (preorder), then stored as one literal if it holds no reference, else as the
  // precise reader resolves it.
  void list_arg() {
    if (ref_list()) return;
    scratch_.clear();
    bool has_ref = false;
    read_list_item(0, has_ref);
    size_t i = 0;
    if (has_ref) {
      graph_.push_arg(spec_from_scratch(i));
    } else {
      graph_.push_literal(literal_from_scratch(i));
    }
  }

  // The common list, [{"ref": KEY}, ...], read without scratch_: true if it was one, else
  // nothing is consumed.
  bool ref_list() {
    const char* start = p_;
    expect('[');
    ws();
    keys_.clear();
    bool refs_only = false;
    for (;;) {
      if (take(']')) {
        refs_only = !keys_.empty();  // an empty list is a literal
        break;
      }
      if (!keys_.empty()) {
        expect(',');
        ws();
      }
      if (!take('{')) break;
      auto a = object_arg();
      if (!std::holds_alternative<std::string_view>(a)) break;
      keys_.push_back(std::get<std::string_view>(a));
      ws();
    }
    if (!refs_only) {
      p_ = start;
      return false;
    }
    ids_.clear();
    for (std::string_view key : keys_) {
      ids_.push_back(id_or_later(key, graph_.next_list_slot(ids_.size())));
    }
    graph_.push_ref_list(ids_);
    return true;
  }

  void read_list_item(int depth, bool& has_ref) {
    if (depth > kMaxDepth) give_up();
    if (take('[')) {
      size_t at = scratch_.size();
      scratch_.push_back({ListItem::list, 0, {}, {}});
      items([&] {
        ++scratch_[at].count;
        read_list_item(depth + 1, has_ref);
      });
    } else if (take('{')) {
      auto a = object_arg();
      if (auto* key = std::get_if<std::string_view>(&a)) {
        has_ref = true;
        scratch_.push_back({ListItem::ref, 0, *key, {}});
      } else {
        scratch_.push_back({ListItem::literal, 0, {}, std::move(std::get<Value>(a))});
      }
    } else {
      scratch_.push_back({ListItem::literal, 0, {}, scalar()});
    }
  }

  Value literal_from_scratch(size_t& i) {
    ListItem& item = scratch_[i++];
    if (item.kind != ListItem::list) return std::move(item.value);
    List list;
    list.reserve(item.count);
    for (uint32_t k = 0; k < item.count; ++k) list.push_back(literal_from_scratch(i));
    return Value(std::move(list));
  }

  // As the precise reader resolves a list: a sub-list without references is one literal.
  ArgSpec spec_from_scratch(size_t& i) {
    ListItem& item = scratch_[i];
    if (item.kind == ListItem::literal) return ArgSpec(std::move(scratch_[i++].value));
    if (item.kind == ListItem::ref) {
      ++i;
      NodeId id = index_.find(item.key, KeyOf{&graph_});
      if (id == KeyIndex::kAbsent) give_up();  // rare: no slot to fill
      return ArgSpec(Ref{id});
    }
    if (!list_has_ref(i)) return ArgSpec(literal_from_scratch(i));
    ++i;
    std::vector<ArgSpec> out;
    out.reserve(item.count);
    for (uint32_t k = 0; k < item.count; ++k) out.push_back(spec_from_scratch(i));
    return ArgSpec(std::move(out));
  }
  // Whether the list at scratch_[i] holds a reference at any depth.
  bool list_has_ref(size_t i) const {
    size_t pending = 1;  // items of the subtree still to look at
    for (; pending > 0; ++i, --pending) {
      if (scratch_[i].kind == ListItem::ref) return true;
      if (scratch_[i].kind == ListItem::list) pending += scratch_[i].count;
    }
    return false;
  }

  void targets() {
    expect('[');
    items([&] { targets_.push_back(raw_string()); });
  }

  LoadedGraph finish() {
    for (const auto& [slot, key] : forward_) {
      NodeId id = index_.find(key, KeyOf{&graph_});
      if (id == KeyIndex::kAbsent) give_up();
      graph_.fill_ref(slot, id);
    }
    LoadedGraph out;
    for (std::string_view key : targets_) {
      NodeId id = index_.find(key, KeyOf{&graph_});
      if (id == KeyIndex::kAbsent) give_up();
      out.targets.push_back(id);
    }
    if (out.targets.empty()) out.targets = graph_.sinks();
    graph_.adopt_index(std::move(index_));
    {
      StopwatchInto watch(out.times.validate_ms);
      graph_.validate();  // cycles: UsageError
    }
    out.graph = std::move(graph_);
    out.description = std::move(description_);
    return out;
  }

  // Keys for the index: every indexed node is in the graph already.
  struct KeyOf {
    const Graph* g;
    std::string_view operator()(NodeId n) const { return g->key(n); }
  };

  const char* p_;
  const char* end_;
  Graph graph_;
  KeyIndex index_;
  std::string description_;
  std::vector<std::pair<Graph::RefSlot, std::string_view>> forward_;  // references read early
  std::vector<std::string_view> targets_;
  std::vector<std::pair<std::string_view, const Op*>> ops_;  // ops met so far, by name
  std::vector<ListItem> scratch_;
  std::vector<NodeId> ids_;
  std::vector<std::string_view> keys_;  // a list's references, read before they are resolved
};

}  // namespace

std::optional<LoadedGraph> parse_graph_fast(std::string_view text) {
  try {
    return FastReader(text).read();
  } catch (const GiveUp&) {
  } catch (const UsageError&) {
  }
  return std::nullopt;
}

}  // namespace schedlab::detail
