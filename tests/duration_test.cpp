// Durations as typed on a command line (--unit, the examples' UNIT argument).
#include "schedlab/core/duration.hpp"

#include <gtest/gtest.h>

#include "schedlab/core/errors.hpp"

namespace schedlab {
namespace {

TEST(Duration, AcceptsMillisecondsAndSeconds) {
  EXPECT_EQ(parse_duration_ms("250", "--unit"), 250);
  EXPECT_EQ(parse_duration_ms("250ms", "--unit"), 250);
  EXPECT_EQ(parse_duration_ms("0.02s", "--unit"), 20);
  EXPECT_EQ(parse_duration_ms("1s", "--unit"), 1000);
  EXPECT_EQ(parse_duration_ms("0", "--unit"), 0);
  EXPECT_EQ(parse_duration_ms("60s", "--unit"), 60'000);
}

TEST(Duration, RejectsEverythingElseNamingTheFlag) {
  for (const char* bad :
       {"", "abc", "0.02x", "-1s", " 5", "0x10", "5 ms", "61s", "1e3", "nan", "inf", "10msx"}) {
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

}  // namespace
}  // namespace schedlab
