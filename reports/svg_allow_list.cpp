#include "schedlab/reports/svg_allow_list.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace schedlab::reports {
namespace {

constexpr std::array kElements = {"svg",  "g",       "title",  "text", "polygon", "polyline",
                                  "path", "ellipse", "circle", "line", "rect"};
// As SVG spells them: a name is matched whatever its case and written this way (an upper-case
// CLASS or ID must not slip past the checks below; viewBox keeps its case in an .svg file).
constexpr std::array kAttributes = {"width",
                                    "height",
                                    "viewBox",
                                    "x",
                                    "y",
                                    "x1",
                                    "y1",
                                    "x2",
                                    "y2",
                                    "cx",
                                    "cy",
                                    "r",
                                    "rx",
                                    "ry",
                                    "points",
                                    "d",
                                    "transform",
                                    "fill",
                                    "stroke",
                                    "stroke-width",
                                    "stroke-dasharray",
                                    "fill-opacity",
                                    "stroke-opacity",
                                    "text-anchor",
                                    "font-family",
                                    "font-size",
                                    "font-weight",
                                    "font-style",
                                    "id",
                                    "class",
                                    "xmlns",
                                    "preserveAspectRatio"};
// Graphviz's own classes; a class the page's script or style looks for could not be borrowed.
constexpr std::array kClasses = {"graph", "node", "edge", "cluster"};

bool same_letters(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The list's spelling of `name`, or nullptr when it is not on the list.
template <size_t N>
const char* listed(const std::array<const char*, N>& list, std::string_view name) {
  auto it =
      std::find_if(list.begin(), list.end(), [&](const char* s) { return same_letters(s, name); });
  return it == list.end() ? nullptr : *it;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
         c == '.';
}

// An attribute value that could make the browser fetch or run something. Browsers decode
// character references in attributes (&#117;rl) and CSS escapes in presentation attributes
// (u\72l), neither of which Graphviz writes in its numbers, colours and names: a value with
// either is left out whole.
bool risky_value(std::string_view value) {
  if (value.find_first_of("&\\") != std::string_view::npos) return true;
  std::string lower(value);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"url(", "javascript:", "data:", "expression("}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

// Reads one tag from `s` at `at` (just past '<'): its name, attributes, and how it ends.
struct Tag {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  bool closing = false;       // </name>
  bool self_closing = false;  // <name ... />
};

std::optional<Tag> read_tag(std::string_view s, size_t& at) {
  Tag tag;
  if (at < s.size() && s[at] == '/') {
    tag.closing = true;
    ++at;
  }
  const size_t name_start = at;
  while (at < s.size() && is_name_char(s[at])) ++at;
  tag.name = s.substr(name_start, at - name_start);
  if (tag.name.empty()) return std::nullopt;
  for (;;) {
    while (at < s.size() && std::isspace(static_cast<unsigned char>(s[at]))) ++at;
    if (at >= s.size()) return std::nullopt;
    if (s[at] == '>') {
      ++at;
      return tag;
    }
    if (s[at] == '/' && at + 1 < s.size() && s[at + 1] == '>') {
      tag.self_closing = true;
      at += 2;
      return tag;
    }
    if (tag.closing) return std::nullopt;
    const size_t attr_start = at;
    while (at < s.size() && is_name_char(s[at])) ++at;
    std::string name(s.substr(attr_start, at - attr_start));
    if (name.empty()) return std::nullopt;
    while (at < s.size() && std::isspace(static_cast<unsigned char>(s[at]))) ++at;
    if (at >= s.size() || s[at] != '=') return std::nullopt;  // Graphviz quotes every value
    ++at;
    while (at < s.size() && std::isspace(static_cast<unsigned char>(s[at]))) ++at;
    if (at >= s.size() || (s[at] != '"' && s[at] != '\'')) return std::nullopt;
    const char quote = s[at++];
    const size_t end = s.find(quote, at);
    if (end == std::string_view::npos) return std::nullopt;
    tag.attributes.emplace_back(std::move(name), std::string(s.substr(at, end - at)));
    at = end + 1;
  }
}

std::string requoted(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '"') {
      out += "&quot;";
    } else if (c == '<') {
      out += "&lt;";
    } else {
      out += c;
    }
  }
  return out;
}

// Skips what starts with `open` (at `at`, on '<') up to the end of `close`; false if unended.
bool skip(std::string_view s, size_t& at, std::string_view close) {
  const size_t end = s.find(close, at);
  if (end == std::string_view::npos) return false;
  at = end + close.size();
  return true;
}

}  // namespace

std::optional<std::string> allow_listed_svg(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::vector<std::string> open;  // the elements kept, innermost last
  size_t dropping = 0;            // > 0 inside a left-out element: its depth
  bool seen_svg = false;
  size_t at = 0;
  while (at < s.size()) {
    if (s[at] != '<') {
      const size_t end = std::min(s.find('<', at), s.size());
      // Text between tags: Graphviz escapes it; a bare '>' is harmless in HTML's text.
      if (dropping == 0 && !open.empty()) out.append(s.substr(at, end - at));
      at = end;
      continue;
    }
    const std::string_view rest = s.substr(at);
    if (rest.starts_with("<!--")) {
      if (!skip(s, at, "-->")) return std::nullopt;
      continue;
    }
    if (rest.starts_with("<![CDATA[")) {
      if (!skip(s, at, "]]>")) return std::nullopt;
      continue;
    }
    if (rest.starts_with("<?")) {
      if (!skip(s, at, "?>")) return std::nullopt;
      continue;
    }
    if (rest.starts_with("<!")) {  // DOCTYPE
      if (!skip(s, at, ">")) return std::nullopt;
      continue;
    }
    ++at;
    std::optional<Tag> tag = read_tag(s, at);
    if (!tag) return std::nullopt;
    if (tag->closing) {
      if (dropping > 0) {
        --dropping;
        continue;
      }
      const char* name = listed(kElements, tag->name);
      if (open.empty() || !name || open.back() != name) return std::nullopt;
      open.pop_back();
      out += std::string("</") + name + ">";
      if (open.empty()) return out;  // the end of the <svg> element: what follows is not ours
      continue;
    }
    const char* element = dropping == 0 ? listed(kElements, tag->name) : nullptr;
    const bool keep = element && (seen_svg || std::string_view(element) == "svg");
    if (!keep) {
      if (!tag->self_closing) ++dropping;
      continue;
    }
    seen_svg = true;
    tag->name = element;  // its usual spelling, which its closing tag is matched against
    out += "<" + tag->name;
    for (const auto& [written, value] : tag->attributes) {
      const char* name = listed(kAttributes, written);
      if (!name || risky_value(value)) continue;
      if (std::string_view(name) == "class" && !listed(kClasses, value)) continue;
      out += std::string(" ") + name + "=\"" + requoted(value) + "\"";
    }
    if (tag->self_closing) {
      out += "/>";
      if (open.empty()) return out;
    } else {
      out += ">";
      open.push_back(tag->name);
    }
  }
  return std::nullopt;  // the <svg> element never ended
}

}  // namespace schedlab::reports
