// The seven detections: each fires at its threshold, stays silent just
// below, escalates to critical, respects its minimum samples and the edges
// of its windows.
#include <gtest/gtest.h>

#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

const Alert* Find(const std::vector<Alert>& alerts, const std::string& id) {
  for (const Alert& a : alerts) {
    if (a.id() == id) return &a;
  }
  return nullptr;
}

// ---- dormant_agent ----------------------------------------------------------

TEST(DormantAgent, FiresAtSixHoursIdle) {
  TestPipeline p;
  p.Activity("rio", 6 * kHour);
  auto alerts = p.AlertsOf("dormant_agent");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].id(), "dormant_agent:rio");
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
  EXPECT_DOUBLE_EQ(*alerts[0].value, 6.0);
  EXPECT_DOUBLE_EQ(alerts[0].threshold, 6.0);
}

TEST(DormantAgent, SilentJustBelowSixHours) {
  TestPipeline p;
  p.Activity("rio", 6 * kHour - kSecond);
  EXPECT_TRUE(p.AlertsOf("dormant_agent").empty());
}

TEST(DormantAgent, CriticalAtTwentyFourHours) {
  TestPipeline p;
  p.Activity("rio", 24 * kHour);
  p.Activity("ada", 24 * kHour - kSecond);
  auto alerts = p.AlertsOf("dormant_agent");
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(Find(alerts, "dormant_agent:rio")->severity, Severity::kCritical);
  EXPECT_EQ(Find(alerts, "dormant_agent:ada")->severity, Severity::kWarning);
}

TEST(DormantAgent, ForgetsAgentsSilentForTheWholeLookback) {
  TestPipeline p;
  p.Activity("retired", 7 * kDay);
  p.Activity("recent", 7 * kDay - kMinute);
  auto alerts = p.AlertsOf("dormant_agent");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].id(), "dormant_agent:recent");
}

TEST(DormantAgent, CostRowsCountAsActivity) {
  TestPipeline p;
  p.Activity("rio", 10 * kHour);
  p.Cost("rio", kHour, 0.5);
  EXPECT_TRUE(p.AlertsOf("dormant_agent").empty());
}

TEST(DormantAgent, ExpectedAgentNeverSeenIsCritical) {
  TestPipeline p;
  p.Activity("rio", kHour);
  p.Activity("old", 9 * kDay);
  auto alerts = p.AlertsOf("dormant_agent",
                           With("checks:\n  dormant_agent:\n    expected_agents: [ghost, old, rio]\n"));
  ASSERT_EQ(alerts.size(), 2u);
  for (const char* id : {"dormant_agent:ghost", "dormant_agent:old"}) {
    const Alert* a = Find(alerts, id);
    ASSERT_NE(a, nullptr) << id;
    EXPECT_EQ(a->severity, Severity::kCritical);
    EXPECT_FALSE(a->value.has_value());
  }
}

// ---- quality_regression -----------------------------------------------------

// 20 baseline reviews with 16 approved (0.8), and a window of `approved` out
// of `total`.
// The thresholds alone: the boundary cases below are at volumes too small
// for the evidence tests, which the Evidence tests further down cover.
Config NoEvidence() {
  return With(R"(
checks:
  quality_regression: {evidence_level: 1}
  rejection_spike: {evidence_level: 1}
  domain_rejection_pattern: {evidence_level: 1}
)");
}

void QualityCase(TestPipeline& p, int approved, int total, int baseline = 20) {
  const int baseline_approved = baseline * 4 / 5;
  p.Reviews("rio", "health", baseline_approved, 8 * kDay, kDay, true);
  p.Reviews("rio", "health", baseline - baseline_approved, 8 * kDay, kDay, false);
  p.Reviews("rio", "health", approved, kDay, 0, true);
  p.Reviews("rio", "health", total - approved, kDay, 0, false);
}

TEST(QualityRegression, FiresAtADropOfExactlyTwentyPoints) {
  TestPipeline p;
  QualityCase(p, 6, 10);  // 0.8 -> 0.6: a drop of 0.2 in floating point
  auto alerts = p.AlertsOf("quality_regression", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].id(), "quality_regression:rio");
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
  EXPECT_NEAR(*alerts[0].value, 0.2, 1e-9);
  EXPECT_DOUBLE_EQ(alerts[0].threshold, 0.2);
}

TEST(QualityRegression, SilentJustBelow) {
  TestPipeline p;
  QualityCase(p, 61, 100);  // a drop of 0.19
  EXPECT_TRUE(p.AlertsOf("quality_regression", NoEvidence()).empty());
}

TEST(QualityRegression, CriticalAtFortyPoints) {
  TestPipeline p;
  QualityCase(p, 4, 10);
  auto alerts = p.AlertsOf("quality_regression", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
}

TEST(QualityRegression, NeedsTenReviewsInTheWindow) {
  TestPipeline p;
  QualityCase(p, 0, 9);
  EXPECT_TRUE(p.AlertsOf("quality_regression", NoEvidence()).empty());
}

TEST(QualityRegression, NeedsTwentyReviewsInTheBaseline) {
  TestPipeline p;
  QualityCase(p, 0, 10, 15);
  EXPECT_TRUE(p.AlertsOf("quality_regression", NoEvidence()).empty());
}

TEST(QualityRegression, AReviewExactlyAWindowAgoBelongsToTheBaseline) {
  TestPipeline p;
  QualityCase(p, 6, 10);
  // In the window this would make 7/11 (a drop of 0.16: silent); in the
  // baseline it makes 17/21 (a drop of 0.21: fires).
  p.Review("rio", "health", kDay, true);
  auto alerts = p.AlertsOf("quality_regression", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].details["window_reviews"], 10);
  EXPECT_EQ(alerts[0].details["baseline_reviews"], 21);
}

TEST(QualityRegression, ReviewsOlderThanTheBaselineAreIgnored) {
  TestPipeline p;
  QualityCase(p, 6, 10);
  p.Reviews("rio", "health", 50, 9 * kDay, 8 * kDay, false);
  auto alerts = p.AlertsOf("quality_regression", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].details["baseline_reviews"], 20);
}

// ---- throughput_anomaly -----------------------------------------------------

// `per_bucket` reviews in each of the 28 six-hour baseline buckets, and
// `current` in the window, all in domain "health".
void ThroughputCase(TestPipeline& p, int per_bucket, int current) {
  for (int k = 1; k <= 28; ++k) {
    p.Reviews("rio", "health", per_bucket, (k + 1) * 6 * kHour, k * 6 * kHour, true);
  }
  p.Reviews("rio", "health", current, 6 * kHour, 0, true);
}

TEST(ThroughputAnomaly, DropFiresAtHalfTheMean) {
  TestPipeline p;
  ThroughputCase(p, 10, 5);
  auto alerts = p.AlertsOf("throughput_anomaly");
  ASSERT_EQ(alerts.size(), 2u);  // the pipeline and its only domain
  const Alert* pipeline = Find(alerts, "throughput_anomaly:pipeline");
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(pipeline->severity, Severity::kWarning);
  EXPECT_FALSE(pipeline->domain.has_value());
  const Alert* domain = Find(alerts, "throughput_anomaly:domain=health");
  ASSERT_NE(domain, nullptr);
  EXPECT_EQ(*domain->domain, "health");
  EXPECT_DOUBLE_EQ(domain->threshold, 5.0);
}

TEST(ThroughputAnomaly, DropSilentJustAboveHalfTheMean) {
  TestPipeline p;
  ThroughputCase(p, 10, 6);
  EXPECT_TRUE(p.AlertsOf("throughput_anomaly").empty());
}

TEST(ThroughputAnomaly, NoReviewsAtAllIsCritical) {
  TestPipeline p;
  ThroughputCase(p, 10, 0);
  auto alerts = p.AlertsOf("throughput_anomaly");
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
}

TEST(ThroughputAnomaly, SurgeIsInfoAtThreeTimesTheMean) {
  TestPipeline p;
  ThroughputCase(p, 10, 30);
  auto alerts = p.AlertsOf("throughput_anomaly");
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].severity, Severity::kInfo);
  EXPECT_EQ(alerts[0].details["direction"], "surge");
}

TEST(ThroughputAnomaly, SurgeSilentJustBelow) {
  TestPipeline p;
  ThroughputCase(p, 10, 29);
  EXPECT_TRUE(p.AlertsOf("throughput_anomaly").empty());
}

TEST(ThroughputAnomaly, SurgeNeedsTwentyReviews) {
  TestPipeline p;
  ThroughputCase(p, 6, 19);  // >= 3 x 6 but under 20
  EXPECT_TRUE(p.AlertsOf("throughput_anomaly").empty());
}

TEST(ThroughputAnomaly, NeedsABaselineMeanOfSix) {
  TestPipeline p;
  ThroughputCase(p, 5, 0);
  EXPECT_TRUE(p.AlertsOf("throughput_anomaly").empty());
}

TEST(ThroughputAnomaly, NoisyBaselineNeedsAZScoreOfMinusThree) {
  TestPipeline p;
  // Days alternate 4 and 16 reviews a bucket (mean 10, stddev 6): 4 is a
  // drop by ratio but only z = -1; the same hours of the previous days
  // alternate too (mean 9.1, stddev 5.9: z = -0.9).
  for (int k = 1; k <= 28; ++k) {
    p.Reviews("rio", "health", (k / 4) % 2 ? 4 : 16, (k + 1) * 6 * kHour, k * 6 * kHour, true);
  }
  p.Reviews("rio", "health", 4, 6 * kHour, 0, true);
  EXPECT_TRUE(p.AlertsOf("throughput_anomaly").empty());
}

// Office hours on weekdays, for five weeks: `per_hour` reviews an hour from
// 08:00 to 20:00 UTC, Monday to Friday, up to `until` (an age before kNow).
void WorkWeek(TestPipeline& p, int per_hour, Millis until = 0) {
  for (Millis age = 35 * kDay; age > until; age -= kHour) {
    const Millis at = kNow - age;
    const int64_t hour = at / kHour;
    const int weekday = static_cast<int>(((hour / 24) + 3) % 7);  // Monday 0
    const int hour_of_day = static_cast<int>(hour % 24);
    if (weekday >= 5 || hour_of_day < 8 || hour_of_day >= 20) continue;
    p.Reviews("rio", "health", per_hour, age, std::max(until, age - kHour), true);
  }
}

TEST(ThroughputAnomaly, AWeekdayPipelineIsQuietAtNightAndAtTheWeekend) {
  // kNow is Saturday 10:00 UTC: the window holds nothing, like the same
  // hours of the previous Saturdays.
  TestPipeline p;
  WorkWeek(p, 10);
  EXPECT_TRUE(p.AlertsOf("throughput_anomaly").empty());
  CycleResult r = p.Run();
  EXPECT_EQ(SampleValue(r, "throughput_baseline_period_seconds", {}), 7 * 24 * 3600);
  EXPECT_EQ(SampleValue(r, "throughput_baseline_mean_reviews", {}), 0);
}

TEST(ThroughputAnomaly, AWeekdayPipelineThatStopsIsADropWithinHours) {
  // Stopped on Friday at 10:00, 24 hours before kNow... evaluated as of
  // Friday 16:00 (18 hours before kNow): six hours of nothing where the
  // previous Fridays had 60 reviews.
  TestPipeline p;
  WorkWeek(p, 10, 24 * kHour);
  auto alerts = p.AlertsOf("throughput_anomaly", Config(), kNow - 18 * kHour);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  EXPECT_EQ(alerts[0].details["baseline_period_seconds"], 7 * 24 * 3600);
  // Two hours after the stop the window (04:00, 12:00] holds 20 of the
  // usual 40: a warning.
  alerts = p.AlertsOf("throughput_anomaly", Config(), kNow - 22 * kHour);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
}

TEST(ThroughputAnomaly, PublishesTheQuantitiesItCompares) {
  TestPipeline p;
  ThroughputCase(p, 10, 5);
  CycleResult r = p.Run();
  EXPECT_EQ(SampleValue(r, "throughput_reviews", {}), 5);
  EXPECT_EQ(SampleValue(r, "throughput_baseline_mean_reviews", {{"domain", "health"}}), 10);
  EXPECT_EQ(SampleValue(r, "throughput_baseline_stddev_reviews", {{"domain", "health"}}), 0);
}

// ---- rejection_spike --------------------------------------------------------

// A baseline of `per_hour` rejections an hour over 7 days, and `current`
// rejections in the last hour.
void SpikeCase(TestPipeline& p, int per_hour, int current) {
  p.Reviews("rio", "health", per_hour * 168, 7 * kDay + kHour, kHour, false, "off_topic");
  for (int i = 0; i < current; ++i) {
    p.Review("rio", "health", kMinute * (2 + 4 * i), false, i % 2 ? "off_topic" : "formatting");
  }
}

TEST(RejectionSpike, FiresAtThreeTimesTheBaselineRate) {
  TestPipeline p;
  SpikeCase(p, 2, 6);
  auto alerts = p.AlertsOf("rejection_spike", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
  EXPECT_DOUBLE_EQ(*alerts[0].value, 6);
  EXPECT_DOUBLE_EQ(alerts[0].threshold, 6);
}

TEST(RejectionSpike, SilentJustBelowThreeTimes) {
  TestPipeline p;
  SpikeCase(p, 2, 5);
  EXPECT_TRUE(p.AlertsOf("rejection_spike", NoEvidence()).empty());
}

TEST(RejectionSpike, CriticalAtSixTimes) {
  TestPipeline p;
  SpikeCase(p, 2, 12);
  auto alerts = p.AlertsOf("rejection_spike", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
}

TEST(RejectionSpike, NeedsFiveRejections) {
  TestPipeline p;
  SpikeCase(p, 0, 4);
  EXPECT_TRUE(p.AlertsOf("rejection_spike", NoEvidence()).empty());
  TestPipeline q;
  SpikeCase(q, 0, 5);
  EXPECT_EQ(q.AlertsOf("rejection_spike", NoEvidence()).size(), 1u);
}

TEST(RejectionSpike, ARejectionExactlyAnHourAgoIsBaseline) {
  TestPipeline p;
  SpikeCase(p, 0, 4);
  p.Review("rio", "health", kHour, false);
  EXPECT_TRUE(p.AlertsOf("rejection_spike", NoEvidence()).empty());
}

// ---- stuck_loop -------------------------------------------------------------

TEST(StuckLoop, ItemRejectedThreeTimesIsAWarning) {
  TestPipeline p;
  for (int i = 0; i < 3; ++i) p.Review("rio", "health", (5 - i) * kHour, false, "missing_evidence", "claim-42");
  p.Review("rio", "health", 30 * kMinute, true);  // no trailing streak
  auto alerts = p.AlertsOf("stuck_loop");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
  EXPECT_EQ(alerts[0].message, "rio: item claim-42 rejected 3 times in 6h (last reason: missing_evidence)");
  EXPECT_EQ(alerts[0].details["stuck_items"][0]["attempts"], 3);
}

TEST(StuckLoop, TwoRejectionsOrAnApprovalAreNotALoop) {
  TestPipeline p;
  for (int i = 0; i < 2; ++i) p.Review("rio", "health", (5 - i) * kHour, false, "x", "claim-1");
  for (int i = 0; i < 4; ++i) p.Review("rio", "health", (5 - i) * kHour, false, "x", "claim-2");
  p.Review("rio", "health", kHour, true, "", "claim-2");
  p.Review("rio", "health", 30 * kMinute, true);
  EXPECT_TRUE(p.AlertsOf("stuck_loop").empty());
}

TEST(StuckLoop, FiveAttemptsAreCritical) {
  TestPipeline p;
  for (int i = 0; i < 5; ++i) p.Review("rio", "health", (5 - i) * kHour, false, "missing_evidence", "claim-42");
  p.Review("rio", "health", 30 * kMinute, true);
  auto alerts = p.AlertsOf("stuck_loop");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  EXPECT_DOUBLE_EQ(*alerts[0].value, 5);
  EXPECT_DOUBLE_EQ(alerts[0].threshold, 3);
}

TEST(StuckLoop, RejectionsOutsideTheWindowDoNotCount) {
  TestPipeline p;
  p.Review("rio", "health", 6 * kHour, false, "x", "claim-42");  // exactly 6h ago: outside
  p.Review("rio", "health", 2 * kHour, false, "x", "claim-42");
  p.Review("rio", "health", 1 * kHour, false, "x", "claim-42");
  p.Review("rio", "health", 30 * kMinute, true);
  EXPECT_TRUE(p.AlertsOf("stuck_loop").empty());
}

TEST(StuckLoop, StreakOfFiveWithOneReasonIsAWarning) {
  TestPipeline p;
  p.Review("rio", "health", 5 * kHour, true);
  for (int i = 0; i < 5; ++i) p.Review("rio", "health", (4 * 60 - 30 * i) * kMinute, false, "formatting");
  auto alerts = p.AlertsOf("stuck_loop");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
  EXPECT_EQ(alerts[0].details["streak"]["length"], 5);
  EXPECT_EQ(alerts[0].details["streak"]["reason"], "formatting");
}

TEST(StuckLoop, StreakOfFourOrOfMixedReasonsIsSilent) {
  TestPipeline p;
  p.Review("rio", "health", 5 * kHour, true);
  for (int i = 0; i < 4; ++i) p.Review("rio", "health", (4 * 60 - 30 * i) * kMinute, false, "formatting");
  EXPECT_TRUE(p.AlertsOf("stuck_loop").empty());
  TestPipeline q;
  for (int i = 0; i < 6; ++i) q.Review("rio", "health", (4 * 60 - 30 * i) * kMinute, false, i == 2 ? "off_topic" : "formatting");
  EXPECT_TRUE(q.AlertsOf("stuck_loop").empty());
}

TEST(StuckLoop, StreakOfEightIsCritical) {
  TestPipeline p;
  for (int i = 0; i < 8; ++i) p.Review("rio", "health", (5 * 60 - 30 * i) * kMinute, false, "formatting");
  auto alerts = p.AlertsOf("stuck_loop");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  EXPECT_EQ(alerts[0].message, "rio: last 8 reviews rejected for formatting in 6h");
}

TEST(StuckLoop, OneAlertListsEveryStuckItemAndTheStreak) {
  TestPipeline p;
  for (int i = 0; i < 3; ++i) p.Review("rio", "health", (5 * 60 - 10 * i) * kMinute, false, "a", "claim-1");
  for (int i = 0; i < 4; ++i) p.Review("rio", "legal", (4 * 60 - 10 * i) * kMinute, false, "b", "claim-2");
  auto alerts = p.AlertsOf("stuck_loop");
  ASSERT_EQ(alerts.size(), 1u);
  ASSERT_EQ(alerts[0].details["stuck_items"].size(), 2u);
  EXPECT_EQ(alerts[0].details["stuck_items"][0]["item"], "claim-2");
  EXPECT_EQ(alerts[0].details["stuck_items"][0]["domain"], "legal");
  EXPECT_EQ(alerts[0].details["streak"]["length"], 4);
}

// ---- cost_spike -------------------------------------------------------------

void CostCase(TestPipeline& p, double baseline_per_day, double current) {
  for (int d = 1; d <= 7; ++d) p.Cost("rio", d * kDay + 12 * kHour, baseline_per_day);
  p.Cost("rio", 12 * kHour, current / 2);
  p.Cost("rio", kHour, current / 2);
}

TEST(CostSpike, FiresAtFiveDollarsAndTwiceTheBaseline) {
  TestPipeline p;
  CostCase(p, 1.0, 5.0);
  auto alerts = p.AlertsOf("cost_spike");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);  // 5 >= 4 x 1
  TestPipeline q;
  CostCase(q, 2.0, 5.0);
  alerts = q.AlertsOf("cost_spike");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
}

TEST(CostSpike, SilentUnderFiveDollars) {
  TestPipeline p;
  CostCase(p, 0.1, 4.99);
  EXPECT_TRUE(p.AlertsOf("cost_spike").empty());
}

TEST(CostSpike, SilentJustBelowTwiceTheBaseline) {
  TestPipeline p;
  CostCase(p, 4.0, 7.99);
  EXPECT_TRUE(p.AlertsOf("cost_spike").empty());
}

TEST(CostSpike, CriticalAtFourTimes) {
  TestPipeline p;
  CostCase(p, 2.0, 8.0);
  auto alerts = p.AlertsOf("cost_spike");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  TestPipeline q;
  CostCase(q, 2.0, 7.99);
  alerts = q.AlertsOf("cost_spike");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
}

TEST(CostSpike, ACostExactlyADayAgoIsBaseline) {
  TestPipeline p;
  CostCase(p, 0.0, 4.0);
  p.Cost("rio", kDay, 10.0);
  EXPECT_TRUE(p.AlertsOf("cost_spike").empty());
}

// ---- domain_rejection_pattern -----------------------------------------------

void DomainCase(TestPipeline& p, int approved, int rejected_a, int rejected_b,
                const std::string& reason_b = "policy") {
  p.Reviews("rio", "finance", approved, 20 * kHour, kHour, true);
  p.Reviews("rio", "finance", rejected_a, 20 * kHour, kHour, false, "policy");
  p.Reviews("ada", "finance", rejected_b, 20 * kHour, kHour, false, reason_b);
}

TEST(DomainRejectionPattern, FiresAtHalfRejectedAcrossTwoAgents) {
  TestPipeline p;
  DomainCase(p, 5, 3, 2);
  auto alerts = p.AlertsOf("domain_rejection_pattern", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].id(), "domain_rejection_pattern:finance");
  EXPECT_EQ(alerts[0].severity, Severity::kWarning);
  EXPECT_FALSE(alerts[0].agent.has_value());
  EXPECT_EQ(alerts[0].details["top_reason"], "policy");
}

TEST(DomainRejectionPattern, SilentJustBelowHalf) {
  TestPipeline p;
  DomainCase(p, 6, 3, 2);  // 5 of 11
  EXPECT_TRUE(p.AlertsOf("domain_rejection_pattern", NoEvidence()).empty());
}

TEST(DomainRejectionPattern, NeedsTenReviews) {
  TestPipeline p;
  DomainCase(p, 0, 5, 4);
  EXPECT_TRUE(p.AlertsOf("domain_rejection_pattern", NoEvidence()).empty());
}

TEST(DomainRejectionPattern, NeedsTwoRejectingAgents) {
  TestPipeline p;
  DomainCase(p, 2, 10, 0);
  EXPECT_TRUE(p.AlertsOf("domain_rejection_pattern", NoEvidence()).empty());
}

TEST(DomainRejectionPattern, NeedsOneReasonToDominate) {
  TestPipeline p;
  p.Reviews("rio", "finance", 4, 20 * kHour, kHour, true);
  p.Reviews("rio", "finance", 2, 20 * kHour, kHour, false, "a");
  p.Reviews("ada", "finance", 2, 20 * kHour, kHour, false, "b");
  p.Reviews("ada", "finance", 2, 20 * kHour, kHour, false, "c");
  EXPECT_TRUE(p.AlertsOf("domain_rejection_pattern", NoEvidence()).empty());
}

TEST(DomainRejectionPattern, CriticalAtEightyPercent) {
  TestPipeline p;
  DomainCase(p, 2, 4, 4);
  auto alerts = p.AlertsOf("domain_rejection_pattern", NoEvidence());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
}

TEST(DomainRejectionPattern, IgnoresReviewsOlderThanTheWindow) {
  TestPipeline p;
  DomainCase(p, 5, 3, 2);
  p.Reviews("rio", "finance", 20, 3 * kDay, kDay, true);
  // The older approvals would dilute the ratio to 5/30.
  EXPECT_EQ(p.AlertsOf("domain_rejection_pattern", NoEvidence()).size(), 1u);
}

// ---- evidence before an alert ------------------------------------------------

TEST(Evidence, QualityNoiseOnASmallWindowIsNotAnAlertButAnIncidentIs) {
  // 6 of 10 approved against 80% of 200: a 20-point drop that chance gives
  // about one day in eight.
  TestPipeline noise;
  QualityCase(noise, 6, 10, 200);
  EXPECT_TRUE(noise.AlertsOf("quality_regression").empty());
  const CycleResult r = noise.Run();
  // The p-value is published for the rules.
  bool published = false;
  for (const Sample& s : r.samples) {
    if (s.metric == "agent_approval_p_value") {
      published = true;
      EXPECT_GT(s.value, 0.003);
      EXPECT_LT(s.value, 0.2);
    }
  }
  EXPECT_TRUE(published);
  // 25 of 50 approved: the same drop at a full day's volume, beyond chance.
  TestPipeline incident;
  QualityCase(incident, 25, 50, 200);
  auto alerts = incident.AlertsOf("quality_regression");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_LT(alerts[0].details["p_value"].get<double>(), 0.003);
}

// An agent with 5 reviews an hour, 1 of them rejected, for a week; then
// `rejected` rejections and `approved` approvals in the last hour.
void RealisticSpike(TestPipeline& p, int rejected, int approved) {
  p.Reviews("rio", "health", 168, 7 * kDay + kHour, kHour, false, "off_topic");
  p.Reviews("rio", "health", 4 * 168, 7 * kDay + kHour, kHour, true);
  p.Reviews("rio", "health", rejected, kHour, 0, false, "formatting");
  p.Reviews("rio", "health", approved, kHour, 0, true);
}

TEST(Evidence, RejectionsAtTheEdgeOfTheirRateAreNotASpike) {
  // About 1 rejection an hour is normal: 5 in an hour happens by chance
  // about once in 270 hours.
  TestPipeline noise;
  RealisticSpike(noise, 5, 4);
  EXPECT_TRUE(noise.AlertsOf("rejection_spike").empty());
  EXPECT_EQ(noise.AlertsOf("rejection_spike", NoEvidence()).size(), 1u);
  TestPipeline spike;
  RealisticSpike(spike, 12, 4);
  EXPECT_EQ(spike.AlertsOf("rejection_spike").size(), 1u);
}

TEST(Evidence, ASurgeOfWorkBringsItsShareOfRejectionsAndIsNoSpike) {
  // Five times the usual work in the last hour, rejected at the usual 20%:
  // 5 rejections, five times the rate, but just the share of 25 reviews.
  TestPipeline surge;
  RealisticSpike(surge, 5, 20);
  EXPECT_TRUE(surge.AlertsOf("rejection_spike").empty());
  // The same surge with most of it rejected is a spike.
  TestPipeline bad;
  RealisticSpike(bad, 15, 10);
  EXPECT_EQ(bad.AlertsOf("rejection_spike").size(), 1u);
}

TEST(Evidence, ADomainIsJudgedAgainstItsOwnNormal) {
  // A domain that rejects 40% as a rule: half of ten is chance.
  TestPipeline usual;
  usual.Reviews("rio", "finance", 60, 8 * kDay, 2 * kDay, true);
  usual.Reviews("rio", "finance", 40, 8 * kDay, 2 * kDay, false, "policy");
  DomainCase(usual, 5, 3, 2);
  EXPECT_TRUE(usual.AlertsOf("domain_rejection_pattern").empty());
  // The same day in a domain that rejects 5%: an incident.
  TestPipeline clean;
  clean.Reviews("rio", "finance", 95, 8 * kDay, 2 * kDay, true);
  clean.Reviews("rio", "finance", 5, 8 * kDay, 2 * kDay, false, "policy");
  DomainCase(clean, 5, 3, 2);
  EXPECT_EQ(clean.AlertsOf("domain_rejection_pattern").size(), 1u);
}

// ---- the engine -------------------------------------------------------------

TEST(Engine, SteadyHealthyPipelineRaisesNothing) {
  TestPipeline p;
  for (const char* agent : {"rio", "ada", "kim"}) {
    for (Millis age = 8 * kDay; age > 0; age -= 30 * kMinute) {
      static int n = 0;
      ++n;
      p.Review(agent, n % 2 ? "health" : "legal", age, n % 6 != 0, n % 12 ? "x" : "y");
      p.Cost(agent, age, 0.03);
    }
  }
  CycleResult r = p.Run();
  EXPECT_TRUE(r.alerts.empty()) << AlertToJson(r.alerts.front()).dump();
  EXPECT_FALSE(r.any_check_failed());
}

TEST(Engine, AFailedTableFailsOnlyTheChecksThatReadIt) {
  TestPipeline p;
  p.Activity("rio", 7 * kHour);
  p.source().fail_costs = true;
  CycleResult r = p.Run();
  for (const CheckRun& run : r.runs) {
    const bool reads_costs = run.check == "cost_spike" || run.check == "dormant_agent";
    EXPECT_EQ(run.error.empty(), !reads_costs) << run.check;
  }
  EXPECT_FALSE(r.database_ok());
}

TEST(Engine, AlertsComeWorstFirst) {
  TestPipeline p;
  p.Activity("a", 7 * kHour);
  p.Activity("b", 25 * kHour);
  CycleResult r = p.Run();
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0].severity, Severity::kCritical);
  EXPECT_EQ(r.Count(Severity::kWarning), 1u);
}

TEST(Engine, DisabledChecksDoNotRun) {
  TestPipeline p;
  p.Activity("rio", 7 * kHour);
  CycleResult r = p.Run(With("checks:\n  dormant_agent:\n    enabled: false\n"));
  EXPECT_TRUE(r.alerts.empty());
  EXPECT_EQ(r.runs.size(), 6u);
}

TEST(Engine, UnreadableTimestampsAreSkippedAndCounted) {
  TestPipeline p;
  p.source().AddSubmission("yesterday", "rio", "health", "x");
  p.source().AddCost("", "rio", "m", 1.0);
  int64_t id = p.source().AddSubmission(Ago(kHour), "rio", "health", "y");
  p.source().AddReview(id, "2026-13-01T00:00:00Z", "approved");
  p.source().AddReview(id, Ago(kHour), "maybe");
  CycleResult r = p.Run();
  EXPECT_EQ(r.skipped.submissions.total(), 1);
  EXPECT_EQ(r.skipped.costs.total(), 1);
  EXPECT_EQ(r.skipped.reviews.total(), 2);
  EXPECT_FALSE(r.any_check_failed());
}

TEST(AlertJson, HasTheFieldsOfThePythonService) {
  TestPipeline p;
  for (int i = 0; i < 5; ++i) p.Review("rio", "health", (5 - i) * kHour, false, "missing_evidence", "claim-42");
  p.Review("rio", "health", 30 * kMinute, true);
  auto alerts = p.AlertsOf("stuck_loop");
  ASSERT_EQ(alerts.size(), 1u);
  nlohmann::json j = AlertToJson(alerts[0]);
  EXPECT_EQ(j["id"], "stuck_loop:rio");
  EXPECT_EQ(j["check"], "stuck_loop");
  EXPECT_EQ(j["category"], "health");
  EXPECT_EQ(j["severity"], "critical");
  EXPECT_EQ(j["agent"], "rio");
  EXPECT_TRUE(j["domain"].is_null());
  EXPECT_EQ(j["title"], "Agent rio is stuck in a loop");
  EXPECT_EQ(j["message"], "rio: item claim-42 rejected 5 times in 6h (last reason: missing_evidence)");
  EXPECT_EQ(j["value"], 5);
  EXPECT_EQ(j["threshold"], 3);
  EXPECT_EQ(j["detected_at"], "2026-11-28T10:00:00Z");
  EXPECT_TRUE(j["details"].is_object());
}

}  // namespace
}  // namespace argus::testing

namespace argus::testing {
namespace {

// Spend only on Mondays, $1 an hour from 09:00 to 17:00, for five weeks.
void MondayBatches(TestPipeline& p) {
  for (Millis age = 35 * kDay; age > 0; age -= kHour) {
    const int64_t hour = (kNow - age) / kHour;
    const int weekday = static_cast<int>((hour / 24 + 3) % 7);
    const int hour_of_day = static_cast<int>(hour % 24);
    if (weekday == 0 && hour_of_day >= 9 && hour_of_day < 17) p.Cost("rio", age - kMinute, 1.0);
  }
}

TEST(CostSpike, AWeeklyBatchIsMeasuredAgainstPreviousWeeks) {
  // Tuesday 24 November, 08:00: the last 24h hold Monday's $8; the flat
  // mean of the week is $8 / 7, so against it Monday would be critical.
  const Millis tuesday = kNow - 4 * kDay - 2 * kHour;
  TestPipeline p;
  WorkWeek(p, 10);
  MondayBatches(p);
  EXPECT_TRUE(p.AlertsOf("cost_spike", Config(), tuesday).empty());
  CycleResult r = p.Run(Config(), tuesday);
  EXPECT_NEAR(SampleValue(r, "agent_cost_baseline_usd", {{"agent", "rio"}}), 8, 1e-9);
  // Without the reviews' rhythm the flat mean stays, and it is a spike.
  TestPipeline flat;
  MondayBatches(flat);
  auto alerts = flat.AlertsOf("cost_spike", Config(), tuesday);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  // A Monday that spends five times its usual is a spike either way.
  p.Cost("rio", 4 * kDay + 4 * kHour, 32.0);
  alerts = p.AlertsOf("cost_spike", Config(), tuesday);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
}

}  // namespace
}  // namespace argus::testing
