#include "exporter/engine/failure_report.h"

#include <gtest/gtest.h>

#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

TEST(FailureReport, NoRejectionsGivesTheShortForm) {
  TestPipeline p;
  p.Reviews("rio", "health", 5, 10 * kHour, 0, true);
  auto r = BuildFailureReport(p.source(), Config(), "rio", 24, kNow);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.report, (nlohmann::json{{"agent", "rio"}, {"status", "no_rejections"}, {"period_hours", 24}}));
  // An agent nobody has heard of gets the same answer.
  r = BuildFailureReport(p.source(), Config(), "nobody", 12, kNow);
  EXPECT_EQ(r.report["status"], "no_rejections");
  EXPECT_EQ(r.report["period_hours"], 12);
}

TEST(FailureReport, SummarisesTheAgentsRejections) {
  TestPipeline p;
  p.Reviews("rio", "health", 4, 20 * kHour, 10 * kHour, true);
  for (int i = 0; i < 3; ++i) p.Review("rio", "health", (9 - i) * kHour, false, "missing_evidence", "claim-42");
  p.Review("rio", "legal", 3 * kHour, false, "formatting", "pr-7");
  p.Review("rio", "legal", 30 * kHour, false, "formatting", "old");  // outside 24h
  p.Review("ada", "health", kHour, false, "formatting");             // another agent
  auto r = BuildFailureReport(p.source(), Config(), "rio", 24, kNow);
  ASSERT_TRUE(r.status.ok());
  const nlohmann::json& j = r.report;
  EXPECT_EQ(j["agent"], "rio");
  EXPECT_EQ(j["period_hours"], 24);
  EXPECT_EQ(j["total_reviews"], 8);
  EXPECT_EQ(j["total_rejections"], 4);
  EXPECT_EQ(j["rejection_rate"], 0.5);
  ASSERT_EQ(j["top_reasons"].size(), 2u);
  EXPECT_EQ(j["top_reasons"][0], (nlohmann::json{{"reason", "missing_evidence"}, {"count", 3}, {"share", 0.75}}));
  EXPECT_EQ(j["by_domain"]["legal"], (nlohmann::json{{"reviews", 1}, {"rejections", 1}, {"rejection_rate", 1.0}}));
  ASSERT_EQ(j["stuck_items"].size(), 1u);
  EXPECT_EQ(j["stuck_items"][0]["item"], "claim-42");
  EXPECT_EQ(j["stuck_items"][0]["attempts"], 3);
  ASSERT_EQ(j["recent_rejections"].size(), 4u);
  EXPECT_EQ(j["recent_rejections"][0]["item"], "pr-7");
  EXPECT_EQ(j["recent_rejections"][0]["note"], "note for pr-7");
  EXPECT_EQ(j["recent_rejections"][0]["reviewed_at"], Ago(3 * kHour));
  EXPECT_EQ(j["first_rejection_at"], Ago(9 * kHour));
  EXPECT_EQ(j["last_rejection_at"], Ago(3 * kHour));
}

TEST(FailureReport, KeepsOnlyTheTenMostRecentRejections) {
  TestPipeline p;
  for (int i = 0; i < 15; ++i) p.Review("rio", "health", (i + 1) * kHour, false, "x");
  auto r = BuildFailureReport(p.source(), Config(), "rio", 24, kNow);
  ASSERT_EQ(r.report["recent_rejections"].size(), 10u);
  EXPECT_EQ(r.report["recent_rejections"][9]["reviewed_at"], Ago(10 * kHour));
  EXPECT_EQ(r.report["first_rejection_at"], Ago(15 * kHour));
}

TEST(FailureReport, HoursWidenTheWindow) {
  TestPipeline p;
  p.Review("rio", "health", 100 * kHour, false, "x");
  EXPECT_EQ(BuildFailureReport(p.source(), Config(), "rio", 24, kNow).report["status"], "no_rejections");
  EXPECT_EQ(BuildFailureReport(p.source(), Config(), "rio", 720, kNow).report["total_rejections"], 1);
}

TEST(FailureReport, AReadFailureIsAnError) {
  TestPipeline p;
  p.source().fail_reviews = true;
  auto r = BuildFailureReport(p.source(), Config(), "rio", 24, kNow);
  EXPECT_FALSE(r.status.ok());
}

}  // namespace
}  // namespace argus::testing

namespace argus::testing {
namespace {

// The report's stuck items follow the stuck-loop check's configured
// threshold (it once fell back to 3 of its own when the check was missing).
TEST(FailureReport, StuckItemsFollowTheConfiguredThreshold) {
  TestPipeline p;
  for (int i = 0; i < 2; ++i) p.Review("rio", "health", (5 - i) * kHour, false, "missing_evidence", "pr-2");
  for (int i = 0; i < 3; ++i) p.Review("rio", "health", (4 - i) * kHour, false, "formatting", "pr-3");
  auto defaults = BuildFailureReport(p.source(), Config(), "rio", 24, kNow);
  ASSERT_EQ(defaults.report["stuck_items"].size(), 1u);
  EXPECT_EQ(defaults.report["stuck_items"][0]["item"], "pr-3");
  auto two = BuildFailureReport(p.source(), With("checks:\n  stuck_loop:\n    item_rejections: 2\n"),
                                "rio", 24, kNow);
  ASSERT_EQ(two.report["stuck_items"].size(), 2u);
  EXPECT_EQ(two.report["stuck_items"][1]["item"], "pr-2");
  auto four = BuildFailureReport(
      p.source(), With("checks:\n  stuck_loop:\n    item_rejections: 4\n    item_rejections_critical: 5\n"),
      "rio", 24, kNow);
  EXPECT_TRUE(four.report["stuck_items"].empty());
}

}  // namespace
}  // namespace argus::testing
