// What the status page draws from: the hour-by-hour history the row feed
// fills, and the charts it is drawn with.
#include <gtest/gtest.h>

#include "exporter/engine/hourly_history.h"
#include "exporter/serve/charts.h"
#include "exporter/serve/exporter.h"
#include "exporter/serve/http_routes.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }

TEST(HourlyHistory, CountsEachHourOfTheLastEightDaysPerScope) {
  TestPipeline p;
  p.Review("rio", "legal", kHour / 2, false, "late");        // the hour before now's
  p.Review("rio", "legal", kHour / 2 + kMinute, true, "");
  p.Review("ada", "health", 3 * kHour, true, "");            // three hours ago
  // The first hour of the 8 days, and the hour before it.
  p.Review("ada", "health", (HourlyHistory::kHours - 1) * kHour, true, "");
  p.Review("ada", "health", HourlyHistory::kHours * kHour + kMinute, true, "");
  p.Cost("rio", kHour / 2, 1.25);
  RowFeed feed(p.source(), true);
  HourlyHistory history;
  feed.Join(&history);
  ASSERT_TRUE(feed.Read(kNow).errors.Any().empty());
  history.Forget(kNow);

  const HistoryView view = ViewOf(history, kNow);
  ASSERT_EQ(view.pipeline.reviews.size(), size_t(HourlyHistory::kHours));
  // The last point is the hour that holds now; kNow starts its hour.
  const size_t last = HourlyHistory::kHours - 1;
  auto at = [&](Millis age) { return last - size_t(FloorHour(kNow) - FloorHour(kNow - age)); };
  double total = 0;
  for (double v : view.pipeline.reviews) total += v;
  EXPECT_EQ(total, 4);  // the one before the 8 days is left out
  EXPECT_EQ(view.pipeline.reviews[0], 1);
  EXPECT_EQ(view.pipeline.reviews[at(3 * kHour)], 1);
  EXPECT_EQ(view.pipeline.reviews[last], 0);
  EXPECT_EQ(view.domains.at("legal").reviews[at(kHour / 2)], 2);
  EXPECT_TRUE(view.domains.at("legal").rejections.empty());  // not drawn, not copied
  // Agents: kAgentStep hours a point, on whole multiples of kAgentStep
  // hours since 1970, the last one holding now.
  const HourlySeries& rio = view.agents.at("rio");
  EXPECT_EQ(rio.step, HourlyHistory::kAgentStep);
  ASSERT_EQ(rio.reviews.size(), size_t(HourlyHistory::kHours / HourlyHistory::kAgentStep));
  const int64_t step = HourlyHistory::kAgentStep;
  const size_t slot = rio.reviews.size() - 1 -
                      size_t(FloorDiv(FloorHour(kNow), step) - FloorDiv(FloorHour(kNow - kHour / 2), step));
  EXPECT_EQ(rio.reviews[slot], 2);
  EXPECT_EQ(rio.rejections[slot], 1);
  EXPECT_DOUBLE_EQ(rio.usd[slot], 1.25);

  // Nine days later everything has aged out, and the scopes are gone.
  history.Forget(kNow + 9 * kDay);
  EXPECT_TRUE(history.pipeline().empty());
  EXPECT_TRUE(history.agents().empty());
  EXPECT_TRUE(history.domains().empty());
}

// Rows ahead of the clock wait (up to a day) to come into view; further
// ahead they are left out, so that a wrong clock cannot fill the memory or
// keep an agent on the page for ever.
TEST(HourlyHistory, RowsAheadOfTheClockWaitADayAtMost) {
  TestPipeline p;
  p.Review("rio", "legal", -2 * kHour, true, "");         // two hours ahead
  p.Review("zed", "legal", -400 * kDay, true, "");        // over a year ahead
  RowFeed feed(p.source(), true);
  HourlyHistory history;
  history.Forget(kNow);
  feed.Join(&history);
  feed.Read(kNow);
  history.Forget(kNow);
  EXPECT_EQ(history.agents().count("zed"), 0u);
  EXPECT_EQ(ViewOf(history, kNow).agents.count("rio"), 0u);  // nothing to draw yet
  const HistoryView later = ViewOf(history, kNow + 3 * kHour);
  ASSERT_EQ(later.agents.count("rio"), 1u);
  EXPECT_EQ(later.pipeline.reviews.back() + later.pipeline.reviews[later.pipeline.reviews.size() - 2], 1);
}

TEST(HourlyHistory, ARestartForgetsEverything) {
  TestPipeline p;
  p.Review("rio", "legal", kHour, true, "");
  RowFeed feed(p.source(), true);
  HourlyHistory history;
  feed.Join(&history);
  feed.Read(kNow);
  EXPECT_FALSE(history.pipeline().empty());
  history.Restart(RestartCause::kReplaced);
  EXPECT_TRUE(history.pipeline().empty());
  EXPECT_TRUE(history.agents().empty());
}

TEST(Charts, EveryTextIsEscapedAndEveryNumberFinite) {
  const std::string bullet =
      Bullet(0.25, 0.8, 0.6, Unit::kRatio, "<script>alert(1)</script>\"'&", 160, 22, "bullet evidence");
  EXPECT_EQ(bullet.find("<script"), std::string::npos);
  EXPECT_NE(bullet.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"), std::string::npos);
  EXPECT_NE(bullet.find("class=\"bullet evidence\""), std::string::npos);
  EXPECT_NE(bullet.find("<title>&lt;script"), std::string::npos);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const std::string& svg :
       {BarChart({1, nan, inf, -3, 2}, 200, 60, 2, {{nan, "a"}, {inf, "b", true}}, "t"),
        Sparkline({nan, inf, 0}, 100, 20, "t"), Bullet(nan, inf, -inf, Unit::kUsd, "t")}) {
    EXPECT_EQ(svg.find("nan"), std::string::npos) << svg;
    EXPECT_EQ(svg.find("inf"), std::string::npos) << svg;
  }
  // A right-to-left override would turn the rest of its line around, and a
  // NUL is no HTML text: both show as U+FFFD; newlines and tabs stay.
  EXPECT_EQ(HtmlEscape("\xE2\x80\xAERLO \xE2\x81\xA6iso\xE2\x81\xA9 a\x01\x7F\nb\tc"),
            "\xEF\xBF\xBDRLO \xEF\xBF\xBDiso\xEF\xBF\xBD a\xEF\xBF\xBD\xEF\xBF\xBD\nb\tc");
  EXPECT_EQ(HtmlEscape("caf\xC3\xA9 \xE2\x80\x94 \xE2\x80\x8B"), "caf\xC3\xA9 \xE2\x80\x94 \xE2\x80\x8B");
  EXPECT_EQ(HtmlEscape("a\r\nb\xC2\x85" "z\xC2\xA0"), "a\r\nb\xEF\xBF\xBD" "z\xC2\xA0");  // CRLF stays; NEL (C1) goes
  EXPECT_EQ(DataNumber(0.22222222), "0.222222");
  EXPECT_EQ(DataNumber(34.6071), "34.6071");
  EXPECT_EQ(DataNumber(1200), "1200");
  EXPECT_EQ(Human(7.8433, Unit::kUsd), "$7.84");
  EXPECT_EQ(Human(0.2222, Unit::kRatio), "22%");
}

TEST(Charts, BarsScaleToTheTallestAndMarkTheWindow) {
  const std::string svg = BarChart({0, 5, 10}, 300, 100, 1, {{5, "baseline"}}, "t", 4, Unit::kCount);
  EXPECT_NE(svg.find("max 10"), std::string::npos);
  EXPECT_NE(svg.find("12h ago"), std::string::npos);  // 3 bars of 4 hours
  EXPECT_NE(svg.find("class=\"window\" x=\"200\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"baseline\""), std::string::npos);
  // Two bars drawn (the zero one is not), in one path of strokes.
  const std::string path = svg.substr(svg.find("class=\"bars\""));
  EXPECT_EQ(std::count(path.begin(), path.begin() + path.find("/>"), 'M'), 2);
}

}  // namespace
}  // namespace argus::testing

namespace argus::testing {
namespace {

// The status page of a cycle is rendered once, by its first view, and
// shared by every later one; a view with other links renders its own.
TEST(StatusPageCache, RendersOncePerCycleAndBase) {
  Published published;
  int renders = 0;
  auto render = [&] {
    ++renders;
    return std::string("page ") + std::to_string(renders);
  };
  const auto first = published.StatusPage("/", render);
  const auto again = published.StatusPage("/", render);
  EXPECT_EQ(renders, 1);
  EXPECT_EQ(first.get(), again.get());
  EXPECT_EQ(*published.StatusPage("/argus/", render), "page 2");
  EXPECT_EQ(*published.StatusPage("/", render), "page 1");
  EXPECT_EQ(renders, 2);
}

}  // namespace
}  // namespace argus::testing
