// The PostgreSQL source on a real PostgreSQL 15 that the test starts
// itself (PgCluster): the same pipeline read from SQLite and from
// PostgreSQL gives the same alerts, metrics, replayed episodes and failure
// reports; the incremental engine agrees with the oracle there too; bad
// input gives a clear error, argus_up 0 and recovery; and Argus writes
// nothing, as the server's own statistics show.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "exporter/cli/cli.h"
#include "exporter/cli/demo.h"
#include "exporter/engine/backtest.h"
#include "exporter/engine/engine.h"
#include "exporter/engine/failure_report.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/serve/exporter.h"
#include "exporter/source/postgres_source.h"
#include "exporter/source/sqlite_source.h"
#include "tests/pg_cluster.h"

namespace argus {
namespace {

namespace fs = std::filesystem;
using testing::PgCluster;

// The demo's working week ends on Wednesday 25 November 2026, 20:00 UTC.
const Millis kEnd = *ParseTimestamp("2026-11-25T20:00:00Z");
const Millis kWednesday10 = *ParseTimestamp("2026-11-25T10:00:00Z");

PgCluster* cluster = nullptr;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    cluster = new PgCluster();
    ASSERT_EQ(cluster->error(), "");
  }
  void TearDown() override {
    delete cluster;
    cluster = nullptr;
  }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

// The clock's instant as a SQL timestamp literal.
std::string NowSql() {
  return "'" + FormatTimestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count()) +
         "'";
}

std::string TempPath(const std::string& name) {
  return (fs::path(::testing::TempDir()) / ("argus_pg_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// A working-week demo (with its planted cases unless told otherwise),
// written to SQLite and copied into a new PostgreSQL database `database`.
// Returns the SQLite file's path.
std::string TwinPipelines(const std::string& database, Millis now, bool plants = true) {
  DemoOptions o;
  o.path = TempPath(database + ".db");
  o.now = now;
  o.days = 35;
  o.profile = "working-week";
  o.plants = plants;
  o.force = true;
  EXPECT_TRUE(WriteDemo(o).ok());
  Status s = cluster->CreatePipeline(database);
  EXPECT_TRUE(s.ok()) << s.message();
  s = cluster->CopyFromSqlite(o.path, database);
  EXPECT_TRUE(s.ok()) << s.message();
  return o.path;
}

std::string Describe(const BacktestResult& r) {
  std::string text;
  for (const Episode& e : r.episodes) {
    text += e.id + " " + std::string(SeverityName(e.severity)) + " " + FormatTimestamp(e.start) +
            " .. " + FormatTimestamp(e.end) + "\n";
  }
  return text;
}

BacktestResult Replay(PipelineSource& source, Millis from, Millis to) {
  BacktestOptions o;
  o.from = from;
  o.to = to;
  BacktestResult r = RunBacktest(Config(), source, o);
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  return r;
}

// Every alert (with its severity) and every published sample of a cycle.
std::map<std::string, double> Fingerprint(const CycleResult& r) {
  std::map<std::string, double> out;
  for (const Alert& a : r.alerts) out["alert " + a.id() + " " + std::string(SeverityName(a.severity))] = 1;
  for (const Sample& x : r.samples) {
    std::string k = x.metric;
    for (const auto& [n, v] : x.labels) k += "," + n + "=" + v;
    out[k] = x.value;
  }
  return out;
}

void ExpectSame(const std::map<std::string, double>& got, const std::map<std::string, double>& want,
                const std::string& what) {
  EXPECT_EQ(got.size(), want.size()) << what;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      ADD_FAILURE() << what << ": lacks " << k;
    } else if (std::abs(it->second - v) > 1e-9 * std::max(1.0, std::abs(v))) {
      ADD_FAILURE() << what << ": " << k << " is " << it->second << ", expected " << v;
    }
  }
}

TEST(PostgresScenario, WeeksReplayedFromPostgresGiveTheEpisodesOfSqlite) {
  const std::string path = TwinPipelines("week", kEnd);
  SqliteSource sqlite(path, SourceQueries());
  PostgresSource postgres(cluster->ArgusUri("week"), SourceQueries());
  ASSERT_TRUE(postgres.Validate().ok()) << postgres.Validate().message();
  const BacktestResult a = Replay(sqlite, kEnd - 7 * kDay, kEnd);
  const BacktestResult b = Replay(postgres, kEnd - 7 * kDay, kEnd);
  EXPECT_EQ(a.evaluations, b.evaluations);
  EXPECT_EQ(Describe(b), Describe(a));
  EXPECT_GE(a.episodes.size(), 7u) << Describe(a);  // the planted cases
  fs::remove(path);
}

TEST(PostgresScenario, APipelineThatStopsOnAWednesdayIsCaughtWithinSixHours) {
  const std::string path = TwinPipelines("outage", kEnd, /*plants=*/false);
  PostgresSource postgres(cluster->ArgusUri("outage"), SourceQueries());
  // Healthy weeks stay quiet.
  EXPECT_EQ(Describe(Replay(postgres, kEnd - 14 * kDay, kEnd)), "");
  // Everything stops at 10:00 on Wednesday.
  const std::string at = "'" + FormatTimestamp(kWednesday10) + "'";
  ASSERT_TRUE(cluster
                  ->Exec("outage", "DELETE FROM reviews WHERE reviewed_at > " + at +
                                       "; DELETE FROM costs WHERE incurred_at > " + at +
                                       "; DELETE FROM submissions s WHERE created_at > " + at +
                                       " AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.submission_id = s.id)")
                  .ok());
  PostgresSource after(cluster->ArgusUri("outage"), SourceQueries());
  const BacktestResult r = Replay(after, kWednesday10 - kDay, kEnd);
  const Episode* drop = nullptr;
  for (const Episode& e : r.episodes) {
    if (e.check == "throughput_anomaly" && e.start > kWednesday10 && (!drop || e.start < drop->start)) {
      drop = &e;
    }
  }
  ASSERT_NE(drop, nullptr) << Describe(r);
  EXPECT_LE(drop->start, kWednesday10 + 6 * kHour) << Describe(r);
  fs::remove(path);
}

// The incremental engine reading PostgreSQL agrees with the oracle that
// scans the rows, hour by hour across a weekend and into a week with its
// planted cases, and both agree with SQLite's reading of the same rows.
TEST(PostgresDifferential, IncrementalAgreesWithTheOracleAndWithSqlite) {
  const Millis end = kWednesday10 + 6 * kHour;
  const std::string path = TwinPipelines("diff", end);
  SqliteSource sqlite(path, SourceQueries());
  PostgresSource postgres(cluster->ArgusUri("diff"), SourceQueries());
  const Config config;
  IncrementalEngine engine(config, postgres);
  int evaluations = 0, alerts = 0;
  for (Millis now = end - 5 * kDay; now <= end; now += 3 * kHour + 17 * kMinute) {
    const CycleResult incremental = engine.Run(now);
    const CycleResult oracle = RunChecks(config, postgres, now);
    const CycleResult from_sqlite = RunChecks(config, sqlite, now);
    ASSERT_TRUE(incremental.database_ok()) << incremental.database_error;
    ++evaluations;
    alerts += static_cast<int>(oracle.alerts.size());
    ExpectSame(Fingerprint(incremental), Fingerprint(oracle), "incremental at " + FormatTimestamp(now));
    ExpectSame(Fingerprint(oracle), Fingerprint(from_sqlite), "postgres at " + FormatTimestamp(now));
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GE(evaluations, 30);
  EXPECT_GE(alerts, 7);
  fs::remove(path);
}

TEST(PostgresFailureReport, IsTheReportSqliteGives) {
  const std::string path = TwinPipelines("report", kEnd);
  SqliteSource sqlite(path, SourceQueries());
  PostgresSource postgres(cluster->ArgusUri("report"), SourceQueries());
  const CycleResult r = RunChecks(Config(), sqlite, kEnd);
  std::set<std::string> agents;
  for (const Alert& a : r.alerts) {
    if (a.agent) agents.insert(*a.agent);
  }
  ASSERT_GE(agents.size(), 3u);
  int rejections = 0;
  for (const std::string& agent : agents) {
    for (int hours : {6, 24, 168}) {
      const FailureReportResult a = BuildFailureReport(sqlite, Config(), agent, hours, kEnd);
      const FailureReportResult b = BuildFailureReport(postgres, Config(), agent, hours, kEnd);
      ASSERT_TRUE(b.status.ok()) << b.status.message();
      EXPECT_EQ(b.report.dump(2), a.report.dump(2)) << agent << " " << hours << "h";
      rejections += a.report.value("total_rejections", 0);
    }
  }
  EXPECT_GT(rejections, 0);
  fs::remove(path);
}

// One cycle of an exporter on `source`: its /metrics text.
std::string Cycle(Exporter& exporter, std::string* error = nullptr) {
  auto published = exporter.RunCycle();
  if (error) *error = published->result.database_error;
  return published->metrics_text;
}

bool Up(const std::string& metrics) {
  EXPECT_NE(metrics.find("\nargus_up "), std::string::npos);
  return metrics.find("\nargus_up 1") != std::string::npos;
}

class PostgresBadInput : public ::testing::Test {
 protected:
  std::ostringstream log_text_;
  Logger log_{log_text_, LogLevel::kDebug};
};

TEST_F(PostgresBadInput, AWrongPasswordIsAClearErrorWithoutThePasswordAndRecovers) {
  TwinPipelines("badpw", kEnd);
  ASSERT_TRUE(cluster->Exec("badpw", "CREATE ROLE late LOGIN PASSWORD 'right-one'; "
                                     "GRANT SELECT ON submissions, reviews, costs TO late")
                  .ok());
  const std::string uri = "postgresql://late:Wr0ng-Pa55@127.0.0.1:" +
                          std::to_string(cluster->port()) + "/badpw";
  Exporter exporter(Config(), std::make_unique<PostgresSource>(uri, SourceQueries()), kEnd, log_);
  std::string error;
  EXPECT_FALSE(Up(Cycle(exporter, &error)));
  EXPECT_NE(error.find("password authentication failed"), std::string::npos) << error;
  EXPECT_NE(error.find("late:****@127.0.0.1"), std::string::npos) << error;
  const std::string metrics = Cycle(exporter);
  for (const std::string& seen : {error, metrics, log_text_.str()}) {
    EXPECT_EQ(seen.find("Wr0ng-Pa55"), std::string::npos) << seen;
  }
  // The password is set right: the next cycle reads.
  ASSERT_TRUE(cluster->Exec("badpw", "ALTER ROLE late PASSWORD 'Wr0ng-Pa55'").ok());
  const std::string recovered = Cycle(exporter, &error);
  EXPECT_TRUE(Up(recovered)) << error;
  EXPECT_NE(recovered.find("argus_alerts{"), std::string::npos);
}

TEST_F(PostgresBadInput, AnUnreachableServerIsAClearError) {
  // A port nothing listens on.
  const std::string uri = cluster->ArgusUri("nowhere");
  const std::string closed = "postgresql://argus:" + std::string(PgCluster::kArgusPassword) +
                             "@127.0.0.1:1/pipeline?connect_timeout=2";
  for (const std::string& u : {closed}) {
    Exporter exporter(Config(), std::make_unique<PostgresSource>(u, SourceQueries()), kEnd, log_);
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(Up(Cycle(exporter, &error)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
    EXPECT_NE(error.find("cannot connect"), std::string::npos) << error;
    EXPECT_NE(error.find("refused"), std::string::npos) << error;
    EXPECT_EQ(error.find(PgCluster::kArgusPassword), std::string::npos) << error;
  }
  // A database that does not exist.
  Exporter exporter(Config(), std::make_unique<PostgresSource>(uri, SourceQueries()), kEnd, log_);
  std::string error;
  EXPECT_FALSE(Up(Cycle(exporter, &error)));
  EXPECT_NE(error.find("\"nowhere\" does not exist"), std::string::npos) << error;
}

TEST_F(PostgresBadInput, AMissingTableOrAWrongColumnTypeIsAClearErrorAndRecovers) {
  TwinPipelines("broken", kEnd);
  Exporter exporter(Config(), std::make_unique<PostgresSource>(cluster->ArgusUri("broken"), SourceQueries()),
                    kEnd, log_);
  std::string error;
  ASSERT_TRUE(Up(Cycle(exporter, &error))) << error;

  ASSERT_TRUE(cluster->Exec("broken", "ALTER TABLE reviews RENAME TO reviews_old").ok());
  EXPECT_FALSE(Up(Cycle(exporter, &error)));
  EXPECT_NE(error.find("relation \"reviews\" does not exist"), std::string::npos) << error;
  ASSERT_TRUE(cluster->Exec("broken", "ALTER TABLE reviews_old RENAME TO reviews").ok());
  EXPECT_TRUE(Up(Cycle(exporter, &error))) << error;

  // A time column that is no time at all, found by the first cycle.
  ASSERT_TRUE(cluster
                  ->Exec("broken", "ALTER TABLE costs ALTER COLUMN incurred_at TYPE boolean USING true")
                  .ok());
  Exporter second(Config(), std::make_unique<PostgresSource>(cluster->ArgusUri("broken"), SourceQueries()),
                  kEnd, log_);
  EXPECT_FALSE(Up(Cycle(second, &error)));
  EXPECT_NE(error.find("incurred_at is neither a timestamp"), std::string::npos) << error;
  ASSERT_TRUE(cluster
                  ->Exec("broken", "ALTER TABLE costs ALTER COLUMN incurred_at TYPE timestamptz "
                                   "USING '2026-11-20T00:00:00Z'")
                  .ok());
  EXPECT_TRUE(Up(Cycle(second, &error))) << error;

  // Validate says the same before any cycle.
  ASSERT_TRUE(cluster->Exec("broken", "ALTER TABLE submissions RENAME COLUMN domain TO area").ok());
  PostgresSource fresh(cluster->ArgusUri("broken"), SourceQueries());
  const Status v = fresh.Validate();
  EXPECT_NE(v.message().find("column \"domain\" does not exist"), std::string::npos) << v.message();
  EXPECT_NE(v.message().find("source 'submissions'"), std::string::npos) << v.message();
}

// A database dropped and created again (a restore, say) is another
// generation: its rows are read and counted afresh, as when a SQLite file
// is replaced, and the connections the server closed are replaced too.
TEST_F(PostgresBadInput, ADatabaseCreatedAnewIsReadAfresh) {
  TwinPipelines("again", kEnd);
  Exporter exporter(Config(), std::make_unique<PostgresSource>(cluster->ArgusUri("again"), SourceQueries()),
                    kEnd, log_);
  auto first = exporter.RunCycle();
  ASSERT_TRUE(first->result.database_ok()) << first->result.database_error;
  EXPECT_GE(first->result.alerts.size(), 7u);  // the planted cases
  ASSERT_TRUE(cluster->Exec("postgres", "DROP DATABASE again WITH (FORCE)").ok());
  TwinPipelines("again", kEnd, /*plants=*/false);
  auto second = exporter.RunCycle();
  ASSERT_TRUE(second->result.database_ok()) << second->result.database_error;
  EXPECT_EQ(second->result.alerts.size(), 0u);
  EXPECT_NE(second->metrics_text.find("\nargus_database_reloads_total 1"), std::string::npos);
  EXPECT_NE(log_text_.str().find("database replaced"), std::string::npos) << log_text_.str();
}

TEST(PostgresCli, AMalformedUriIsRefusedWithTheKeyAndNoPassword) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"check", "--db", "postgresql://argus:hunter%zz2@127.0.0.1/pipeline"}, out, err), 3);
  EXPECT_NE(err.str().find("database:"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("not a PostgreSQL connection URI"), std::string::npos) << err.str();
  EXPECT_EQ(err.str().find("hunter"), std::string::npos) << err.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(RunCli({"check", "--db", "postgresql://argus@127.0.0.1/pipeline?password=hunter2&nosuch=1"},
                   out2, err2),
            3);
  EXPECT_NE(err2.str().find("nosuch"), std::string::npos) << err2.str();
  EXPECT_EQ(err2.str().find("hunter2"), std::string::npos) << err2.str();
}

TEST(PostgresCli, CheckAndReportReadPostgres) {
  TwinPipelines("cli", kEnd);
  const std::string now = FormatTimestamp(kEnd);
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"check", "--db", cluster->ArgusUri("cli"), "--now", now, "--format", "text"}, out, err),
            2)
      << err.str();
  EXPECT_NE(out.str().find("critical"), std::string::npos) << out.str();
  std::ostringstream bad_out, bad_err;
  const std::string wrong = "postgresql://argus:not-it@127.0.0.1:" + std::to_string(cluster->port()) + "/cli";
  EXPECT_EQ(RunCli({"check", "--db", wrong, "--now", now}, bad_out, bad_err), 3);
  EXPECT_NE(bad_err.str().find("password authentication failed"), std::string::npos) << bad_err.str();
  EXPECT_EQ(bad_err.str().find("not-it"), std::string::npos) << bad_err.str();
  EXPECT_EQ(bad_out.str().find("not-it"), std::string::npos) << bad_out.str();
}

// The role docs/postgresql-role.sql makes can only read, and what Argus
// sent the server (pg_stat_statements, the server's own record of every
// statement) was reads in read-only transactions; the tables' statistics
// show no row written while it ran.
TEST(PostgresReadOnly, ArgusWritesNothing) {
  const std::string path = TwinPipelines("ro", kEnd);
  ASSERT_TRUE(cluster->Exec("ro", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements").ok());
  EXPECT_EQ(cluster->Query("ro", "SELECT has_table_privilege('argus', 'reviews', 'SELECT')"), "t");
  for (const char* privilege : {"INSERT", "UPDATE", "DELETE", "TRUNCATE"}) {
    for (const char* table : {"submissions", "reviews", "costs"}) {
      EXPECT_EQ(cluster->Query("ro", std::string("SELECT has_table_privilege('argus', '") + table +
                                         "', '" + privilege + "')"),
                "f")
          << privilege << " " << table;
    }
  }
  {
    PGconn* c = PQconnectdb(cluster->ArgusUri("ro").c_str());
    PGresult* r = PQexec(c, "DELETE FROM reviews");
    EXPECT_NE(PQresultStatus(r), PGRES_COMMAND_OK);
    EXPECT_NE(std::string(PQresultErrorMessage(r)).find("read-only transaction"), std::string::npos)
        << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
  }
  const std::string writes =
      "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del + n_tup_hot_upd)::text || '/' || "
      "(SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
      "WHERE datname = current_database())::text FROM pg_stat_user_tables";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the copy's statistics flushed
  ASSERT_TRUE(cluster->Exec("ro", "SELECT pg_stat_statements_reset()").ok());
  const std::string before = cluster->Query("ro", writes);
  {
    PostgresSource source(cluster->ArgusUri("ro"), SourceQueries());
    source.SetNames(std::make_shared<NameMap>(NameRules()));
    ASSERT_TRUE(source.Validate().ok());
    IncrementalEngine engine(Config(), source);
    for (Millis now = kEnd - kDay; now <= kEnd; now += 6 * kHour) {
      ASSERT_TRUE(engine.Run(now).database_ok());
    }
    ASSERT_TRUE(BuildFailureReport(source, Config(), "dax", 24, kEnd).status.ok());
    Replay(source, kEnd - 2 * kDay, kEnd);
    source.Generation();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // Argus's backends gone, flushed
  EXPECT_EQ(cluster->Query("ro", writes), before);
  // Every statement Argus's role ran.
  PGconn* c = PQconnectdb(cluster->AdminUri("ro").c_str());
  PGresult* r = PQexec(c,
                       "SELECT s.query, s.calls, s.rows FROM pg_stat_statements s "
                       "JOIN pg_roles u ON u.oid = s.userid WHERE u.rolname = 'argus'");
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK);
  int reads = 0;
  for (int i = 0; i < PQntuples(r); ++i) {
    const std::string query = PQgetvalue(r, i, 0);
    const bool allowed = query.rfind("SELECT ", 0) == 0 || query == "BEGIN READ ONLY" ||
                         query == "COMMIT" || query == "ROLLBACK";
    EXPECT_TRUE(allowed) << query;
    if (query.rfind("SELECT ", 0) == 0) reads += std::stoi(PQgetvalue(r, i, 1));
  }
  EXPECT_GT(reads, 50);
  PQclear(r);
  PQfinish(c);
  fs::remove(path);
}

// Passwords spelt every way an operator might: none shows in what Argus
// prints of the URI, nor in libpq's complaint about it.
TEST(PostgresUri, NoSpellingOfThePasswordShows) {
  const std::pair<std::string, std::string> cases[] = {
      {"postgresql://argus:s3cr3t@127.0.0.1:1/pipeline", "s3cr3t"},
      {"postgresql://argus:s3cr?t@127.0.0.1:1/pipeline", "s3cr?t"},
      {"postgresql://argus:s3cr#t@127.0.0.1:1/pipeline", "s3cr#t"},
      {"postgresql://argus:s3/cr3t@127.0.0.1:1/pipeline", "s3/cr3t"},
      {"postgresql://argus:p@ss@127.0.0.1:1/pipeline", "p@ss"},
      {"postgresql://argus:hunter%zz2@127.0.0.1:1/pipeline", "hunter"},
      {"postgresql://argus@127.0.0.1:1/pipeline?password=s3cr3t&sslmode=require", "s3cr3t"},
      {"postgresql://argus@127.0.0.1:1/pipeline?PASSWORD=s3cr3t", "s3cr3t"},
      {"postgresql://argus@127.0.0.1:1/pipeline?sslpassword=s3cr3t", "s3cr3t"},
      {"POSTGRESQL://argus:s3cr3t@127.0.0.1:1/pipeline", "s3cr3t"},
      {"host=127.0.0.1 port=1 dbname=pipeline user=argus password=s3cr3t", "s3cr3t"},
      {"host=127.0.0.1 port=1 password='s3 cr3t' user=argus", "s3 cr3t"},
  };
  for (const auto& [uri, secret] : cases) {
    const std::string shown = RedactUri(uri);
    EXPECT_EQ(shown.find(secret), std::string::npos) << uri << " -> " << shown;
    EXPECT_NE(shown.find("****"), std::string::npos) << uri << " -> " << shown;
    std::ostringstream out, err;
    RunCli({"check", "--db", uri, "--now", "2026-11-25T20:00:00Z"}, out, err);
    EXPECT_EQ(err.str().find(secret), std::string::npos) << uri << " -> " << err.str();
    EXPECT_EQ(out.str().find(secret), std::string::npos) << uri << " -> " << out.str();
  }
  EXPECT_EQ(RedactUri("postgresql://argus@db/pipeline?sslmode=require"),
            "postgresql://argus@db/pipeline?sslmode=require");
  EXPECT_EQ(RedactUri("/var/lib/pipeline.db"), "/var/lib/pipeline.db");
  EXPECT_TRUE(IsPostgresUri("POSTGRESQL://x@y/z"));
}

// PostgreSQL hands out identity values at insert, not at commit: a row of
// a transaction still open when a later one commits is read once it
// commits, never stepped over.
TEST(PostgresConcurrentWriters, ARowCommittedAfterALaterOneIsNotLost) {
  ASSERT_TRUE(cluster->CreatePipeline("gap").ok());
  const std::string now_sql = NowSql();
  ASSERT_TRUE(cluster
                  ->Exec("gap", "INSERT INTO submissions (created_at, agent, domain, item) VALUES (" + now_sql +
                                    ", 'ada', 'health', 'i1');"
                                    "INSERT INTO reviews (submission_id, reviewed_at, verdict) VALUES (1, " +
                                    now_sql + ", 'approved')")
                  .ok());
  std::ostringstream log_text;
  Logger log(log_text, LogLevel::kError);
  Exporter exporter(Config(), std::make_unique<PostgresSource>(cluster->ArgusUri("gap"), SourceQueries()),
                    std::nullopt, log);
  auto reviews = [&] {
    const std::string m = exporter.RunCycle()->metrics_text;
    const std::string key = "argus_reviews_total{agent=\"ada\",verdict=\"approved\"} ";
    const size_t at = m.find(key);
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + key.size()));
  };
  EXPECT_EQ(reviews(), 1);
  // A writer takes id 2 and has not committed; another takes id 3 and has.
  PGconn* slow = PQconnectdb(cluster->AdminUri("gap").c_str());
  ASSERT_EQ(PQstatus(slow), CONNECTION_OK);
  auto exec = [](PGconn* c, const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQresultErrorMessage(r);
    PQclear(r);
  };
  exec(slow, "BEGIN");
  exec(slow, "INSERT INTO reviews (submission_id, reviewed_at, verdict) VALUES (1, " + now_sql + ", 'approved')");
  ASSERT_TRUE(cluster->Exec("gap", "INSERT INTO reviews (submission_id, reviewed_at, verdict) VALUES (1, " +
                                       now_sql + ", 'approved')")
                  .ok());
  ASSERT_EQ(cluster->Query("gap", "SELECT string_agg(id::text, ',' ORDER BY id) FROM reviews"), "1,3");
  const int while_open = reviews();
  exec(slow, "COMMIT");
  PQfinish(slow);
  // Every row counted once it is committed.
  EXPECT_EQ(reviews(), 3) << "while the writer was open: " << while_open;
  EXPECT_EQ(while_open, 1);  // the later row waits for the gap before it
}

// Only a reader that keeps a cursor waits at a gap: a whole read (a custom
// source without `incremental`, a report) takes every row, gaps or not.
TEST(PostgresConcurrentWriters, OnlyAReaderWithACursorWaitsAtAGap) {
  ASSERT_TRUE(cluster->CreatePipeline("gaps").ok());
  const std::string now_sql = NowSql();
  std::string sql = "INSERT INTO submissions (id, created_at, agent, domain, item) VALUES (1, " + now_sql +
                    ", 'ada', 'health', 'i1');";
  for (int id : {1, 5, 9}) {
    sql += "INSERT INTO reviews (id, submission_id, reviewed_at, verdict) VALUES (" + std::to_string(id) +
           ", 1, " + now_sql + ", 'approved');";
  }
  ASSERT_TRUE(cluster->Exec("gaps", sql).ok());
  PostgresSource source(cluster->ArgusUri("gaps"), SourceQueries());
  auto read = [&](bool cursor, int64_t after) {
    ReadRequest request;
    request.cursor = cursor;
    request.after_id = after;
    std::vector<int64_t> ids;
    ReadStats stats;
    EXPECT_TRUE(source.ReadReviews(request, [&](const ReviewRow& r) { ids.push_back(r.id); }, &stats).ok());
    return ids;
  };
  EXPECT_EQ(read(false, -1), (std::vector<int64_t>{1, 5, 9}));
  EXPECT_EQ(read(false, 1), (std::vector<int64_t>{5, 9}));
  EXPECT_EQ(read(true, 1), (std::vector<int64_t>{}));  // 2..4 may be on their way
  EXPECT_EQ(read(true, 5), (std::vector<int64_t>{}));
}

// Argus's own sessions are read-only, whatever the role allows: with a
// role that may write, a source query that would write still fails.
TEST(PostgresReadOnly, ArgusSessionsAreReadOnlyEvenForARoleThatMayWrite) {
  TwinPipelines("rw", kEnd);
  ASSERT_TRUE(cluster
                  ->Exec("rw", "CREATE ROLE writer LOGIN PASSWORD 'w'; "
                               "GRANT ALL ON submissions, reviews, costs TO writer; "
                               "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO writer")
                  .ok());
  SourceQueries queries;
  queries.costs =
      "SELECT id, incurred_at, agent, model, usd FROM costs, "
      "LATERAL (SELECT nextval(pg_get_serial_sequence('costs', 'id'))) AS writes";
  const std::string sequence = "SELECT last_value::text || is_called::text FROM costs_id_seq";
  const std::string before = cluster->Query("rw", sequence);
  PostgresSource source("postgresql://writer:w@127.0.0.1:" + std::to_string(cluster->port()) + "/rw", queries);
  const CycleResult r = RunChecks(Config(), source, kEnd);
  EXPECT_FALSE(r.database_ok());
  EXPECT_NE(r.database_error.find("read-only transaction"), std::string::npos) << r.database_error;
  EXPECT_EQ(cluster->Query("rw", sequence), before);
}

}  // namespace
}  // namespace argus
