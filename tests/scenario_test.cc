// Weeks of a pipeline with office hours, replayed hour by hour through
// `backtest`: healthy weeks stay quiet; an outage, an agent that stops and a
// real rejection spike are caught within hours (SPEC §3a, issue 13).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "exporter/cli/demo.h"
#include "exporter/engine/backtest.h"
#include "exporter/engine/engine.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/source/sqlite_source.h"
#include "testing/test_pipeline.h"

namespace argus {
namespace {

namespace fs = std::filesystem;

// The demo's working week ends on Wednesday 25 November 2026, 20:00 UTC.
const Millis kEnd = *ParseTimestamp("2026-11-25T20:00:00Z");
const Millis kWednesday10 = *ParseTimestamp("2026-11-25T10:00:00Z");
const Millis kTuesday10 = *ParseTimestamp("2026-11-24T10:00:00Z");

class WorkingWeekTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::path(::testing::TempDir()) /
             ("argus_week_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    DemoOptions o;
    o.path = path_;
    o.now = kEnd;
    o.days = 35;
    o.profile = "working-week";
    o.plants = false;
    o.force = true;
    ASSERT_TRUE(WriteDemo(o).ok());
  }
  void TearDown() override { fs::remove(path_); }

  void Exec(const std::string& sql) { testing::ExecSql(path_, sql); }

  // Removes every row of `agent` (all agents when empty) from `from` on, as
  // if the work had stopped then. The demo writes review times as
  // "YYYY-MM-DD HH:MM:SS.mmm", submission times in ISO-8601 and cost times
  // in Unix seconds.
  void StopFrom(Millis from, const std::string& agent = "") {
    std::string review_time = FormatTimestamp(from);
    review_time[10] = ' ';
    const std::string who = agent.empty() ? "1" : "agent = '" + agent + "'";
    Exec("DELETE FROM reviews WHERE reviewed_at > '" + review_time.substr(0, 19) +
         "' AND submission_id IN (SELECT id FROM submissions WHERE " + who + ");"
         "DELETE FROM submissions WHERE created_at > '" + FormatTimestamp(from) + "' AND " + who +
         ";DELETE FROM costs WHERE incurred_at > " + std::to_string(from / 1000) + " AND " + who +
         ";");
  }

  BacktestResult Replay(Millis from, Millis to) {
    SqliteSource source(path_, SourceQueries());
    BacktestOptions o;
    o.from = from;
    o.to = to;
    BacktestResult r = RunBacktest(Config(), source, o);
    EXPECT_TRUE(r.status.ok()) << r.status.message();
    return r;
  }

  static std::string Describe(const BacktestResult& r) {
    std::string text;
    for (const Episode& e : r.episodes) {
      text += e.id + " " + FormatTimestamp(e.start) + " .. " + FormatTimestamp(e.end) + "\n";
    }
    return text;
  }

  std::string path_;
};

TEST_F(WorkingWeekTest, FourHealthyWeeksRaiseNothing) {
  // Every hour from day 8 of the history (two weekends, nights, rushes).
  const BacktestResult r = Replay(kEnd - 27 * kDay, kEnd);
  EXPECT_GE(r.evaluations, 27 * 24);
  EXPECT_TRUE(r.episodes.empty()) << Describe(r);
}

TEST_F(WorkingWeekTest, APipelineThatStopsOnAWednesdayIsCaughtWithinSixHours) {
  StopFrom(kWednesday10);
  const BacktestResult r = Replay(kWednesday10 - 2 * kDay, kEnd);
  const Episode* drop = nullptr;
  for (const Episode& e : r.episodes) {
    EXPECT_GE(e.start, kWednesday10) << "a false alarm before the outage: " << e.id;
    if (e.id == "throughput_anomaly:pipeline" && !drop) drop = &e;
  }
  ASSERT_NE(drop, nullptr) << Describe(r);
  EXPECT_LE(drop->start, kWednesday10 + 6 * kHour) << Describe(r);
  EXPECT_EQ(drop->severity, Severity::kCritical);
}

TEST_F(WorkingWeekTest, AnAgentThatStopsIsDormantWithinEightWorkingHours) {
  StopFrom(kTuesday10, "gale");
  const BacktestResult r = Replay(kTuesday10 - 3 * kDay, kEnd);
  const Episode* dormant = nullptr;
  for (const Episode& e : r.episodes) {
    if (e.id == "dormant_agent:gale") dormant = &e;
    else ADD_FAILURE() << "unexpected " << e.id << " at " << FormatTimestamp(e.start);
  }
  ASSERT_NE(dormant, nullptr) << Describe(r);
  // Tuesday 10:00 + 8 working hours = Tuesday 18:00.
  EXPECT_LE(dormant->start, kTuesday10 + 8 * kHour) << Describe(r);
  EXPECT_GE(dormant->start, kTuesday10 + 5 * kHour) << Describe(r);
}

TEST_F(WorkingWeekTest, ARealRejectionSpikeIsCaughtWithinTwoHours) {
  // Ten rejections of bard's in 40 minutes on Wednesday from 14:00.
  const Millis burst = kWednesday10 + 4 * kHour;
  std::string sql;
  for (int i = 0; i < 10; ++i) {
    const Millis at = burst + i * 4 * kMinute;
    std::string review_time = FormatTimestamp(at + kMinute);
    review_time[10] = ' ';
    sql += "INSERT INTO submissions (created_at, agent, domain, item) VALUES ('" +
           FormatTimestamp(at) + "', 'bard', 'health', 'burst-" + std::to_string(i) +
           "'); INSERT INTO reviews (submission_id, reviewed_at, verdict, reason, score) VALUES "
           "(last_insert_rowid(), '" + review_time.substr(0, 19) +
           "', 'rejected', 'factual_error', 0.2);";
  }
  Exec(sql);
  const BacktestResult r = Replay(burst - 2 * kDay, kEnd);
  const Episode* spike = nullptr;
  for (const Episode& e : r.episodes) {
    if (e.id == "rejection_spike:bard") spike = &e;
  }
  ASSERT_NE(spike, nullptr) << Describe(r);
  EXPECT_GE(spike->start, burst);
  EXPECT_LE(spike->start, burst + 2 * kHour) << Describe(r);
}

// The seasonal paths (a rhythm, weekly slots, usual hours) agree between
// the incremental engine and the oracle that scans the rows, hour by hour
// across a weekend and into a week with its planted cases.
TEST(WorkingWeekDifferential, IncrementalAgreesWithTheOracle) {
  const std::string path = (fs::path(::testing::TempDir()) /
                            ("argus_week_diff_" + std::to_string(::getpid()) + ".db"))
                               .string();
  DemoOptions o;
  o.path = path;
  o.now = kWednesday10 + 6 * kHour;
  o.days = 35;
  o.profile = "working-week";
  o.force = true;
  ASSERT_TRUE(WriteDemo(o).ok());
  SqliteSource source(path, SourceQueries());
  const Config config;
  IncrementalEngine engine(config, source);
  int evaluations = 0, alerts = 0, weekly = 0, usual_hours = 0;
  for (Millis now = o.now - 5 * kDay; now <= o.now; now += 3 * kHour + 17 * kMinute) {
    const CycleResult incremental = engine.Run(now);
    const CycleResult oracle = RunChecks(config, source, now);
    ++evaluations;
    alerts += static_cast<int>(oracle.alerts.size());
    std::vector<std::string> a, b;
    for (const Alert& x : incremental.alerts) a.push_back(x.id() + " " + std::string(SeverityName(x.severity)));
    for (const Alert& x : oracle.alerts) b.push_back(x.id() + " " + std::string(SeverityName(x.severity)));
    EXPECT_EQ(a, b) << FormatTimestamp(now);
    std::map<std::string, double> sa, sb;
    auto key = [](const Sample& x) {
      std::string k = x.metric;
      for (const auto& [n, v] : x.labels) k += "," + n + "=" + v;
      return k;
    };
    for (const Sample& x : incremental.samples) sa[key(x)] = x.value;
    for (const Sample& x : oracle.samples) {
      sb[key(x)] = x.value;
      // The seasonal paths are the ones taken.
      if (x.metric == "throughput_baseline_period_seconds" && x.value == 7 * 24 * 3600) ++weekly;
      if (x.metric == "agent_usual_week_share" && x.value < 0.5) ++usual_hours;
    }
    EXPECT_EQ(sa.size(), sb.size()) << FormatTimestamp(now);
    for (const auto& [k, v] : sb) {
      auto it = sa.find(k);
      if (it == sa.end()) {
        ADD_FAILURE() << FormatTimestamp(now) << ": the incremental engine lacks " << k;
      } else if (std::abs(it->second - v) > 1e-9 * std::max(1.0, std::abs(v))) {
        ADD_FAILURE() << FormatTimestamp(now) << ": " << k << " is " << it->second
                      << ", the oracle says " << v;
      }
    }
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GE(evaluations, 30);
  EXPECT_GE(alerts, 7);  // the planted cases, at least at the end
  EXPECT_GT(weekly, 0);
  EXPECT_GT(usual_hours, 0);
  fs::remove(path);
}

}  // namespace
}  // namespace argus
