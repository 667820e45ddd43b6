// The exporter's cycle: shared runs, metrics text, escaping, and a database
// that goes missing, locked, corrupt or replaced and comes back.
#include "exporter/serve/exporter.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "exporter/cli/demo.h"
#include "exporter/serve/http_routes.h"
#include "exporter/source/sqlite_source.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

namespace fs = std::filesystem;

// Delegates to a MemorySource, slowly, and counts its reads of the reviews:
// one feed reads them once per cycle for the engine and the totals alike.
class SlowSource : public PipelineSource {
 public:
  explicit SlowSource(MemorySource& inner) : inner_(inner) {}
  Status ReadSubmissions(const ReadRequest& q, const std::function<void(const SubmissionRow&)>& v,
                         ReadStats* s) override {
    return inner_.ReadSubmissions(q, v, s);
  }
  Status ReadReviews(const ReadRequest& q, const std::function<void(const ReviewRow&)>& v,
                     ReadStats* s) override {
    ++review_reads;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return inner_.ReadReviews(q, v, s);
  }
  Status ReadCosts(const ReadRequest& q, const std::function<void(const CostRow&)>& v,
                   ReadStats* s) override {
    return inner_.ReadCosts(q, v, s);
  }
  Status MaxIds(int64_t* s, int64_t* r, int64_t* c) override { return inner_.MaxIds(s, r, c); }
  std::atomic<int> review_reads{0};

 private:
  MemorySource& inner_;
};

double MetricValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

class ExporterTest : public ::testing::Test {
 protected:
  std::ostringstream logs_;
  Logger log_{logs_, LogLevel::kDebug};
};

TEST_F(ExporterTest, OverlappingRunsShareOneCycle) {
  TestPipeline p;
  p.Activity("rio", 7 * kHour);
  auto slow = std::make_unique<SlowSource>(p.source());
  SlowSource* probe = slow.get();
  Exporter exporter(Config(), std::move(slow), kNow, log_);
  std::vector<std::shared_ptr<const Published>> results(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { results[i] = exporter.RunCycle(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(probe->review_reads, 1);
  for (const auto& r : results) EXPECT_EQ(r.get(), results[0].get());
  EXPECT_EQ(MetricValue(results[0]->metrics_text, "argus_cycles_total"), 1);
}

TEST_F(ExporterTest, NotReadyBeforeTheFirstCycle) {
  TestPipeline p;
  Exporter exporter(Config(), std::make_unique<SlowSource>(p.source()), kNow, log_);
  EXPECT_EQ(Route(exporter, "GET", "/-/ready", "").status, 503);
  EXPECT_EQ(Route(exporter, "GET", "/metrics", "").status, 503);
  // Not all clear: not looked yet.
  HttpResponse r = Route(exporter, "GET", "/api/alerts", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body),
            (nlohmann::json{{"alerts", nlohmann::json::array()}, {"total", 0}, {"last_check", nullptr},
                            {"error", "no check cycle has completed yet"}}));
  exporter.RunCycle();
  EXPECT_EQ(Route(exporter, "GET", "/-/ready", "").status, 200);
}

TEST_F(ExporterTest, StringsFromTheDatabaseAreEscapedEverywhere) {
  TestPipeline p;
  const std::string evil = "<img src=x onerror=\"alert(1)\">\n'&\\";
  for (int i = 0; i < 3; ++i) p.Review(evil, "d<b>", (5 - i) * kHour, false, "r\"x", "item</td>");
  Exporter exporter(Config(), std::make_unique<SlowSource>(p.source()), kNow, log_);
  auto published = exporter.RunCycle();
  ASSERT_EQ(published->result.alerts.size(), 1u);

  const std::string html = Route(exporter, "GET", "/", "").Body();
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("item</td>"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"), std::string::npos);
  EXPECT_NE(html.find("/agents/%3Cimg%20src%3Dx%20onerror%3D%22alert%281%29%22%3E%0A%27%26%5C"),
            std::string::npos);
  // The agent's page: its name, and the stuck item's, as text.
  const std::string agent_page =
      Route(exporter, "GET", "/agents/%3Cimg%20src%3Dx%20onerror%3D%22alert%281%29%22%3E%0A%27%26%5C", "").Body();
  EXPECT_EQ(agent_page.find("<img"), std::string::npos);
  EXPECT_EQ(agent_page.find("item</td>"), std::string::npos);
  EXPECT_NE(agent_page.find("data-item=\"item&lt;/td&gt;\""), std::string::npos) << agent_page;

  const std::string& metrics = published->metrics_text;
  EXPECT_NE(metrics.find("argus_agent_stuck_item_rejections{agent=\"<img src=x onerror=\\\"alert(1)\\\">\\n'&\\\\\"} 3"),
            std::string::npos)
      << metrics;

  nlohmann::json alerts = nlohmann::json::parse(Route(exporter, "GET", "/api/alerts", "").body);
  EXPECT_EQ(alerts["alerts"][0]["agent"], evil);
  EXPECT_EQ(alerts["alerts"][0]["details"]["stuck_items"][0]["item"], "item</td>");
}

TEST_F(ExporterTest, InvalidUtf8FromTheDatabaseNeverBreaksJson) {
  TestPipeline p;
  for (int i = 0; i < 3; ++i) p.Review("bad\xff\xfe", "d", (5 - i) * kHour, false, "r", "i");
  Exporter exporter(Config(), std::make_unique<SlowSource>(p.source()), kNow, log_);
  exporter.RunCycle();
  HttpResponse r = Route(exporter, "GET", "/api/alerts", "");
  EXPECT_EQ(r.status, 200);
  nlohmann::json j = nlohmann::json::parse(r.body);  // throws on invalid UTF-8
  EXPECT_EQ(j["total"], 1);
}

TEST_F(ExporterTest, RejectionReasonsBeyondTheTopNAreOther) {
  TestPipeline p;
  const char* reasons[] = {"a", "a", "a", "b", "b", "c"};
  int i = 0;
  for (const char* reason : reasons) p.Review("rio", "d", (100 + i++) * kHour, false, reason);
  Config config = With("top_reasons: 2\n");
  Exporter exporter(std::move(config), std::make_unique<SlowSource>(p.source()), kNow, log_);
  std::string text = exporter.RunCycle()->metrics_text;
  EXPECT_EQ(MetricValue(text, "argus_rejections_total{reason=\"a\"}"), 3);
  EXPECT_EQ(MetricValue(text, "argus_rejections_total{reason=\"b\"}"), 2);
  EXPECT_EQ(MetricValue(text, "argus_rejections_total{reason=\"other\"}"), 1);
  // A new reason later is "other" too, and counters only grow.
  p.Review("rio", "d", kHour, false, "z");
  text = exporter.RunCycle()->metrics_text;
  EXPECT_EQ(MetricValue(text, "argus_rejections_total{reason=\"other\"}"), 2);
  EXPECT_EQ(MetricValue(text, "argus_reviews_total{agent=\"rio\",verdict=\"rejected\"}"), 7);
}

// ---- a real file that goes bad and comes back --------------------------------

class DatabaseFaultTest : public ExporterTest {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("argus_fault_" + std::to_string(getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "pipeline.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Demo(const std::string& path, int agents = 8) {
    DemoOptions o;
    o.path = path;
    o.now = kNow;
    o.agents = agents;
    o.force = true;
    ASSERT_TRUE(WriteDemo(o).ok());
  }
  std::unique_ptr<Exporter> Make() {
    return std::make_unique<Exporter>(Config(), std::make_unique<SqliteSource>(path_, SourceQueries()),
                                      kNow, log_);
  }
  static double Up(const Published& p) { return MetricValue(p.metrics_text, "argus_up"); }

  fs::path dir_;
  std::string path_;
};

TEST_F(DatabaseFaultTest, MissingAtStartThenCreated) {
  auto exporter = Make();
  auto p = exporter->RunCycle();
  EXPECT_EQ(Up(*p), 0);
  HttpResponse r = Route(*exporter, "GET", "/check", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(nlohmann::json::parse(r.body)["error"].get<std::string>().find("cannot open"), std::string::npos);
  EXPECT_EQ(Route(*exporter, "GET", "/metrics", "").status, 200) << "still serves";
  EXPECT_NE(logs_.str().find("level=error msg=\"cycle could not read the database\""), std::string::npos);
  EXPECT_FALSE(fs::exists(path_));

  Demo(path_);
  p = exporter->RunCycle();
  EXPECT_EQ(Up(*p), 1);
  EXPECT_EQ(p->result.alerts.size(), 7u);
  EXPECT_EQ(Route(*exporter, "GET", "/check", "").status, 200);
}

// Blind is never "all clear": while the database cannot be read, every
// endpoint says so, and serves the alerts and gauges of the last good run,
// marked as such (the Python service kept its alerts when a check failed).
TEST_F(DatabaseFaultTest, ABlindExporterKeepsItsLastAlertsAndSaysItIsBlind) {
  Demo(path_);
  auto exporter = Make();
  auto good = exporter->RunCycle();
  ASSERT_EQ(good->result.alerts.size(), 7u);
  const double idle = MetricValue(good->metrics_text, "argus_agent_idle_seconds{agent=\"bard\"}");
  const double reviews = MetricValue(good->metrics_text, "argus_reviews_total{agent=\"atlas\",verdict=\"approved\"}");
  ASSERT_GT(idle, 0);
  ASSERT_GT(reviews, 0);

  fs::rename(path_, path_ + ".away");
  auto blind = exporter->RunCycle();
  EXPECT_EQ(Up(*blind), 0);
  EXPECT_EQ(blind->result.alerts.size(), 7u);
  HttpResponse r = Route(*exporter, "GET", "/api/alerts", "");
  EXPECT_EQ(r.status, 503);
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["total"], 7);
  EXPECT_NE(j["error"].get<std::string>().find(path_), std::string::npos) << j.dump();
  EXPECT_EQ(j["kept_from"].size(), 7u) << j.dump();
  EXPECT_EQ(j["kept_from"]["dormant_agent"], FormatTimestamp(kNow));
  EXPECT_EQ(Route(*exporter, "GET", "/api/alerts", "severity=critical").status, 503);
  r = Route(*exporter, "GET", "/check", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body)["alert_count"], 7);

  // The gauges and counters stay, so no alert resolves for want of them.
  const std::string& m = blind->metrics_text;
  EXPECT_EQ(MetricValue(m, "argus_agent_idle_seconds{agent=\"bard\"}"), idle);
  EXPECT_EQ(MetricValue(m, "argus_reviews_total{agent=\"atlas\",verdict=\"approved\"}"), reviews);
  EXPECT_EQ(MetricValue(m, "argus_alerts{check=\"stuck_loop\",severity=\"critical\"}"), 1);
  EXPECT_EQ(MetricValue(m, "argus_check_last_success_timestamp_seconds{check=\"cost_spike\"}"), kNow / 1000.0);
  EXPECT_GT(MetricValue(m, "argus_last_success_timestamp_seconds"), 0);

  // The page says it first.
  const std::string page = Route(*exporter, "GET", "/", "").Body();
  const size_t blind_at = page.find("Argus cannot see the pipeline");
  ASSERT_NE(blind_at, std::string::npos) << page;
  EXPECT_LT(blind_at, page.find("Last check"));
  EXPECT_NE(page.find("last good results"), std::string::npos);

  // Back: the same file is not a replaced one.
  fs::rename(path_ + ".away", path_);
  auto back = exporter->RunCycle();
  EXPECT_EQ(Up(*back), 1);
  EXPECT_EQ(Route(*exporter, "GET", "/api/alerts", "").status, 200);
  EXPECT_EQ(MetricValue(back->metrics_text, "argus_database_reloads_total"), 0);
  EXPECT_EQ(MetricValue(back->metrics_text, "argus_reviews_total{agent=\"atlas\",verdict=\"approved\"}"), reviews);
  EXPECT_EQ(nlohmann::json::parse(Route(*exporter, "GET", "/api/alerts", "").body).count("kept_from"), 0u);
}

TEST_F(DatabaseFaultTest, BlindFromTheStartHasNoSuccessToShow) {
  auto exporter = Make();
  auto p = exporter->RunCycle();
  HttpResponse r = Route(*exporter, "GET", "/api/alerts", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body)["total"], 0);
  EXPECT_EQ(p->metrics_text.find("\nargus_last_success_timestamp_seconds "), std::string::npos);
  EXPECT_NE(Route(*exporter, "GET", "/", "").Body().find("no successful run yet"), std::string::npos);
}

// Only the checks a filter covers decide: a script that asks for the
// stuck loops gets them with 200 while only the costs cannot be read.
TEST_F(ExporterTest, AlertsAnswer503OnlyForWhatTheFilterCovers) {
  TestPipeline p;
  for (int i = 0; i < 6; ++i) p.Review("dax", "legal", (10 + i) * kMinute, false, "missing_evidence", "claim-1");
  Exporter exporter(Config(), std::make_unique<SlowSource>(p.source()), kNow, log_);
  exporter.RunCycle();
  EXPECT_EQ(Route(exporter, "GET", "/api/alerts", "").status, 200);
  p.source().fail_costs = true;
  exporter.RunCycle();
  EXPECT_EQ(Route(exporter, "GET", "/api/alerts", "").status, 503);
  EXPECT_EQ(Route(exporter, "GET", "/api/alerts", "check=cost_spike").status, 503);
  HttpResponse r = Route(exporter, "GET", "/api/alerts", "check=stuck_loop");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["total"], 1);
  EXPECT_EQ(Route(exporter, "GET", "/check", "").status, 503);
}

TEST_F(DatabaseFaultTest, LockedThenReleased) {
  Demo(path_);
  auto exporter = Make();
  EXPECT_EQ(Up(*exporter->RunCycle()), 1);
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto p = exporter->RunCycle();
  EXPECT_EQ(Up(*p), 0);
  EXPECT_NE(p->result.database_error.find("locked"), std::string::npos) << p->result.database_error;
  EXPECT_EQ(Route(*exporter, "GET", "/check", "").status, 503);
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  EXPECT_EQ(Up(*exporter->RunCycle()), 1);
}

TEST_F(DatabaseFaultTest, CorruptThenRepaired) {
  Demo(path_);
  auto exporter = Make();
  EXPECT_EQ(Up(*exporter->RunCycle()), 1);
  const std::string good = path_ + ".good";
  fs::rename(path_, good);
  std::ofstream(path_, std::ios::binary) << std::string(4096, '\x5a');
  auto p = exporter->RunCycle();
  EXPECT_EQ(Up(*p), 0);
  EXPECT_NE(p->result.database_error.find("not a database"), std::string::npos) << p->result.database_error;
  fs::rename(good, path_);
  p = exporter->RunCycle();
  EXPECT_EQ(Up(*p), 1);
  EXPECT_EQ(p->result.alerts.size(), 7u);
}

TEST_F(DatabaseFaultTest, ReplacedByAnotherFileIsCountedAfresh) {
  Demo(path_, 8);
  auto exporter = Make();
  auto first = exporter->RunCycle();
  const double before = MetricValue(first->metrics_text, "argus_submissions_total{agent=\"atlas\"}");
  EXPECT_GT(before, 0);
  const std::string other = (dir_ / "other.db").string();
  Demo(other, 6);
  fs::rename(other, path_);  // a new inode under the same name
  auto second = exporter->RunCycle();
  EXPECT_EQ(Up(*second), 1);
  EXPECT_EQ(MetricValue(second->metrics_text, "argus_database_reloads_total"), 1);
  EXPECT_EQ(MetricValue(second->metrics_text, "argus_submissions_total{agent=\"atlas\"}"),
            before) << "the same demo counted once, not twice";
  EXPECT_EQ(MetricValue(second->metrics_text, "argus_submissions_total{agent=\"hale\"}"), -1);
  EXPECT_NE(logs_.str().find("database replaced; counting its rows again"), std::string::npos);
}

TEST_F(DatabaseFaultTest, MetricsPassPromtoolLint) {
  Demo(path_);
  auto exporter = Make();
  const std::string metrics = (dir_ / "metrics.txt").string();
  std::ofstream(metrics) << exporter->RunCycle()->metrics_text;
  const std::string out = (dir_ / "promtool.txt").string();
  const int status = std::system(("promtool check metrics < " + metrics + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::string lint((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(status, 0) << lint;
  EXPECT_EQ(lint, "") << "promtool check metrics must print nothing";
}

}  // namespace
}  // namespace argus::testing

namespace argus::testing {
namespace {

TEST_F(DatabaseFaultTest, EveryMetricIsDocumented) {
  Demo(path_);
  Config config = With("checks:\n  dormant_agent:\n    expected_agents: [ghost]\n");
  Exporter exporter(std::move(config), std::make_unique<SqliteSource>(path_, SourceQueries()), kNow, log_);
  std::istringstream text(exporter.RunCycle()->metrics_text);
  std::ifstream in(std::string(ARGUS_SOURCE_DIR) + "/docs/metrics.md");
  const std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string line;
  int families = 0;
  while (std::getline(text, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    const std::string name = line.substr(7, line.find(' ', 7) - 7);
    ++families;
    EXPECT_NE(docs.find("`" + name + "`"), std::string::npos) << name << " is not in docs/metrics.md";
  }
  EXPECT_GE(families, 30);
}

}  // namespace
}  // namespace argus::testing

namespace argus::testing {
namespace {

TEST_F(ExporterTest, AReloadTakesEffectAtOnceAndARefusedOneChangesNothing) {
  TestPipeline p;
  p.Activity("rio", 7 * kHour);  // dormant: one warning
  p.Activity("sol", 10 * kMinute);
  Exporter exporter(Config(), std::make_unique<SlowSource>(p.source()), kNow, log_);
  auto first = exporter.RunCycle();
  ASSERT_EQ(first->result.alerts.size(), 1u);
  EXPECT_EQ(MetricValue(first->metrics_text, "argus_config_last_reload_successful"), 1);

  // A refused reload: the running configuration stays, the metric says so.
  exporter.ReloadFailed();
  auto refused = exporter.Latest();
  EXPECT_EQ(refused->result.alerts.size(), 1u);
  EXPECT_EQ(MetricValue(refused->metrics_text, "argus_config_last_reload_successful"), 0);
  EXPECT_EQ(MetricValue(refused->metrics_text, "argus_config_reloads_total{result=\"failure\"}"), 1);

  // A longer dormancy threshold: rio is no longer dormant, from the reload on.
  Config quieter;
  ASSERT_TRUE(ParseConfig("checks:\n  dormant_agent:\n    warning_after: 8h\n", &quieter).ok());
  exporter.Reload(std::move(quieter), nullptr);
  auto reloaded = exporter.Latest();
  EXPECT_TRUE(reloaded->result.alerts.empty());
  EXPECT_EQ(MetricValue(reloaded->metrics_text, "argus_config_last_reload_successful"), 1);
  EXPECT_EQ(MetricValue(reloaded->metrics_text, "argus_config_reloads_total{result=\"success\"}"), 1);
  EXPECT_EQ(exporter.config()->FindCheck("dormant_agent")->Value("warning_after"), double(8 * kHour));

  // A new source replaces the old one.
  auto other = std::make_unique<MemorySource>();
  exporter.Reload(Config(), std::move(other));
  EXPECT_TRUE(exporter.Latest()->result.alerts.empty()) << "an empty pipeline";
  EXPECT_NE(first->metrics_text.find("agent=\"rio\""), std::string::npos);
  EXPECT_EQ(exporter.Latest()->metrics_text.find("agent=\"rio\""), std::string::npos);
}

TEST_F(ExporterTest, ReloadIsRefusedWithoutTheLifecycleFlag) {
  TestPipeline p;
  Exporter exporter(Config(), std::make_unique<SlowSource>(p.source()), kNow, log_);
  HttpResponse r = Route(exporter, "POST", "/-/reload", "");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("--web.enable-lifecycle"), std::string::npos);
}

}  // namespace
}  // namespace argus::testing
