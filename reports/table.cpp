#include "schedlab/reports/table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace schedlab::reports {

std::string ms_figure(double ms) {
  return ms >= 100 ? fmt::format("{:.0f}", ms) : fmt::format("{:.1f}", ms);
}

std::string markdown_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    // Not '_': GitHub does not treat an underscore inside a word as emphasis, and keys and
    // benchmark names are full of them.
    if (c == '|' || c == '\\' || c == '*' || c == '`' || c == '<' || c == '[') {
      out += '\\';
    }
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

std::string markdown_table(const Table& t) {
  std::string out = "|";
  for (const std::string& h : t.headers) out += " " + markdown_escape(h) + " |";
  out += "\n|";
  for (size_t i = 0; i < t.headers.size(); ++i) {
    out += i < t.right_aligned.size() && t.right_aligned[i] ? "---:|" : "---|";
  }
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const std::string& cell : row) out += " " + markdown_escape(cell) + " |";
    out += "\n";
  }
  return out;
}

std::string console_table(const Table& t) {
  std::vector<size_t> width(t.headers.size(), 0);
  for (size_t i = 0; i < t.headers.size(); ++i) width[i] = t.headers[i].size();
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size() && i < width.size(); ++i) {
      std::string cell = cells[i];
      std::replace(cell.begin(), cell.end(), '\n', ' ');
      std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      bool right = i < t.right_aligned.size() && t.right_aligned[i];
      out += (i ? "  " : "") + (right ? pad + cell : cell + pad);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.headers);
  std::vector<std::string> rule;
  for (size_t w : width) rule.emplace_back(w, '-');
  out += line(rule);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_field(fields[i]);
  }
  return out + "\r\n";
}

void append(std::string& out, std::string_view sep, std::string_view item) {
  if (!out.empty()) out += sep;
  out += item;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace schedlab::reports
