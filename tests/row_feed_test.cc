// The one reader of new rows: each row reaches every sink once, latecomers
// catch up alone, a replaced database restarts everyone, and sources whose
// ids do not grow are read whole.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <sstream>

#include "exporter/cli/demo.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/serve/exporter.h"
#include "exporter/source/row_feed.h"
#include "exporter/source/sqlite_source.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

namespace fs = std::filesystem;

// Counts what it is handed, by id.
class CountingSink : public RowSink {
 public:
  explicit CountingSink(Millis since = -kAllTime) : since_(since) {}
  Millis Since(Millis) const override { return since_; }
  void Submission(const SubmissionRow& r) override { ++submissions[r.id]; }
  void Review(const ReviewRow& r) override { ++reviews[r.id]; }
  void Cost(const CostRow& r) override { ++costs[r.id]; }
  void Skipped(const SkippedRows& rows) override { skipped += rows.reviews.total(); }
  void Restart(RestartCause) override {
    submissions.clear();
    reviews.clear();
    costs.clear();
    skipped = 0;
    ++restarts;
  }
  void EndOfRead(const TableErrors&) override { ++reads; }

  // Whether every id 1..n was handed over exactly once.
  static bool Once(const std::map<int64_t, int>& seen, int64_t n) {
    if (static_cast<int64_t>(seen.size()) != n) return false;
    for (const auto& [id, count] : seen) {
      if (count != 1 || id < 1 || id > n) return false;
    }
    return true;
  }

  std::map<int64_t, int> submissions, reviews, costs;
  int64_t skipped = 0;
  int restarts = 0, reads = 0;

 private:
  Millis since_;
};

TEST(RowFeed, EveryRowReachesEverySinkOnceInBatches) {
  TestPipeline p;
  for (int i = 0; i < 50; ++i) p.Review("rio", "legal", (i + 1) * kMinute, i % 3 == 0);
  p.Cost("rio", kMinute, 1.5);
  RowFeed feed(p.source(), /*incremental=*/true, /*batch_rows=*/7);
  CountingSink a, b;
  feed.Join(&a);
  feed.Join(&b);
  EXPECT_TRUE(feed.Read(kNow).errors.Any().empty());
  for (int i = 0; i < 20; ++i) p.Review("ana", "legal", kMinute, false);
  EXPECT_TRUE(feed.Read(kNow).errors.Any().empty());
  EXPECT_TRUE(feed.Read(kNow).errors.Any().empty());  // nothing new
  for (CountingSink* s : {&a, &b}) {
    EXPECT_TRUE(CountingSink::Once(s->reviews, 70));
    EXPECT_TRUE(CountingSink::Once(s->submissions, 70));
    EXPECT_TRUE(CountingSink::Once(s->costs, 1));
    EXPECT_EQ(s->restarts, 0);
    EXPECT_EQ(s->reads, 3);
  }
}

TEST(RowFeed, ALatecomerCatchesUpAloneThenShares) {
  TestPipeline p;
  for (int i = 0; i < 30; ++i) p.Review("rio", "legal", (i + 1) * kHour, true);
  RowFeed feed(p.source(), true, 4);
  CountingSink early, recent(kNow - 10 * kHour);
  feed.Join(&early);
  feed.Read(kNow);
  for (int i = 0; i < 5; ++i) p.Review("rio", "legal", kMinute, true);
  feed.Join(&recent);
  feed.Read(kNow);
  EXPECT_TRUE(CountingSink::Once(early.reviews, 35));
  // The latecomer sees only what it asked for of the past, and each once.
  EXPECT_EQ(recent.reviews.size(), 9u + 5u);
  for (const auto& [id, n] : recent.reviews) EXPECT_EQ(n, 1) << id;
  // Rejoining restarts the one sink alone.
  feed.Rejoin(&recent);
  feed.Read(kNow);
  EXPECT_EQ(recent.restarts, 1);
  EXPECT_EQ(recent.reviews.size(), 14u);
  EXPECT_EQ(early.restarts, 0);
  EXPECT_TRUE(CountingSink::Once(early.reviews, 35));
}

TEST(RowFeed, AReplacedDatabaseRestartsEverySink) {
  TestPipeline p;
  for (int i = 0; i < 10; ++i) p.Review("rio", "legal", kHour, true);
  RowFeed feed(p.source(), true);
  CountingSink a;
  feed.Join(&a);
  feed.Read(kNow);
  p.source().Clear();  // ids start again from 1
  for (int i = 0; i < 4; ++i) p.Review("ana", "legal", kHour, true);
  const RowFeed::Result r = feed.Read(kNow);
  EXPECT_NE(r.replaced.find("ids went back"), std::string::npos) << r.replaced;
  EXPECT_EQ(feed.replacements(), 1);
  EXPECT_EQ(a.restarts, 1);
  EXPECT_TRUE(CountingSink::Once(a.reviews, 4));
}

TEST(RowFeed, SourcesWithoutGrowingIdsAreReadWholeEachTime) {
  TestPipeline p;
  for (int i = 0; i < 10; ++i) p.Review("rio", "legal", kHour, true);
  RowFeed feed(p.source(), /*incremental=*/false);
  CountingSink a;
  feed.Join(&a);
  feed.Read(kNow);
  p.Review("rio", "legal", kMinute, true);
  feed.Read(kNow);
  EXPECT_EQ(a.restarts, 2);
  EXPECT_TRUE(CountingSink::Once(a.reviews, 11));
}

TEST(RowFeed, UnreadableRowsAreCountedOnceAsSkipped) {
  TestPipeline p;
  p.Review("rio", "legal", kHour, true);
  const int64_t sub = p.source().AddSubmission(Ago(kHour), "rio", "legal", "x");
  p.source().AddReview(sub, "not a time", "approved", "");
  RowFeed feed(p.source(), true, 1);
  CountingSink a;
  feed.Join(&a);
  feed.Read(kNow);
  feed.Read(kNow);
  EXPECT_EQ(a.skipped, 1);
  p.source().AddReview(sub, Ago(kMinute), "maybe", "");  // no such verdict
  feed.Read(kNow);
  EXPECT_EQ(a.skipped, 2);
}

TEST(RowFeed, ALatecomerWhoseCatchUpFailsHasNothingAndSaysSoForEveryTable) {
  TestPipeline p;
  for (int i = 0; i < 10; ++i) p.Review("rio", "legal", kHour, true);
  p.Cost("rio", kHour, 1);
  RowFeed feed(p.source(), true, 4);
  CountingSink early, late;
  feed.Join(&early);
  feed.Read(kNow);
  feed.Join(&late);
  p.source().fail_costs = true;  // reviews are caught up on, then costs fail
  RowFeed::Result r = feed.Read(kNow);
  EXPECT_NE(r.errors.reviews.find("catching up"), std::string::npos) << r.errors.reviews;
  EXPECT_NE(r.errors.submissions.find("catching up"), std::string::npos);
  EXPECT_NE(r.errors.costs.find("injected"), std::string::npos);
  EXPECT_EQ(late.restarts, 1);
  EXPECT_TRUE(late.reviews.empty());
  EXPECT_EQ(late.reads, 0);  // it took no part in the read
  p.source().fail_costs = false;
  r = feed.Read(kNow);
  EXPECT_TRUE(r.errors.Any().empty());
  EXPECT_TRUE(CountingSink::Once(late.reviews, 10));
  EXPECT_TRUE(CountingSink::Once(late.costs, 1));
  EXPECT_TRUE(CountingSink::Once(early.reviews, 10));
}

TEST(RowFeed, ALatecomerCountsSkippedRowsOnlyUpToWhatItCatchesUpOn) {
  TestPipeline p;
  p.Review("rio", "legal", kHour, true);
  RowFeed feed(p.source(), true, 100);
  CountingSink early, late;
  feed.Join(&early);
  feed.Read(kNow);
  const int64_t sub = p.source().AddSubmission(Ago(kHour), "rio", "legal", "x");
  p.source().AddReview(sub, "not a time", "approved", "");  // after the cursor
  feed.Join(&late);
  feed.Read(kNow);
  EXPECT_EQ(early.skipped, 1);
  EXPECT_EQ(late.skipped, 1) << "caught up past the cursor, then read again";
}

TEST(RowFeed, AReadThatFailsHalfwayHandsNoRowOverTwice) {
  // A source that fails after handing over a few rows of a batch.
  class Flaky : public PipelineSource {
   public:
    explicit Flaky(MemorySource& inner) : inner_(inner) {}
    Status ReadSubmissions(const ReadRequest& q, const std::function<void(const SubmissionRow&)>& v,
                           ReadStats* s) override {
      return inner_.ReadSubmissions(q, v, s);
    }
    Status ReadReviews(const ReadRequest& q, const std::function<void(const ReviewRow&)>& v,
                       ReadStats* s) override {
      int seen = 0;
      bool cut = false;
      Status st = inner_.ReadReviews(q, [&](const ReviewRow& r) {
        if (fail_after >= 0 && seen == fail_after) cut = true;
        if (cut) return;
        ++seen;
        v(r);
      }, s);
      if (cut) {
        fail_after = -1;
        return Status::Error("reviews: cut off");
      }
      return st;
    }
    Status ReadCosts(const ReadRequest& q, const std::function<void(const CostRow&)>& v,
                     ReadStats* s) override {
      return inner_.ReadCosts(q, v, s);
    }
    Status MaxIds(int64_t* s, int64_t* r, int64_t* c) override { return inner_.MaxIds(s, r, c); }
    int fail_after = 3;

   private:
    MemorySource& inner_;
  };
  TestPipeline p;
  for (int i = 0; i < 10; ++i) p.Review("rio", "legal", kHour, true);
  Flaky flaky(p.source());
  RowFeed feed(flaky, true, 100);
  CountingSink a;
  feed.Join(&a);
  EXPECT_FALSE(feed.Read(kNow).errors.reviews.empty());
  EXPECT_EQ(a.reviews.size(), 3u);
  EXPECT_TRUE(feed.Read(kNow).errors.Any().empty());
  EXPECT_TRUE(CountingSink::Once(a.reviews, 10));
}

// The incremental engine reports the rows its reads passed over, as the
// whole-window oracle does (it once left CycleResult::skipped empty).
TEST(RowFeed, TheEngineReportsSkippedRowsLikeTheOracle) {
  TestPipeline p;
  p.Review("rio", "legal", kHour, true);
  const int64_t sub = p.source().AddSubmission("yesterday", "rio", "legal", "x");
  p.source().AddReview(sub, "soon", "approved", "");
  p.source().AddCost("later", "rio", "m", 1);
  const Config config;
  IncrementalEngine engine(config, p.source());
  const CycleResult incremental = engine.Run(kNow);
  const CycleResult oracle = RunChecks(config, p.source(), kNow);
  EXPECT_EQ(incremental.skipped.reviews.total(), 1);
  EXPECT_EQ(incremental.skipped.submissions.total(), 1);
  EXPECT_EQ(incremental.skipped.costs.total(), 1);
  EXPECT_EQ(incremental.skipped.reviews.total(), oracle.skipped.reviews.total());
  EXPECT_EQ(incremental.skipped.submissions.total(), oracle.skipped.submissions.total());
  EXPECT_EQ(incremental.skipped.costs.total(), oracle.skipped.costs.total());
  EXPECT_EQ(engine.Run(kNow + kMinute).skipped.reviews.total(), 0);  // read once, counted once
}

double SumOf(const std::string& metrics, const std::string& family) {
  std::istringstream in(metrics);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.rfind(family + "{", 0) == 0) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

class FeedDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("argus_feed_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "pipeline.db").string();
    DemoOptions o;
    o.path = path_;
    o.now = kNow;
    o.agents = 6;
    o.force = true;
    const Status s = WriteDemo(o);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  void TearDown() override { fs::remove_all(dir_); }

  int64_t Count(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }
  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  fs::path dir_;
  std::string path_;
  std::ostringstream logs_;
  Logger log_{logs_, LogLevel::kError};
};

// With custom `sources:` queries whose ids do not grow (here they fall as
// rows are appended, as a view over several tables can number them), the argus_*_total counters once read by growing id
// anyway and missed rows; they are now counted whole every cycle.
TEST_F(FeedDatabaseTest, CountersStayExactWithCustomSourcesWhoseIdsDoNotGrow) {
  Config config;
  ASSERT_TRUE(ParseConfig("sources:\n  reviews: SELECT 1000000 - id AS id, submission_id, reviewed_at, verdict, "
                          "reason, score, note FROM reviews\n",
                          &config).ok());
  Exporter exporter(config.Clone(), std::make_unique<SqliteSource>(path_, config.sources), kNow, log_);
  auto first = exporter.RunCycle();
  ASSERT_EQ(first->result.database_error, "");
  const int64_t before = Count("SELECT count(*) FROM reviews");
  EXPECT_EQ(SumOf(first->metrics_text, "argus_reviews_total"), before);
  Exec("INSERT INTO submissions (created_at, agent, domain, item) VALUES ('" + Ago(kMinute) +
       "', 'zed', 'legal', 'z1');"
       "INSERT INTO reviews (submission_id, reviewed_at, verdict, reason) VALUES "
       "(last_insert_rowid(), '" + Ago(kMinute) + "', 'rejected', 'bad');");
  auto second = exporter.RunCycle();
  EXPECT_EQ(SumOf(second->metrics_text, "argus_reviews_total"), before + 1);
  EXPECT_EQ(SumOf(second->metrics_text, "argus_submissions_total"), Count("SELECT count(*) FROM submissions"));
  auto third = exporter.RunCycle();
  EXPECT_EQ(SumOf(third->metrics_text, "argus_reviews_total"), before + 1) << "not counted twice";
}

// argus_rows_skipped_total counts each unreadable row once, however many
// cycles read past it.
TEST_F(FeedDatabaseTest, RowsSkippedTotalCountsEachUnreadableRowOnce) {
  Exec("INSERT INTO costs (incurred_at, agent, usd) VALUES ('not a time', 'zed', 1.0);");
  Exporter exporter(Config(), std::make_unique<SqliteSource>(path_, SourceQueries()), kNow, log_);
  exporter.RunCycle();
  auto second = exporter.RunCycle();
  EXPECT_NE(second->metrics_text.find("argus_rows_skipped_total{reason=\"unreadable\",table=\"costs\"} 1\n"), std::string::npos)
      << second->metrics_text.substr(0, 4000);
  Exec("INSERT INTO costs (incurred_at, agent, usd) VALUES ('never', 'zed', 1.0);");
  auto third = exporter.RunCycle();
  EXPECT_NE(third->metrics_text.find("argus_rows_skipped_total{reason=\"unreadable\",table=\"costs\"} 2\n"), std::string::npos);
  EXPECT_NE(third->metrics_text.find("argus_rows_skipped_total{reason=\"unreadable\",table=\"reviews\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace argus::testing
