// The frame of schedlab's HTML pages (report.html, the comparison page): one document with
// its styles and its one small script inline, so that it works offline and from a USB stick.
#pragma once

#include <string>
#include <string_view>

namespace schedlab::reports {

// `body` is trusted HTML; `title` is escaped.
std::string html_page(std::string_view title, std::string_view body);

}  // namespace schedlab::reports
