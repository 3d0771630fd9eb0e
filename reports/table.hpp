// Text tables shared by the Markdown and console views, and the escaping each format needs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace schedlab::reports {

struct Table {
  std::vector<std::string> headers;
  std::vector<bool> right_aligned;  // per column; numbers read better right-aligned
  std::vector<std::vector<std::string>> rows;
};

// GitHub-flavoured Markdown: | and \ escaped, line breaks folded to spaces.
std::string markdown_table(const Table& t);
std::string markdown_escape(std::string_view text);
// Plain text with aligned columns, for terminals.
std::string console_table(const Table& t);
// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; CRLF rows.
std::string csv_field(std::string_view text);
std::string csv_row(const std::vector<std::string>& fields);
// A time for people: "120" from 100 ms up, "12.5" below (milliseconds, without the unit).
std::string ms_figure(double ms);
// Appends item to out, after sep unless out is empty.
void append(std::string& out, std::string_view sep, std::string_view item);
// XML text and attribute content.
std::string xml_escape(std::string_view text);

}  // namespace schedlab::reports
