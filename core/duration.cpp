#include "schedlab/core/duration.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string>

#include "schedlab/core/errors.hpp"

namespace schedlab {

double parse_duration_ms(std::string_view text, std::string_view flag, double max_ms) {
  double value = -1;
  // from_chars: no leading spaces, signs, hex or locale, unlike strtod.
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  const std::string_view suffix(end, static_cast<size_t>(text.data() + text.size() - end));
  // A bare number other than 0 is refused rather than guessed at: "--timeout 30" meant as
  // seconds would otherwise end a run after 30 ms.
  if (ec == std::errc() && suffix.empty() && std::isfinite(value) && value > 0) {
    throw UsageError(fmt::format("{} {}: say which unit, {}s or {}ms", flag, text, text, text));
  }
  double ms = -1;
  if (ec == std::errc() && (suffix.empty() || suffix == "ms")) ms = value;
  if (ec == std::errc() && suffix == "s") ms = value * 1000;
  if (!(ms >= 0 && ms <= max_ms)) {
    throw UsageError(fmt::format("{} {}: write a duration from 0 to {:g} s, such as 100ms or 0.5s",
                                 flag, text.empty() ? "''" : std::string(text), max_ms / 1000));
  }
  return ms;
}

}  // namespace schedlab
