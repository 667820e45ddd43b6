// argus_exporter as an operator runs it: exit statuses, one-line errors,
// --help, and read-only use of the database (also as an unprivileged user).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::path(::testing::TempDir()) / ("argus_cli_" + std::to_string(getpid())));
    fs::create_directories(*dir_);
    fs::permissions(*dir_, fs::perms::all);  // the unprivileged run writes its output here
    db_ = new std::string((*dir_ / "ro" / "pipeline.db").string());
    fs::create_directories(*dir_ / "ro");
    Outcome r = Exec("demo --db " + *db_ + " --now " + kNow);
    ASSERT_EQ(r.status, 0) << r.err;
    fs::permissions(*db_, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::permissions(*dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec |
                                      fs::perms::group_read | fs::perms::group_exec |
                                      fs::perms::others_read | fs::perms::others_exec);
  }
  static void TearDownTestSuite() {
    fs::permissions(*dir_ / "ro", fs::perms::owner_all);
    fs::remove_all(*dir_);
    delete dir_;
    delete db_;
  }

  // Runs argus_exporter with `args` (a shell word list), optionally through
  // `prefix` (e.g. to drop privileges).
  static Outcome Exec(const std::string& args, const std::string& prefix = "") {
    const std::string out = (*dir_ / "stdout").string(), err = (*dir_ / "stderr").string();
    const std::string cmd = prefix + " " + ARGUS_EXPORTER_BIN + " " + args + " >" + out + " 2>" + err;
    int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(out), Slurp(err)};
  }

  static constexpr const char* kNow = "2026-11-28T10:00:00Z";
  static fs::path* dir_;
  static std::string* db_;
};

fs::path* CliTest::dir_ = nullptr;
std::string* CliTest::db_ = nullptr;

TEST_F(CliTest, CheckPrintsTheCheckBodyAndExitsCritical) {
  Outcome r = Exec("check --db " + *db_ + " --now " + kNow);
  EXPECT_EQ(r.status, 2) << r.err;
  nlohmann::json body = nlohmann::json::parse(r.out);
  EXPECT_EQ(body["checked_at"], kNow);
  EXPECT_EQ(body["alert_count"], 7);
  EXPECT_EQ(body["critical"], 4);
  EXPECT_EQ(body["warning"], 3);
  EXPECT_EQ(body["info"], 0);
  EXPECT_EQ(body["alerts"].size(), 7u);
  ASSERT_TRUE(body["failure_reports"].contains("dax"));
  EXPECT_EQ(body["failure_reports"]["dax"]["stuck_items"][0]["item"], "claim-42");
  EXPECT_FALSE(body.contains("errors"));
}

TEST_F(CliTest, CheckTextFollowsThePluginConvention) {
  Outcome r = Exec("check --format text --db " + *db_ + " --now " + kNow);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out.rfind("ARGUS CRITICAL - 7 alerts (4 critical, 3 warning, 0 info)", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("critical\tstuck_loop:dax\tdax: item claim-42 rejected 5 times"), std::string::npos);
}

TEST_F(CliTest, ExitStatusFollowsTheWorstSeverity) {
  // Ten days later every agent is long gone: nothing is active in 7 days.
  EXPECT_EQ(Exec("check --db " + *db_ + " --now 2026-12-28T10:00:00Z").status, 0);
  // Only the dormant agent's warning is left with the other checks disabled.
  const std::string config = (*dir_ / "only-dormant.yml").string();
  std::ofstream(config) << "checks:\n  quality_regression: {enabled: false}\n"
                           "  throughput_anomaly: {enabled: false}\n  rejection_spike: {enabled: false}\n"
                           "  stuck_loop: {enabled: false}\n  cost_spike: {enabled: false}\n"
                           "  domain_rejection_pattern: {enabled: false}\n";
  Outcome r = Exec("check --config " + config + " --db " + *db_ + " --now " + kNow);
  EXPECT_EQ(r.status, 1) << r.out << r.err;
}

TEST_F(CliTest, CouldNotRunIsStatusThree) {
  Outcome r = Exec("check --db " + (*dir_ / "missing.db").string());
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  nlohmann::json body = nlohmann::json::parse(r.out);
  EXPECT_EQ(body["errors"].size(), 7u);
  EXPECT_FALSE(fs::exists(*dir_ / "missing.db"));
}

TEST_F(CliTest, BadFlagsGiveOneLineAndStatusThree) {
  for (const std::string args :
       {"check --bogus", "check --db", "check --db x --now yesterday", "check --format xml --db x",
        "report", "report rio --hours 0 --db x", "report rio --hours 721 --db x",
        "report rio --hours abc --db x", "demo", "demo --db x --agents 2", "frobnicate",
        "check --db x --config /nonexistent.yml"}) {
    Outcome r = Exec(args);
    EXPECT_EQ(r.status, 3) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("argus_exporter: ", 0), 0u) << args << ": " << r.err;
  }
}

TEST_F(CliTest, HelpDocumentsEverySubcommand) {
  Outcome r = Exec("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* word : {"check", "report", "demo"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
  r = Exec("check --help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--db", "--config", "--now", "--format"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
  r = Exec("report --help");
  EXPECT_NE(r.out.find("--hours"), std::string::npos);
  r = Exec("demo --help");
  EXPECT_NE(r.out.find("--no-plants"), std::string::npos);
}

TEST_F(CliTest, ReportPrintsTheFailureReport) {
  Outcome r = Exec("report dax --hours 6 --db " + *db_ + " --now " + kNow);
  EXPECT_EQ(r.status, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["agent"], "dax");
  EXPECT_EQ(j["period_hours"], 6);
  EXPECT_EQ(j["stuck_items"][0]["attempts"], 5);
  r = Exec("report 'nobody \"at\" all' --db " + *db_ + " --now " + kNow);
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "no_rejections");
  EXPECT_EQ(nlohmann::json::parse(r.out)["agent"], "nobody \"at\" all");
}

TEST_F(CliTest, AnUnprivilegedUserCanCheckAReadOnlyDatabase) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  const std::string before = Slurp(*db_);
  Outcome r = Exec("check --db " + *db_ + " --now " + kNow,
               "setpriv --reuid=nobody --regid=nogroup --clear-groups");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["alert_count"], 7);
  r = Exec("report dax --db " + *db_ + " --now " + kNow,
           "setpriv --reuid=nobody --regid=nogroup --clear-groups");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Slurp(*db_), before);
  EXPECT_FALSE(fs::exists(*db_ + "-journal"));
}

}  // namespace
