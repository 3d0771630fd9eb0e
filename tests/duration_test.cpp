// Durations as typed on a command line (--unit, the examples' UNIT argument).
#include "schedlab/core/duration.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "schedlab/core/errors.hpp"

namespace schedlab {
namespace {

TEST(Duration, AcceptsMillisecondsAndSeconds) {
  EXPECT_EQ(parse_duration_ms("250ms", "--unit"), 250);
  EXPECT_EQ(parse_duration_ms("0.02s", "--unit"), 20);
  EXPECT_EQ(parse_duration_ms("1s", "--unit"), 1000);
  EXPECT_EQ(parse_duration_ms("0", "--unit"), 0);
  EXPECT_EQ(parse_duration_ms("60s", "--unit"), 60'000);
}

TEST(Duration, RejectsEverythingElseNamingTheFlag) {
  for (const char* bad : {"", "abc", "0.02x", "-1s", "-5", " 5", "0x10", "5 ms", "61s", "1e3",
                          "nan", "inf", "10msx"}) {
    try {
      parse_duration_ms(bad, "--unit");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()),
                "--unit " + (std::string(bad).empty() ? std::string("''") : std::string(bad)) +
                    ": write a duration from 0 to 60 s, such as 100ms or 0.5s")
          << bad;
    }
  }
}

TEST(Duration, ANumberOtherThanZeroNeedsItsUnit) {
  // "--timeout 30" could mean seconds or milliseconds: an error, not a guess.
  for (const char* bare : {"30", "0.5", "250", "100000"}) {
    try {
      parse_duration_ms(bare, "--timeout");
      ADD_FAILURE() << "accepted '" << bare << "'";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()),
                fmt::format("--timeout {0}: say which unit, {0}s or {0}ms", bare));
    }
  }
  EXPECT_EQ(parse_duration_ms("0", "--timeout"), 0);
  EXPECT_EQ(parse_duration_ms("0.0", "--timeout"), 0);
}

}  // namespace
}  // namespace schedlab
