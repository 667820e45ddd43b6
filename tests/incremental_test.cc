// The incremental engine against the whole-window oracle: many generated
// pipelines, rows arriving between cycles (late, early, out of order,
// unreadable), and at every cycle the same alerts and the same gauges.
#include "exporter/engine/incremental_engine.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>

#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

using SampleMap = std::map<std::string, double>;

SampleMap Samples(const CycleResult& r) {
  SampleMap out;
  for (const Sample& s : r.samples) {
    std::string key = s.metric;
    for (const auto& [name, value] : s.labels) key += "|" + name + "=" + value;
    EXPECT_EQ(out.count(key), 0u) << "duplicate sample " << key;
    out[key] = s.value;
  }
  return out;
}

std::vector<std::string> Alerts(const CycleResult& r) {
  std::vector<std::string> out;
  for (const Alert& a : r.alerts) out.push_back(AlertToJson(a).dump());
  std::sort(out.begin(), out.end());
  return out;
}

// Writes a random pipeline into a MemorySource, cycle by cycle.
class RandomPipeline {
 public:
  explicit RandomPipeline(uint64_t seed) : rng_(seed) {
    const int agents = Int(2, 6), domains = Int(1, 4), reasons = Int(1, 5);
    for (int i = 0; i < agents; ++i) agents_.push_back(i == 0 ? "r\xc3\xa9my" : "agent-" + std::to_string(i));
    for (int i = 0; i < domains; ++i) domains_.push_back("domain-" + std::to_string(i));
    for (int i = 0; i < reasons; ++i) reasons_.push_back("reason-" + std::to_string(i));
    rate_ = Uniform(0.2, 6);  // rows per hour per agent, roughly
  }

  // Rows written at about `now`: most recent, some late (up to 9 days),
  // some a little in the future, a few unreadable.
  void Append(Millis now, Millis since_last) {
    const double hours = std::max(0.02, double(since_last) / kHour);
    const int rows = std::min(400, static_cast<int>(Uniform(0, 2 * rate_ * hours * agents_.size())));
    for (int i = 0; i < rows; ++i) {
      const std::string& agent = Pick(agents_);
      Millis at = now - static_cast<Millis>(Uniform(0, 1) * since_last);
      const double kind = Uniform(0, 1);
      if (kind < 0.05) at = now - static_cast<Millis>(Uniform(0, 9) * kDay);   // late
      else if (kind < 0.08) at = now + static_cast<Millis>(Uniform(0, 2) * kHour);  // early
      // Half the rows fall on whole 10 minutes, as every `now` does: rows
      // then sit exactly on window edges again and again.
      if (Uniform(0, 1) < 0.5) at -= at % (10 * kMinute);
      const std::string ts = Uniform(0, 1) < 0.01 ? "not a time" : Format(at);
      const std::string item = agent + "-item-" + std::to_string(Int(0, 6));
      const int64_t sub = source.AddSubmission(Format(at - kMinute), agent, Pick(domains_), item);
      const bool approved = Uniform(0, 1) < approval_;
      source.AddReview(sub, ts, approved ? "approved" : "rejected", approved ? "" : Pick(reasons_));
      if (Uniform(0, 1) < 0.7) {
        source.AddCost(Format(at + static_cast<Millis>(Uniform(-5, 5) * kMinute)), agent,
                       "m" + std::to_string(Int(0, 2)), Uniform(0, 0.9));
      }
    }
    if (Uniform(0, 1) < 0.2) approval_ = Uniform(0.05, 0.95);  // regimes change
  }

  Millis Step() {
    static const Millis kSteps[] = {10 * kMinute, 30 * kMinute, kHour, 6 * kHour, kDay, 3 * kDay};
    return Uniform(0, 1) < 0.3 ? static_cast<Millis>(Uniform(1, 120000))  // between edges
                               : kSteps[Int(0, 5)];
  }

  MemorySource source;

 private:
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double Uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  const std::string& Pick(const std::vector<std::string>& v) { return v[Int(0, int(v.size()) - 1)]; }
  std::string Format(Millis at) {
    // Every spelling the pipeline may use.
    switch (Int(0, 3)) {
      case 0: return FormatTimestamp(at);
      case 1: { std::string s = FormatTimestamp(at); s[10] = ' '; s.pop_back(); return s; }
      case 2: return std::to_string(double(at) / 1000.0);
      default: return FormatTimestamp(at).substr(0, 19) + "+00:00";
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> agents_, domains_, reasons_;
  double rate_, approval_ = 0.8;
};

void ExpectSame(const CycleResult& incremental, const CycleResult& oracle, const std::string& where) {
  EXPECT_EQ(Alerts(incremental), Alerts(oracle)) << where;
  const SampleMap a = Samples(incremental), b = Samples(oracle);
  EXPECT_EQ(a.size(), b.size()) << where;
  for (const auto& [key, value] : b) {
    auto it = a.find(key);
    if (it == a.end()) {
      ADD_FAILURE() << where << ": the incremental engine lacks " << key;
    } else if (it->second != value) {
      ADD_FAILURE() << where << ": " << key << " is " << it->second << ", the oracle says " << value;
    }
  }
  for (const auto& [key, value] : a) {
    if (!b.count(key)) ADD_FAILURE() << where << ": the oracle lacks " << key;
  }
}

void RunDifferential(const std::string& yaml, int pipelines, int cycles) {
  const Config config = With(yaml);
  for (int seed = 1; seed <= pipelines; ++seed) {
    RandomPipeline p(seed);
    IncrementalEngine engine(config, p.source, nullptr, nullptr, /*batch_rows=*/37);
    Millis now = kNow - 10 * kDay;  // a whole 10 minutes
    p.Append(now, 10 * kDay);
    for (int cycle = 0; cycle < cycles; ++cycle) {
      const CycleResult oracle = RunChecks(config, p.source, now);
      const CycleResult incremental = engine.Run(now);
      ExpectSame(incremental, oracle, "pipeline " + std::to_string(seed) + ", cycle " + std::to_string(cycle));
      if (::testing::Test::HasFailure()) return;
      const Millis step = p.Step();
      now += step;
      p.Append(now, step);
    }
  }
}

TEST(IncrementalEngine, AgreesWithTheOracleOnGeneratedPipelines) {
  RunDifferential("checks:\n  dormant_agent:\n    expected_agents: [agent-1, ghost]\n", 40, 25);
}

TEST(IncrementalEngine, AgreesWithTheOracleWithShortWindows) {
  // Short windows put many rows on and across the edges.
  RunDifferential(R"(
checks:
  quality_regression: {window: 2h, baseline: 6h, min_window_reviews: 2, min_baseline_reviews: 2}
  throughput_anomaly: {window: 1h, baseline: 5h, min_baseline_mean: 1}
  rejection_spike: {window: 10m, baseline: 2h, min_rejections: 1}
  stuck_loop: {window: 30m, item_rejections: 2, streak: 2, item_rejections_critical: 3, streak_critical: 3}
  cost_spike: {window: 1h, baseline: 3h, min_usd: 0.5}
  domain_rejection_pattern: {window: 90m, min_reviews: 2}
  dormant_agent: {lookback: 12h, warning_after: 20m, critical_after: 1h}
)",
                  40, 25);
}

TEST(IncrementalEngine, ReadsAgainWhenTheDatabaseIsReplaced) {
  RandomPipeline p(7);
  const Config config;
  IncrementalEngine engine(config, p.source, nullptr);
  p.Append(kNow, 5 * kDay);
  engine.Run(kNow);
  p.source.Clear();  // ids start again from 1
  // Fewer rows than before.
  p.source.AddSubmission(FormatTimestamp(kNow - kHour), "solo", "d", "i");
  p.source.AddReview(1, FormatTimestamp(kNow - kHour), "rejected", "x");
  const CycleResult after = engine.Run(kNow + kMinute);
  EXPECT_EQ(engine.replacements(), 1);
  ExpectSame(after, RunChecks(config, p.source, kNow + kMinute), "after the replacement");
}

TEST(IncrementalEngine, FallsBackToWholeWindowsForCustomSources) {
  Config config = With("sources:\n  costs: SELECT id, at AS incurred_at, who AS agent, NULL AS model, usd FROM spend\n");
  TestPipeline p;
  std::ostringstream logs;
  Logger log(logs, LogLevel::kInfo);
  IncrementalEngine engine(config, p.source(), &log);
  EXPECT_FALSE(engine.incremental());
  EXPECT_NE(logs.str().find("evaluating the whole windows every cycle"), std::string::npos);
  Config trusted = With("sources:\n  incremental: true\n  costs: SELECT 1\n");
  EXPECT_TRUE(IncrementalEngine(trusted, p.source()).incremental());
}

TEST(IncrementalEngine, ForgetsRowsOlderThanTheLongestWindow) {
  TestPipeline p;
  for (int d = 0; d < 40; ++d) p.Review("rio", "health", d * kDay + kHour, d % 2 == 0);
  IncrementalEngine engine(Config(), p.source());
  engine.Run(kNow);
  // 28 days of one review a day: the span dormancy learns usual hours from.
  EXPECT_LE(engine.rows_kept(), 29u);
  EXPECT_GE(engine.rows_kept(), 27u);
  engine.Run(kNow + 30 * kDay);
  EXPECT_EQ(engine.rows_kept(), 0u);
}

}  // namespace
}  // namespace argus::testing
