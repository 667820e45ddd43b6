// The pipeline totals behind the argus_*_total counters, fed by a RowFeed.
#include <gtest/gtest.h>

#include "exporter/engine/pipeline_totals.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

double Rejections(const PipelineTotals& t, const std::string& reason) {
  auto it = t.counts().rejections.find(reason);
  return it == t.counts().rejections.end() ? 0 : it->second;
}

// Reasons are ranked over the first read that reached the reviews, not over
// a read that failed before it could.
TEST(PipelineTotals, LabelsWaitForAReadOfTheReviews) {
  TestPipeline p;
  p.Review("rio", "legal", kHour, false, "rare");
  for (int i = 0; i < 3; ++i) p.Review("rio", "legal", kHour, false, "common");
  RowFeed feed(p.source(), true);
  PipelineTotals totals(1);
  feed.Join(&totals);
  p.source().fail_reviews = true;
  EXPECT_FALSE(feed.Read(kNow).errors.reviews.empty());
  p.source().fail_reviews = false;
  EXPECT_TRUE(feed.Read(kNow).errors.Any().empty());
  EXPECT_EQ(Rejections(totals, "common"), 3);
  EXPECT_EQ(Rejections(totals, "other"), 1);
  EXPECT_EQ(Rejections(totals, "rare"), 0);
}

// A source read whole every cycle is recounted each time with the labels it
// was given, and a table that fails keeps its last counts: no counter falls.
TEST(PipelineTotals, ARecountKeepsItsLabelsAndTheCountsOfATableThatFails) {
  TestPipeline p;
  for (int i = 0; i < 3; ++i) p.Review("rio", "legal", kHour, false, "common");
  p.Review("rio", "legal", kHour, false, "rare");
  p.Cost("rio", kHour, 2.5);
  RowFeed feed(p.source(), /*incremental=*/false);
  PipelineTotals totals(1);
  feed.Join(&totals);
  feed.Read(kNow);
  EXPECT_EQ(Rejections(totals, "common"), 3);
  EXPECT_EQ(Rejections(totals, "other"), 1);
  for (int i = 0; i < 5; ++i) p.Review("rio", "legal", kMinute, false, "rare");
  p.Cost("rio", kMinute, 1);
  p.source().fail_costs = true;
  EXPECT_FALSE(feed.Read(kNow).errors.costs.empty());
  double usd = 0;
  for (const auto& [key, v] : totals.counts().cost_usd) usd += v;
  EXPECT_EQ(usd, 2.5) << "the costs of the last good read, not nothing";
  EXPECT_EQ(Rejections(totals, "common"), 3);
  EXPECT_EQ(Rejections(totals, "other"), 6) << "'rare' keeps its label 'other'";
  p.source().fail_costs = false;
  feed.Read(kNow);
  usd = 0;
  for (const auto& [key, v] : totals.counts().cost_usd) usd += v;
  EXPECT_EQ(usd, 3.5);
  // By agent and by model, never by both.
  EXPECT_EQ(totals.counts().cost_usd.at("rio"), 3.5);
  EXPECT_EQ(totals.counts().model_cost_usd.size(), 1u);
  EXPECT_EQ(totals.counts().reviews.at({"rio", "rejected"}), 9);
  EXPECT_EQ(totals.counts().domain_reviews.at({"legal", "rejected"}), 9);
}

// A recount whose reviews fail keeps every count of the reviews: by agent,
// by domain and by reason.
TEST(PipelineTotals, ARecountWhoseReviewsFailKeepsEveryReviewCount) {
  TestPipeline p;
  p.Review("rio", "legal", kHour, false, "common");
  p.Review("ada", "health", kHour, true, "");
  RowFeed feed(p.source(), /*incremental=*/false);
  PipelineTotals totals(5);
  feed.Join(&totals);
  feed.Read(kNow);
  p.source().fail_reviews = true;
  EXPECT_FALSE(feed.Read(kNow).errors.reviews.empty());
  EXPECT_EQ(totals.counts().reviews.at({"rio", "rejected"}), 1);
  EXPECT_EQ(totals.counts().domain_reviews.at({"legal", "rejected"}), 1);
  EXPECT_EQ(totals.counts().domain_reviews.at({"health", "approved"}), 1);
  EXPECT_EQ(Rejections(totals, "common"), 1);
  EXPECT_EQ(totals.counts().submissions.at("ada"), 1) << "the submissions were read again";
}

TEST(PipelineTotals, AReplacedDatabaseIsCountedAfresh) {
  TestPipeline p;
  for (int i = 0; i < 4; ++i) p.Review("rio", "legal", kHour, false, "common");
  RowFeed feed(p.source(), true);
  PipelineTotals totals(10);
  feed.Join(&totals);
  feed.Read(kNow);
  p.source().Clear();
  p.Review("ana", "legal", kHour, false, "new");
  feed.Read(kNow);
  EXPECT_EQ(Rejections(totals, "common"), 0);
  EXPECT_EQ(Rejections(totals, "new"), 1);
}

}  // namespace
}  // namespace argus::testing
