// The SQLite reader against real files: read-only, never changes a byte,
// honours source queries, and fails cleanly on bad files.
#include "exporter/source/sqlite_source.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "exporter/cli/demo.h"
#include "exporter/engine/engine.h"
#include "exporter/engine/failure_report.h"
#include "exporter/engine/incremental_engine.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

namespace fs = std::filesystem;

std::string Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Exec(const std::string& path, const std::string& sql) { ExecSql(path, sql); }

class SqliteSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("argus_sqlite_");
    path_ = (dir_ / "pipeline.db").string();
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all);
    fs::remove_all(dir_);
  }
  void Demo(bool plants = true) {
    DemoOptions o;
    o.path = path_;
    o.now = kNow;
    o.plants = plants;
    Status s = WriteDemo(o);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  CycleResult Check(const Config& config = Config()) {
    SqliteSource source(path_, config.sources);
    return RunChecks(config, source, kNow);
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SqliteSourceTest, DemoPlantsExactlyOneCaseOfEachDetection) {
  Demo();
  CycleResult r = Check();
  ASSERT_TRUE(r.database_ok()) << r.database_error;
  std::set<std::string> checks;
  for (const Alert& a : r.alerts) checks.insert(a.check);
  EXPECT_EQ(r.alerts.size(), 7u);
  EXPECT_EQ(checks.size(), 7u);
  EXPECT_EQ(r.skipped.reviews.total() + r.skipped.submissions.total() + r.skipped.costs.total(), 0);
}

// A higher rate spends more every day; the runaway model spends more with
// it, so the cost spike is still there (at 8 an hour it once was not).
// One case of each detection, and nothing else, for every option value the
// demo takes with its plants: the plants scale with the rate, and the rates
// where they cannot hold are refused.
TEST_F(SqliteSourceTest, DemoPlantsOneCaseOfEachDetectionForEveryOptionValue) {
  struct Variant {
    std::string profile;
    double rate;
    int agents;
  };
  const Variant variants[] = {{"steady", 1, 8},  {"steady", 4, 8},        {"steady", 12, 8},
                              {"steady", 60, 8}, {"steady", 2, 6},        {"steady", 1, 100},
                              {"working-week", 2, 8}, {"working-week", 12, 8},
                              {"working-week", 2, 6}};
  // A weekday afternoon, so that the working week is at work.
  const Millis wednesday = *ParseTimestamp("2026-11-25T16:00:00Z");
  for (const Variant& v : variants) {
    DemoOptions o;
    o.path = path_;
    o.now = wednesday;
    o.rate = v.rate;
    o.agents = v.agents;
    o.profile = v.profile;
    o.days = v.profile == "working-week" ? 35 : 8;
    o.force = true;
    ASSERT_TRUE(WriteDemo(o).ok());
    SqliteSource source(path_, SourceQueries());
    CycleResult r = RunChecks(Config(), source, wednesday);
    std::set<std::string> checks;
    for (const Alert& a : r.alerts) checks.insert(a.check);
    const std::string what = v.profile + " rate " + std::to_string(v.rate) + " agents " +
                             std::to_string(v.agents);
    EXPECT_EQ(r.alerts.size(), 7u) << what;
    EXPECT_EQ(checks.size(), 7u) << what;
  }
  DemoOptions low;
  low.path = path_;
  low.now = wednesday;
  low.rate = 0.5;
  low.force = true;
  EXPECT_NE(WriteDemo(low).message().find("need --rate 1 or more"), std::string::npos);
  low.plants = false;
  EXPECT_TRUE(WriteDemo(low).ok());
  DemoOptions fast = low;
  fast.plants = true;
  fast.rate = 30;
  fast.profile = "working-week";
  fast.days = 35;
  EXPECT_NE(WriteDemo(fast).message().find("--rate from 2 to 12"), std::string::npos);
}

TEST_F(SqliteSourceTest, DemoWithoutPlantsRaisesNothing) {
  Demo(false);
  CycleResult r = Check();
  ASSERT_TRUE(r.database_ok()) << r.database_error;
  EXPECT_TRUE(r.alerts.empty()) << AlertToJson(r.alerts.front()).dump();
  EXPECT_GT(r.samples.size(), 50u);
}

TEST_F(SqliteSourceTest, DemoRefusesToOverwriteWithoutForce) {
  Demo();
  DemoOptions o;
  o.path = path_;
  o.now = kNow;
  EXPECT_NE(WriteDemo(o).message().find("exists; pass --force"), std::string::npos);
}

TEST_F(SqliteSourceTest, NeverChangesTheDatabaseFile) {
  Demo();
  const std::string before = Bytes(path_);
  const auto mtime = fs::last_write_time(path_);
  Config config;
  SqliteSource source(path_, config.sources);
  RunChecks(config, source, kNow);
  CheckBody(RunChecks(config, source, kNow), config, source);
  BuildFailureReport(source, config, "dax", 720, kNow);
  BuildFailureReport(source, config, "nobody'; DROP TABLE reviews; --", 24, kNow);
  EXPECT_TRUE(source.Validate().ok());
  EXPECT_EQ(Bytes(path_), before);
  EXPECT_EQ(fs::last_write_time(path_), mtime);
  EXPECT_FALSE(fs::exists(path_ + "-journal"));
  EXPECT_FALSE(fs::exists(path_ + "-wal"));
}

// A WAL database that no connection has open has no -shm file; a read-only
// connection would create -wal and -shm next to it (or fail in a read-only
// folder). Argus reads the main file alone instead, and goes back to shared
// memory as soon as a writer has the database open.
TEST_F(SqliteSourceTest, AWalDatabaseNobodyHasOpenIsReadWithoutCreatingFiles) {
  Demo();
  Exec(path_, "PRAGMA journal_mode=WAL");
  ASSERT_FALSE(fs::exists(path_ + "-shm")) << "the last connection removes it";
  const std::string before = Bytes(path_);
  CycleResult r = Check();
  EXPECT_TRUE(r.database_ok()) << r.database_error;
  EXPECT_EQ(r.alerts.size(), 7u);
  EXPECT_FALSE(fs::exists(path_ + "-wal"));
  EXPECT_FALSE(fs::exists(path_ + "-shm"));
  EXPECT_EQ(Bytes(path_), before);

  SqliteSource source(path_, SourceQueries());
  int64_t subs = 0, revs, costs, now_subs = 0;
  ASSERT_TRUE(source.MaxIds(&subs, &revs, &costs).ok());
  // The pipeline opens it and writes: the row is in the -wal file only.
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer,
                         "INSERT INTO submissions (created_at, agent, domain, item) "
                         "VALUES ('2026-11-28T09:59:00Z', 'zed', 'health', 'z-1')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_TRUE(fs::exists(path_ + "-shm"));
  ASSERT_TRUE(source.MaxIds(&now_subs, &revs, &costs).ok());
  EXPECT_EQ(now_subs, subs + 1) << "the row in the WAL is seen while the writer is connected";
  // The writer leaves; its -wal and -shm stay while Argus's connection is
  // open (as they would for any other reader), and the row stays visible.
  sqlite3_close(writer);
  ASSERT_TRUE(source.MaxIds(&now_subs, &revs, &costs).ok());
  EXPECT_EQ(now_subs, subs + 1);
}

TEST_F(SqliteSourceTest, ReadsWhenTheFileAndFolderAreReadOnly) {
  Demo();
  const std::string before = Bytes(path_);
  fs::permissions(path_, fs::perms::owner_read);
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  CycleResult r = Check();
  EXPECT_TRUE(r.database_ok()) << r.database_error;
  EXPECT_EQ(r.alerts.size(), 7u);
  EXPECT_EQ(Bytes(path_), before);
}

TEST_F(SqliteSourceTest, AMissingFileIsAnErrorNotACrash) {
  CycleResult r = Check();
  EXPECT_FALSE(r.database_ok());
  EXPECT_NE(r.database_error.find("cannot open"), std::string::npos) << r.database_error;
  EXPECT_TRUE(r.any_check_failed());
  EXPECT_FALSE(fs::exists(path_)) << "a read must never create the file";
}

TEST_F(SqliteSourceTest, ACorruptFileIsAnError) {
  std::ofstream(path_) << std::string(8192, 'x');
  const std::string before = Bytes(path_);
  CycleResult r = Check();
  EXPECT_FALSE(r.database_ok());
  EXPECT_NE(r.database_error.find("not a database"), std::string::npos) << r.database_error;
  EXPECT_EQ(Bytes(path_), before);
}

TEST_F(SqliteSourceTest, AFileWithoutTheTablesIsAnError) {
  Exec(path_, "CREATE TABLE other (x)");
  CycleResult r = Check();
  EXPECT_FALSE(r.database_ok());
  EXPECT_NE(r.database_error.find("no such table"), std::string::npos) << r.database_error;
  SqliteSource source(path_, SourceQueries());
  EXPECT_FALSE(source.Validate().ok());
}

TEST_F(SqliteSourceTest, SourceQueriesMapAnotherSchema) {
  Exec(path_, R"(
    CREATE TABLE work (wid INTEGER PRIMARY KEY, at INTEGER, who TEXT, area TEXT, thing TEXT);
    CREATE TABLE verdicts (vid INTEGER PRIMARY KEY, wid INTEGER, at TEXT, ok INTEGER, why TEXT);
    CREATE TABLE spend (sid INTEGER PRIMARY KEY, at REAL, who TEXT, dollars REAL);
  )");
  // rio: the same item rejected 3 times in the last 6h.
  std::string sql;
  for (int i = 0; i < 3; ++i) {
    const Millis t = kNow - (3 - i) * kHour;
    sql += "INSERT INTO work VALUES (" + std::to_string(i + 1) + ", " + std::to_string(t / 1000) +
           ", 'rio', 'health', 'claim-1');";
    sql += "INSERT INTO verdicts VALUES (" + std::to_string(i + 1) + ", " + std::to_string(i + 1) +
           ", '" + FormatTimestamp(t + kMinute) + "', 0, 'missing_evidence');";
  }
  sql += "INSERT INTO spend VALUES (1, " + std::to_string(kNow / 1000 - 60) + ", 'rio', 0.5);";
  Exec(path_, sql);
  Config config = With(R"(
sources:
  submissions: SELECT wid AS id, at AS created_at, who AS agent, area AS domain, thing AS item FROM work
  reviews: >
    SELECT vid AS id, wid AS submission_id, at AS reviewed_at,
           CASE ok WHEN 1 THEN 'approved' ELSE 'rejected' END AS verdict,
           why AS reason, NULL AS score, NULL AS note FROM verdicts;
  costs: SELECT sid AS id, at AS incurred_at, who AS agent, NULL AS model, dollars AS usd FROM spend
)");
  SqliteSource source(path_, config.sources);
  ASSERT_TRUE(source.Validate().ok()) << source.Validate().message();
  CycleResult r = RunChecks(config, source, kNow);
  ASSERT_TRUE(r.database_ok()) << r.database_error;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].id(), "stuck_loop:rio");
}

// The token columns are optional (Argus does not read them), and a pipeline
// that records no costs at all says `costs: null`.
TEST_F(SqliteSourceTest, CostsWithoutTokenColumnsOrWithoutACostsTable) {
  const std::string tables =
      "CREATE TABLE submissions (id INTEGER PRIMARY KEY, created_at TEXT, agent TEXT, domain TEXT, item TEXT);"
      "CREATE TABLE reviews (id INTEGER PRIMARY KEY, submission_id INTEGER, reviewed_at TEXT, verdict TEXT,"
      " reason TEXT, score REAL, note TEXT);"
      "INSERT INTO submissions VALUES (1, '" + Ago(kHour) + "', 'rio', 'legal', 'a');"
      "INSERT INTO reviews VALUES (1, 1, '" + Ago(kHour) + "', 'approved', NULL, NULL, NULL);";
  Exec(path_, tables + "CREATE TABLE costs (id INTEGER PRIMARY KEY, incurred_at TEXT, agent TEXT, model TEXT, usd REAL);"
                       "INSERT INTO costs VALUES (1, '" + Ago(kHour) + "', 'rio', NULL, 0.5);");
  Config config;
  SqliteSource source(path_, config.sources);
  EXPECT_TRUE(source.Validate().ok()) << source.Validate().message();
  CycleResult r = IncrementalEngine(config, source).Run(kNow);
  EXPECT_TRUE(r.database_ok()) << r.database_error;
  EXPECT_FALSE(r.any_check_failed());

  const std::string bare = (dir_ / "bare.db").string();
  Exec(bare, tables);
  Config none;
  ASSERT_TRUE(ParseConfig("sources:\n  costs: null\n", &none).ok());
  EXPECT_TRUE(IncrementalSource(none));
  SqliteSource no_costs(bare, none.sources);
  EXPECT_TRUE(no_costs.Validate().ok()) << no_costs.Validate().message();
  r = IncrementalEngine(none, no_costs).Run(kNow);
  EXPECT_TRUE(r.database_ok()) << r.database_error;
  EXPECT_FALSE(r.any_check_failed());
  EXPECT_EQ(SampleValue(r, "agent_idle_seconds", {{"agent", "rio"}}), 3600);
  // Without saying so, the missing table is an error, never an empty one.
  SqliteSource defaults(bare, Config().sources);
  EXPECT_NE(defaults.Validate().message().find("no such table: costs"), std::string::npos);
}

TEST_F(SqliteSourceTest, ASourceQueryThatWritesIsRefused) {
  Demo();
  Config config = With("sources:\n  costs: DELETE FROM costs RETURNING *\n");
  SqliteSource source(path_, config.sources);
  EXPECT_FALSE(source.Validate().ok());
  const std::string before = Bytes(path_);
  CycleResult r = RunChecks(config, source, kNow);
  EXPECT_FALSE(r.database_ok());
  EXPECT_EQ(Bytes(path_), before);
}

TEST_F(SqliteSourceTest, SeekFindsRowsInTheWindowOfALongHistory) {
  // 400 days of one review a day, then a stuck item: the seek must land
  // before the window and miss nothing inside it.
  Exec(path_, std::string(R"(
    CREATE TABLE submissions (id INTEGER PRIMARY KEY, created_at TEXT, agent TEXT, domain TEXT, item TEXT);
    CREATE TABLE reviews (id INTEGER PRIMARY KEY, submission_id INTEGER, reviewed_at TEXT, verdict TEXT, reason TEXT, score REAL, note TEXT);
    CREATE TABLE costs (id INTEGER PRIMARY KEY, incurred_at TEXT, agent TEXT, model TEXT, usd REAL, input_tokens INTEGER, output_tokens INTEGER);
  )"));
  std::string sql = "BEGIN;";
  int id = 0;
  for (int d = 400; d >= 1; --d) {
    ++id;
    sql += "INSERT INTO submissions VALUES (" + std::to_string(id) + ", '" + Ago(d * kDay) + "', 'rio', 'h', 'i" + std::to_string(id) + "');";
    sql += "INSERT INTO reviews VALUES (" + std::to_string(id) + ", " + std::to_string(id) + ", '" + Ago(d * kDay - kMinute) + "', 'approved', NULL, NULL, NULL);";
  }
  for (int i = 0; i < 3; ++i) {
    ++id;
    sql += "INSERT INTO submissions VALUES (" + std::to_string(id) + ", '" + Ago((5 - i) * kHour) + "', 'rio', 'h', 'claim-9');";
    sql += "INSERT INTO reviews VALUES (" + std::to_string(id) + ", " + std::to_string(id) + ", '" + Ago((5 - i) * kHour - kMinute) + "', 'rejected', 'x', NULL, NULL);";
  }
  sql += "COMMIT;";
  Exec(path_, sql);
  CycleResult r = Check();
  ASSERT_TRUE(r.database_ok()) << r.database_error;
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].id(), "stuck_loop:rio");
  EXPECT_EQ(SampleValue(r, "agent_reviews", {{"agent", "rio"}, {"window", "baseline"}}), 7);
}

}  // namespace
}  // namespace argus::testing
