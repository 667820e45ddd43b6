// Several pipelines in one process (config `pipelines:`): the config, one
// exporter per pipeline isolated from the others, /metrics with every
// series labelled by its pipeline under one HELP per family, the legacy
// endpoints with ?pipeline= (and unchanged for one pipeline), the pages
// under /pipelines/NAME/, and the rules per pipeline.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <tuple>

#include "exporter/cli/demo.h"
#include "exporter/engine/config.h"
#include "exporter/engine/rules.h"
#include "exporter/serve/http_routes.h"
#include "exporter/serve/pipelines.h"
#include "exporter/source/sqlite_source.h"
#include "testing/test_pipeline.h"

namespace argus {
namespace {

namespace fs = std::filesystem;
using testing::kNow;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(PipelinesConfig, EachPipelineIsTheTopLevelWithItsOwnDatabaseAndChecks) {
  Config c;
  ASSERT_TRUE(ParseConfig(R"(
interval: 30s
checks:
  stuck_loop: {item_rejections: 4, item_rejections_critical: 6}
pipelines:
  - name: research
    database: /var/lib/research.db
  - name: support-eu
    database: postgresql://argus@db.example/support
    checks:
      stuck_loop: {item_rejections: 2}
      cost_spike: {enabled: false}
)",
                          &c)
                  .ok());
  ASSERT_EQ(c.pipelines.size(), 2u);
  const Config& a = c.pipelines[0];
  const Config& b = c.pipelines[1];
  EXPECT_EQ(a.pipeline, "research");
  EXPECT_EQ(a.database, "/var/lib/research.db");
  EXPECT_EQ(a.interval, 30 * kSecond);
  EXPECT_EQ(*a.FindCheck("stuck_loop")->Value("item_rejections"), 4);
  EXPECT_EQ(b.pipeline, "support-eu");
  EXPECT_EQ(*b.FindCheck("stuck_loop")->Value("item_rejections"), 2);
  EXPECT_EQ(*b.FindCheck("stuck_loop")->Value("item_rejections_critical"), 6);  // the top level's
  EXPECT_FALSE(b.FindCheck("cost_spike")->enabled);
  EXPECT_TRUE(a.FindCheck("cost_spike")->enabled);
  // A copy is a copy.
  const Config copy = c.Clone();
  EXPECT_EQ(copy.pipelines.size(), 2u);
  EXPECT_EQ(copy.pipelines[1].pipeline, "support-eu");
}

TEST(PipelinesConfig, RefusesWhatCannotWorkWithTheKeyAndTheReason) {
  // The YAML, the key the message names, and the reason it gives.
  const std::tuple<const char*, const char*, const char*> cases[] = {
      {"pipelines: [{database: a.db}]", "pipelines[0].name", "missing"},
      {"pipelines: [{name: a}]", "pipelines[0].database", "missing"},
      {"pipelines: [{name: a, database: a.db}, {name: a, database: b.db}]", "pipelines[1].name", "'a' names two pipelines"},
      {"pipelines: [{name: 'a b', database: a.db}]", "pipelines[0].name", "must be 1 to 64"},
      {"pipelines: [{name: a, database: a.db, interval: 5s}]", "pipelines[0].interval", "unknown key"},
      {"database: x.db\npipelines: [{name: a, database: a.db}]", "pipelines", "either database: (one pipeline) or pipelines:"},
      {"pipelines: []", "pipelines", "lists no pipeline"},
      {"pipelines: {a: x}", "pipelines", "must be a list"},
      {"pipelines: [{name: a, database: a.db, checks: {stuck_loop: {item_rejections: 9}}}]",
       "pipelines[0].checks.stuck_loop.item_rejections_critical", "must not be smaller"},
      {"pipelines: [{name: a, database: a.db, checks: {nope: {}}}]", "pipelines[0].checks.nope", "unknown check"},
  };
  for (const auto& [yaml, key, why] : cases) {
    Config c;
    const Status s = ParseConfig(yaml, &c);
    EXPECT_FALSE(s.ok()) << yaml;
    EXPECT_NE(s.message().find(std::string("config: ") + key + " (line"), std::string::npos) << yaml << "\n -> " << s.message();
    EXPECT_NE(s.message().find(why), std::string::npos) << yaml << "\n -> " << s.message();
  }
}

// Two pipelines, one of them unreadable, behind one router.
class TwoPipelines : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("pipelines");
    DemoOptions o;
    o.path = dir_ + "/good.db";
    o.now = kNow;
    o.force = true;
    ASSERT_TRUE(WriteDemo(o).ok());
    std::vector<Pipelines::Member> members;
    for (const auto& [name, path] : {std::pair<std::string, std::string>{"good", o.path},
                                     {"broken", dir_ + "/missing.db"}}) {
      Config c;
      c.pipeline = name;
      c.database = path;
      auto source = std::make_unique<SqliteSource>(path, SourceQueries());
      members.push_back({name, std::make_shared<Exporter>(std::move(c), std::move(source), kNow, log_)});
    }
    pipelines_ = std::make_shared<Pipelines>(std::move(members));
    for (const auto& m : pipelines_->members()) m.exporter->RunCycle();
    // The same pipeline alone, as `--db` serves it.
    Config single;
    single.database = o.path;
    alone_ = std::make_unique<Exporter>(std::move(single), std::make_unique<SqliteSource>(o.path, SourceQueries()),
                                        kNow, log_);
    alone_->RunCycle();
  }
  void TearDown() override { fs::remove_all(dir_); }

  HttpResponse Get(const std::string& path, const std::string& query = "") {
    return Route(*pipelines_, "GET", path, query);
  }

  std::string dir_;
  std::ostringstream log_text_;
  Logger log_{log_text_, LogLevel::kError};
  std::shared_ptr<Pipelines> pipelines_;
  std::unique_ptr<Exporter> alone_;
};

TEST_F(TwoPipelines, MetricsLabelEverySeriesWithItsPipelineUnderOneHelpPerFamily) {
  const HttpResponse r = Get("/metrics");
  ASSERT_EQ(r.status, 200);
  const std::string& text = r.Body();
  EXPECT_NE(text.find("argus_up{pipeline=\"good\"} 1"), std::string::npos) << text.substr(0, 2000);
  EXPECT_NE(text.find("argus_up{pipeline=\"broken\"} 0"), std::string::npos);
  EXPECT_EQ(Count(text, "# HELP argus_up "), 1u);
  EXPECT_EQ(Count(text, "# TYPE argus_alerts gauge"), 1u);
  // Every series names its pipeline.
  std::istringstream lines(text);
  std::string line;
  int series = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++series;
    EXPECT_NE(line.find("pipeline=\""), std::string::npos) << line;
  }
  EXPECT_GT(series, 100);
  // The good pipeline's gauges are those it has alone, labelled.
  const std::string alone = alone_->Latest()->metrics_text;
  EXPECT_NE(alone.find("argus_agent_idle_usual_seconds{agent=\"atlas\"}"), std::string::npos);
  EXPECT_NE(text.find("argus_agent_idle_usual_seconds{pipeline=\"good\",agent=\"atlas\"}"), std::string::npos);
  // Gzip when asked, of the same body.
  ASSERT_TRUE(r.gzip_body);
  EXPECT_FALSE(r.gzip_body()->empty());
}

TEST_F(TwoPipelines, OneUnreadableDatabaseBlindsOnlyItsOwnPipeline) {
  const HttpResponse good = Get("/api/alerts", "pipeline=good");
  EXPECT_EQ(good.status, 200) << good.body;
  // Exactly what the pipeline alone answers.
  EXPECT_EQ(good.body, Route(*alone_, "GET", "/api/alerts", "").body);
  EXPECT_EQ(Get("/api/alerts", "pipeline=good&severity=critical").body,
            Route(*alone_, "GET", "/api/alerts", "severity=critical").body);
  const HttpResponse broken = Get("/api/alerts", "pipeline=broken");
  EXPECT_EQ(broken.status, 503);
  EXPECT_NE(broken.body.find("missing.db"), std::string::npos) << broken.body;
  // All pipelines at once: never "all clear" while one is blind; each
  // alert names its pipeline.
  const HttpResponse all = Get("/api/alerts");
  EXPECT_EQ(all.status, 503);
  const nlohmann::json body = nlohmann::json::parse(all.body);
  EXPECT_EQ(body["pipelines"]["good"]["status"], 200);
  EXPECT_EQ(body["pipelines"]["broken"]["status"], 503);
  EXPECT_EQ(body["total"], nlohmann::json::parse(good.body)["total"]);
  EXPECT_GE(body["total"].get<int>(), 7);
  for (const auto& a : body["alerts"]) EXPECT_EQ(a["pipeline"], "good") << a.dump();
  EXPECT_EQ(Get("/check", "pipeline=good").status, 200);
  EXPECT_EQ(Get("/check").status, 503);
  EXPECT_EQ(Get("/api/alerts", "pipeline=nope").status, 404);
  EXPECT_NE(Get("/api/alerts", "pipeline=nope").body.find("configured: good, broken"), std::string::npos);
  EXPECT_EQ(Get("/api/alerts", "severity=loud").status, 400);
  // Only a parameter named pipeline names one.
  EXPECT_EQ(Get("/api/alerts", "xpipeline=good").status, 400);
  EXPECT_EQ(Get("/api/alerts", "agent=xpipeline%3D1&pipeline=good").status, 200);
  EXPECT_EQ(Get("/api/alerts", "pipeline=").status, 404);
}

TEST_F(TwoPipelines, ReportsAndPagesNameTheirPipeline) {
  EXPECT_EQ(Get("/api/failure-report/dax").status, 400);
  EXPECT_NE(Get("/api/failure-report/dax").body.find("?pipeline=NAME"), std::string::npos);
  const HttpResponse report = Get("/api/failure-report/dax", "pipeline=good&hours=48");
  EXPECT_EQ(report.status, 200);
  EXPECT_EQ(report.body, Route(*alone_, "GET", "/api/failure-report/dax", "hours=48").body);
  EXPECT_EQ(Get("/pipelines/good/api/failure-report/dax", "hours=48").body, report.body);
  // The index lists both, the blind one as blind.
  const std::string index = Get("/").Body();
  EXPECT_NE(index.find("href=\"/pipelines/good/\""), std::string::npos) << index;
  EXPECT_NE(index.find("href=\"/pipelines/broken/\""), std::string::npos);
  EXPECT_NE(index.find("blind: "), std::string::npos);
  // A pipeline's own status page links under its path.
  const std::string page = Get("/pipelines/good/").Body();
  EXPECT_NE(page.find("<h1>Argus: good</h1>"), std::string::npos);
  EXPECT_NE(page.find("href=\"/pipelines/good/agents/dax\""), std::string::npos);
  EXPECT_EQ(page.find("href=\"/agents/"), std::string::npos);
  EXPECT_EQ(Get("/pipelines/good/agents/dax").status, 200);
  EXPECT_EQ(Get("/agents/dax", "pipeline=good").status, 200);
  EXPECT_EQ(Get("/pipelines/good/metrics").status, 200);
  EXPECT_EQ(Get("/pipelines/nope/").status, 404);
  EXPECT_EQ(Get("/pipelines/").Body(), index);
  EXPECT_EQ(Get("/pipelines").Body(), index);
  EXPECT_EQ(Get("/-/ready").status, 200);
  EXPECT_EQ(Get("/-/healthy").status, 200);
}

TEST(PipelinesRules, APipelineWithChecksOfItsOwnHasItsOwnRules) {
  Config c;
  ASSERT_TRUE(ParseConfig(R"(
pipelines:
  - {name: a, database: a.db}
  - {name: b, database: b.db, checks: {stuck_loop: {item_rejections: 2}}}
)",
                          &c)
                  .ok());
  const std::string rules = RulesYaml(c);
  EXPECT_NE(rules.find("name: argus-detections\n"), std::string::npos);
  EXPECT_NE(rules.find("name: argus-detections-b"), std::string::npos);
  EXPECT_EQ(rules.find("name: argus-detections-a"), std::string::npos);
  EXPECT_NE(rules.find("argus_agent_stuck_item_rejections{job=\"argus\",pipeline!~\"b\"} >= 3"), std::string::npos)
      << rules.substr(0, 4000);
  EXPECT_NE(rules.find("argus_agent_stuck_item_rejections{job=\"argus\",pipeline=\"b\"} >= 2"), std::string::npos);
  // Without pipelines of their own settings, one group as before.
  Config plain;
  ASSERT_TRUE(ParseConfig("pipelines: [{name: a, database: a.db}, {name: b, database: b.db}]", &plain).ok());
  EXPECT_EQ(RulesYaml(plain), RulesYaml(Config()));
}

}  // namespace
}  // namespace argus
