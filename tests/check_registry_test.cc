// A detection is one file: a check defined here alone, registered, gets its
// config keys, validation, gauges, rules, alerts and API filters with no
// other file changed; and no source outside the checks' folder names a
// check.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "exporter/base/format.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/engine/rules.h"
#include "exporter/engine/window_state.h"
#include "exporter/serve/exporter.h"
#include "exporter/serve/http_routes.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

// Agents that had at least `reviews` reviews of distinct items in the last
// `window`; reads the per-item facts of a window no other check uses.
class BusyAgentCheck : public CheckBase<BusyAgentCheck> {
 public:
  std::string_view id() const override { return "busy_agent"; }
  std::string_view category() const override { return "busy"; }
  std::string_view summary() const override { return "an agent works on many items"; }
  unsigned tables() const override { return kReviews; }
  Millis Lookback() const override { return window_; }
  std::vector<Param> Params() override {
    return {{"window", Param::Kind::kDuration, &window_, "period counted"},
            {"items", Param::Kind::kCount, &items_, "items for a warning"},
            {"items_critical", Param::Kind::kCount, &critical_, "items for a critical alert", "items"}};
  }
  std::vector<GaugeInfo> Gauges() const override {
    return {{"agent_busy_items", "Distinct items the agent was reviewed on in the busy window.", {"agent"}}};
  }
  StateNeeds Needs() const override { return {.item_windows = {window_}}; }
  std::optional<ParamError> Validate() const override {
    if (window_ > kDay) return ParamError{"window", "must be a day or less"};
    return std::nullopt;
  }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    std::map<uint32_t, std::set<uint32_t>> items;
    const TimeRange window = snap.Window(window_);
    for (const ReviewEvent& r : snap.reviews) {
      if (window.Contains(r.at)) items[r.agent].insert(r.item);
    }
    for (const auto& [a, set] : items) Judge(snap.now, snap.agents[a], set.size(), out);
  }
  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    for (const auto& [a, reviews] : state.items(window_).reviews()) {
      std::set<std::string> set;
      for (const StateReview* r : reviews) set.insert(r->item.str());
      Judge(state.now(), state.agents[a], set.size(), out);
    }
  }
  void Judge(Millis now, const std::string& agent, size_t n, CheckOutput* out) const {
    out->samples.push_back({"agent_busy_items", {{"agent", agent}}, double(n)});
    if (double(n) < items_) return;
    Alert a = NewAlert(*this, now, agent);
    a.severity = double(n) >= critical_ ? Severity::kCritical : Severity::kWarning;
    a.agent = agent;
    a.title = "Agent " + agent + " is busy";
    a.message = agent + ": " + std::to_string(n) + " items";
    a.value = double(n);
    a.threshold = items_;
    out->alerts.push_back(std::move(a));
  }
  std::vector<RuleSpec> Rules() const override {
    return {{"ArgusBusyAgent", Severity::kWarning,
             "argus_agent_busy_items >= " + PromNumber(items_) + " < " + PromNumber(critical_),
             "Agent {{ $labels.agent }} is busy", "busy"},
            {"ArgusBusyAgent", Severity::kCritical, "argus_agent_busy_items >= " + PromNumber(critical_),
             "Agent {{ $labels.agent }} is busy", "busy"}};
  }

 private:
  Millis window_ = 2 * kHour;
  double items_ = 3;
  double critical_ = 5;
};

class CheckRegistryTest : public ::testing::Test {
 protected:
  CheckRegistration registration_{[] { return std::make_unique<BusyAgentCheck>(); }};
};

TEST_F(CheckRegistryTest, ARegisteredCheckGetsConfigKeysAndValidation) {
  EXPECT_NE(Config().FindCheck("busy_agent"), nullptr);
  EXPECT_NE(DefaultConfigYaml().find("  busy_agent:  # an agent works on many items\n"), std::string::npos);
  EXPECT_NE(DefaultConfigYaml().find("items_critical: 5"), std::string::npos);
  Config config;
  ASSERT_TRUE(ParseConfig("checks:\n  busy_agent:\n    items: 2\n    window: 3h\n", &config).ok());
  EXPECT_EQ(config.FindCheck("busy_agent")->Value("items"), 2);
  EXPECT_EQ(config.Lookback(), 29 * kDay + kHour);  // the longest of all checks (cost_spike) still rules
  Config bad;
  Status s = ParseConfig("checks:\n  busy_agent:\n    bogus: 1\n", &bad);
  bad = Config();
  EXPECT_NE(s.message().find("checks.busy_agent.bogus (line 3): unknown key"), std::string::npos) << s.message();
  s = ParseConfig("checks:\n  busy_agent:\n    items: 6\n", &bad);
  EXPECT_NE(s.message().find("checks.busy_agent.items_critical"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("must not be smaller than items"), std::string::npos) << s.message();
  bad = Config();
  s = ParseConfig("checks:\n  busy_agent:\n    window: 2d\n", &bad);
  EXPECT_NE(s.message().find("checks.busy_agent.window"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("must be a day or less"), std::string::npos) << s.message();
}

TEST_F(CheckRegistryTest, ARegisteredCheckGetsRulesGaugesAlertsAndFilters) {
  const std::string rules = RulesYaml(Config());
  EXPECT_NE(rules.find("alert: ArgusBusyAgent"), std::string::npos);
  EXPECT_NE(rules.find("argus_agent_busy_items{job=\"argus\"} >= 3 < 5"), std::string::npos);

  TestPipeline p;
  for (int i = 0; i < 4; ++i) p.Review("rio", "legal", (30 + i) * kMinute, true);
  p.Review("rio", "legal", 3 * kHour, true);  // outside its 2h window
  p.Review("ana", "legal", 10 * kMinute, true);
  Config config;
  IncrementalEngine engine(config, p.source());
  const CycleResult incremental = engine.Run(kNow);
  const CycleResult oracle = RunChecks(config, p.source(), kNow);
  EXPECT_EQ(SampleValue(incremental, "agent_busy_items", {{"agent", "rio"}}), 4);
  EXPECT_EQ(SampleValue(oracle, "agent_busy_items", {{"agent", "rio"}}), 4);
  EXPECT_EQ(SampleValue(incremental, "agent_busy_items", {{"agent", "ana"}}), 1);
  auto busy = [](const CycleResult& r) {
    std::vector<std::string> ids;
    for (const Alert& a : r.alerts) if (a.check == "busy_agent") ids.push_back(a.id() + " " + std::string(SeverityName(a.severity)));
    return ids;
  };
  EXPECT_EQ(busy(incremental), (std::vector<std::string>{"busy_agent:rio warning"}));
  EXPECT_EQ(busy(incremental), busy(oracle));

  std::ostringstream logs;
  Logger log(logs, LogLevel::kError);
  auto source = std::make_unique<MemorySource>(p.source());
  Exporter exporter(Config(), std::move(source), kNow, log);
  auto published = exporter.RunCycle();
  EXPECT_NE(published->metrics_text.find("# HELP argus_agent_busy_items Distinct items"), std::string::npos);
  EXPECT_NE(published->metrics_text.find("argus_agent_busy_items{agent=\"rio\"} 4"), std::string::npos);
  HttpResponse r = Route(exporter, "GET", "/api/alerts", "check=busy_agent");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["total"], 1);
  r = Route(exporter, "GET", "/api/alerts", "category=busy");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["alerts"][0]["check"], "busy_agent");
}

TEST(CheckRegistry, ARegistrationEndsWithItsScope) {
  {
    CheckRegistration r([] { return std::make_unique<BusyAgentCheck>(); });
    EXPECT_EQ(AllChecks().size(), 8u);
  }
  EXPECT_EQ(AllChecks().size(), 7u);
  EXPECT_EQ(Config().FindCheck("busy_agent"), nullptr);
}

// Outside exporter/engine/checks/, no source names a check: the engine,
// config, report and routes stay generic.
TEST(CheckRegistry, NoSourceOutsideTheChecksNamesACheck) {
  namespace fs = std::filesystem;
  std::vector<std::string> ids;
  for (const auto& c : AllChecks()) ids.emplace_back(c->id());
  const fs::path root = fs::path(ARGUS_SOURCE_DIR) / "exporter";
  const fs::path checks = root / "engine" / "checks";
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const fs::path& path = entry.path();
    if (!entry.is_regular_file() || path.string().rfind(checks.string(), 0) == 0) continue;
    if (path.extension() != ".cc" && path.extension() != ".h") continue;
    ++files;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    for (const std::string& id : ids) {
      EXPECT_EQ(text.str().find("\"" + id + "\""), std::string::npos) << path << " names " << id;
    }
  }
  EXPECT_GT(files, 20);
}

}  // namespace
}  // namespace argus::testing

namespace argus {
namespace {

// A check reads no further back than it says: the snapshot (the oracle) is
// loaded for the configuration's lookback, and an edge beyond a check's own
// would be evaluated on rows the snapshot may not hold.
TEST(CheckNeeds, NoEdgeReachesPastTheCheckLookback) {
  Config config;
  for (const auto& check : config.checks) {
    const StateNeeds needs = check->Needs();
    for (const auto* edges : {&needs.review_edges, &needs.spend_edges, &needs.item_windows,
                              &needs.domain_windows}) {
      for (Millis edge : *edges) {
        EXPECT_LE(edge, check->Lookback()) << check->id();
      }
    }
  }
}

}  // namespace
}  // namespace argus
