// What the status page draws from: the hour-by-hour history the row feed
// fills, and the charts it is drawn with.
#include <gtest/gtest.h>

#include "exporter/engine/hourly_history.h"
#include "exporter/serve/charts.h"
#include "exporter/serve/http_routes.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

TEST(HourlyHistory, CountsEachHourOfTheLastEightDaysPerScope) {
  TestPipeline p;
  p.Review("rio", "legal", kHour / 2, false, "late");        // the hour before now
  p.Review("rio", "legal", kHour / 2 + kMinute, true, "");
  p.Review("ada", "health", 3 * kHour, true, "");            // three hours ago
  p.Review("ada", "health", 8 * kDay + kHour, true, "");     // before the 8 days
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
  EXPECT_EQ(total, 3);  // the one before the 8 days is left out
  EXPECT_EQ(view.pipeline.reviews[at(3 * kHour)], 1);
  EXPECT_EQ(view.pipeline.reviews[last], 0);
  EXPECT_EQ(view.domains.at("legal").reviews[at(kHour / 2)], 2);
  EXPECT_EQ(view.domains.at("legal").rejections[at(kHour / 2)], 1);
  // Agents are summed kAgentStep hours a point.
  const HourlySeries& rio = view.agents.at("rio");
  EXPECT_EQ(rio.step, HistoryView::kAgentStep);
  ASSERT_EQ(rio.reviews.size(), size_t(HourlyHistory::kHours / HistoryView::kAgentStep));
  EXPECT_EQ(rio.reviews.back(), 2);
  EXPECT_DOUBLE_EQ(rio.usd.back(), 1.25);
  EXPECT_EQ(rio.rejections.back(), 1);

  // Nine days later everything has aged out, and the scopes are gone.
  history.Forget(kNow + 9 * kDay);
  EXPECT_TRUE(history.pipeline().empty());
  EXPECT_TRUE(history.agents().empty());
  EXPECT_TRUE(history.domains().empty());
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
