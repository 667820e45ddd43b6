#include "exporter/base/timestamp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

namespace argus {
namespace {

constexpr Millis kT = 1795813391000;  // 2026-11-27T21:03:11Z

TEST(ParseTimestamp, ReadsEveryIsoSpellingThePipelineUses) {
  EXPECT_EQ(ParseTimestamp("2026-11-27T21:03:11Z"), kT);
  EXPECT_EQ(ParseTimestamp("2026-11-27 21:03:11"), kT);
  EXPECT_EQ(ParseTimestamp("2026-11-27T21:03:11+00:00"), kT);
  EXPECT_EQ(ParseTimestamp("2026-11-27 21:03:11.250"), kT + 250);
  EXPECT_EQ(ParseTimestamp("2026-11-27T21:03:11.123456Z"), kT + 123);
  EXPECT_EQ(ParseTimestamp(" 2026-11-27T21:03:11Z "), kT);
}

TEST(ParseTimestamp, AppliesOtherOffsets) {
  EXPECT_EQ(ParseTimestamp("2026-11-27T23:03:11+02:00"), kT);
  EXPECT_EQ(ParseTimestamp("2026-11-27T16:03:11-0500"), kT);
}

TEST(ParseTimestamp, ReadsUnixSeconds) {
  EXPECT_EQ(ParseTimestamp("1795813391"), kT);
  EXPECT_EQ(ParseTimestamp("1795813391.5"), kT + 500);
  EXPECT_EQ(TimestampFromUnixSeconds(1795813391.0), kT);
}

TEST(ParseTimestamp, RefusesWhatIsNotATimestamp) {
  for (const char* bad : {"", "yesterday", "2026-11-27", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-11-27T25:00:00Z", "2026-11-27T21:03",
                          "2026-11-27T21:03:11Zjunk", "2026-11-27T21:03:11.", "12ab", "-",
                          "1e400", "2026-11-27T21:03:11+99:00"}) {
    EXPECT_FALSE(ParseTimestamp(bad).has_value()) << bad;
  }
  EXPECT_FALSE(TimestampFromUnixSeconds(-1).has_value());
  EXPECT_FALSE(TimestampFromUnixSeconds(1e300).has_value());
}

TEST(ParseTimestamp, KnowsLeapDays) {
  EXPECT_TRUE(ParseTimestamp("2028-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseTimestamp("2026-02-29T00:00:00Z").has_value());
  EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:00Z"), 0);
}

TEST(FormatTimestamp, RoundTrips) {
  EXPECT_EQ(FormatTimestamp(kT), "2026-11-27T21:03:11Z");
  EXPECT_EQ(FormatTimestamp(kT + 7), "2026-11-27T21:03:11.007Z");
  for (Millis t : {Millis{0}, kT, kT + 999, Millis{951782400000}}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(t)), t);
  }
}

TEST(Duration, ParsesAndFormats) {
  EXPECT_EQ(ParseDuration("6h"), 6 * kHour);
  EXPECT_EQ(ParseDuration("7d"), 7 * kDay);
  EXPECT_EQ(ParseDuration("1h30m"), 90 * kMinute);
  EXPECT_EQ(ParseDuration("250ms"), 250);
  EXPECT_EQ(ParseDuration("1w"), 7 * kDay);
  for (const char* bad : {"", "6", "h", "-6h", "6x", "1.5h", "6h-"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
  EXPECT_EQ(FormatDuration(24 * kHour), "24h");
  EXPECT_EQ(FormatDuration(7 * kDay), "7d");
  EXPECT_EQ(FormatDuration(90 * kMinute), "1h30m");
  EXPECT_EQ(FormatDuration(60 * kSecond), "1m");
}

// Found by fuzz_timestamp: "1ms79517958d" parsed to 217,000 years, which
// FormatDuration spelt in a way ParseDuration refused; enough such parts
// overflowed the sum. Durations stop at a century.
TEST(Duration, StopsAtACenturySoEveryValueReadsBack) {
  EXPECT_EQ(ParseDuration("36500d"), kMaxDuration);
  EXPECT_FALSE(ParseDuration("36500d1ms").has_value());
  EXPECT_FALSE(ParseDuration("1ms79517958d").has_value());
  EXPECT_FALSE(ParseDuration("999999999w999999999w").has_value());
  for (Millis d : {Millis{0}, Millis{1}, 25 * kHour + 1, kMaxDuration, kMaxDuration - 1}) {
    EXPECT_EQ(ParseDuration(FormatDuration(d)), d) << FormatDuration(d);
  }
}

}  // namespace
}  // namespace argus

namespace argus {
namespace {

// Unix seconds with up to three decimals are read in integers; they must
// give the instant the conversion through a double gives, to the
// millisecond, over the whole range.
TEST(ParseTimestamp, UnixSecondsInIntegersAgreeWithTheDoubleConversion) {
  uint64_t state = 88172645463325252ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int i = 0; i < 200000; ++i) {
    const uint64_t whole = next() % 253402300800ull;
    const int decimals = static_cast<int>(next() % 4);
    std::string text = std::to_string(whole);
    if (decimals > 0 || next() % 5 == 0) text += ".";
    for (int d = 0; d < decimals; ++d) text += char('0' + next() % 10);
    const double seconds = std::strtod(text.c_str(), nullptr);
    const auto want = static_cast<Millis>(std::floor(seconds * 1000.0 + 0.5));
    ASSERT_EQ(ParseTimestamp(text), want) << text;
  }
}

}  // namespace
}  // namespace argus
