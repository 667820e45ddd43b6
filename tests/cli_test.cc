// argus_exporter as an operator runs it: exit statuses, one-line errors,
// --help, and read-only use of the database (also as an unprivileged user).
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <algorithm>
#include <functional>
#include <memory>

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
  for (const std::string& args :
       std::vector<std::string>{"check --bogus", "check --db", "check --db x --now yesterday", "check --format xml --db x",
        "report", "report rio --hours 0 --db x", "report rio --hours 721 --db x",
        "report rio --hours abc --db x", "demo", "demo --db x --agents 2", "frobnicate",
        "check --db x --config /nonexistent.yml", "rules --web.external-url /argus",
        "serve --db " + *db_ + " --web.external-url ftp://x/",
        "serve --db " + *db_ + " --web.route-prefix argus"}) {
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

// `argus_exporter --db X` serves, so the top-level help shows serve's flags.
TEST_F(CliTest, TopLevelHelpShowsTheFlagsABareCallTakes) {
  Outcome r = Exec("--help");
  EXPECT_EQ(r.status, 0);
  for (const char* flag : {"--web.listen-address", "--interval", "--web.config.file", "--version"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(Exec("").status, 3) << "a bare call serves, and without a database it refuses";
}

TEST_F(CliTest, VersionPrintsTheReleaseAndRevision) {
  Outcome r = Exec("--version");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("argus_exporter 0.1.0 (revision ", 0), 0u) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
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

#include <signal.h>

#include <chrono>
#include <regex>
#include <thread>

#include "child_process.h"
#include "http_client.h"

namespace {

// `argus_exporter serve` as a child process, its log in a file; the port it
// picked is read from the log.
class ServeProcess {
 public:
  explicit ServeProcess(const std::string& log) : log_(log) {}

  // Starts it with `args` and waits until it listens; the port, or 0.
  int Start(const std::vector<std::string>& args) {
    std::vector<std::string> all = {ARGUS_EXPORTER_BIN};
    all.insert(all.end(), args.begin(), args.end());
    process_ = std::make_unique<argus::testing::ChildProcess>(all, log_);
    int port = 0;
    for (int i = 0; i < 100 && port == 0 && process_->running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::smatch m;
      const std::string text = log();
      if (std::regex_search(text, m, std::regex("msg=listening .*port=([0-9]+)"))) port = std::stoi(m[1]);
    }
    return port;
  }
  int Stop(int signal = SIGTERM) { return process_ ? process_->Stop(signal) : -1; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  std::string log() const { return Slurp(log_); }

 private:
  std::string log_;
  std::unique_ptr<argus::testing::ChildProcess> process_;
};

// Polls `get` until `done` says yes, for up to 10 s.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(CliTest, ServeRunsUntilSigtermAndStopsCleanly) {
  ServeProcess serve((*dir_ / "serve.log").string());
  const int port = serve.Start({"--db", *db_, "--web.listen-address", "127.0.0.1:0", "--now", kNow,
                                "--interval", "1s"});
  ASSERT_NE(port, 0) << serve.log();
  EXPECT_TRUE(Eventually([&] { return argus::testing::Get(port, "/-/ready").status == 200; }));
  EXPECT_EQ(argus::testing::Get(port, "/api/alerts?severity=critical").status, 200);

  const int wait_status = serve.Stop(SIGTERM);
  ASSERT_NE(wait_status, -1) << "did not stop within 10s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0);
  const std::string text = serve.log();
  EXPECT_NE(text.find("level=info msg=\"shutting down\" signal=SIGTERM"), std::string::npos) << text;
  EXPECT_EQ(text.find("level=error"), std::string::npos) << text;
}

int AlertCount(int port) {
  auto body = nlohmann::json::parse(argus::testing::Get(port, "/api/alerts").body, nullptr, false);
  return body.is_object() && body.contains("alerts") ? static_cast<int>(body["alerts"].size()) : -1;
}

TEST_F(CliTest, SighupAndPostReloadTheConfigAndABadOneChangesNothing) {
  const std::string config = (*dir_ / "reload.yml").string();
  auto write = [&](const std::string& text) { std::ofstream(config, std::ios::trunc) << text; };
  write("database: " + *db_ + "\n");
  ServeProcess serve((*dir_ / "reload.log").string());
  const int port = serve.Start({"--config", config, "--web.listen-address", "127.0.0.1:0", "--now",
                                kNow, "--interval", "1h", "--web.enable-lifecycle"});
  ASSERT_NE(port, 0) << serve.log();
  ASSERT_TRUE(Eventually([&] { return AlertCount(port) == 7; })) << AlertCount(port);

  // SIGHUP: the stuck-loop check is switched off.
  write("database: " + *db_ + "\nchecks:\n  stuck_loop:\n    enabled: false\n");
  ASSERT_EQ(kill(serve.pid(), SIGHUP), 0);
  EXPECT_TRUE(Eventually([&] { return AlertCount(port) == 6; })) << serve.log();

  // A malformed file, by HTTP and by signal: refused, logged, counted, and
  // the running configuration stays.
  write("database: " + *db_ + "\nchecks: [\n");
  argus::testing::HttpReply r = argus::testing::Get(port, "/-/reload", "POST");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("malformed YAML at line 3"), std::string::npos) << r.body;
  ASSERT_EQ(kill(serve.pid(), SIGHUP), 0);
  EXPECT_TRUE(Eventually([&] {
    const std::string metrics = argus::testing::Get(port, "/metrics").body;
    return metrics.find("argus_config_last_reload_successful 0") != std::string::npos &&
           metrics.find("argus_config_reloads_total{result=\"failure\"} 2") != std::string::npos;
  })) << argus::testing::Get(port, "/metrics").body;
  EXPECT_EQ(AlertCount(port), 6);
  EXPECT_NE(serve.log().find("configuration reload refused"), std::string::npos);

  // Mended: the next reload is taken.
  write("database: " + *db_ + "\n");
  r = argus::testing::Get(port, "/-/reload", "POST");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(AlertCount(port), 7);
  EXPECT_NE(argus::testing::Get(port, "/metrics").body.find("argus_config_last_reload_successful 1"),
            std::string::npos);
  EXPECT_EQ(serve.Stop(SIGTERM) >= 0, true);
}

// `serve` with pipelines: --interval reaches every pipeline, a reload
// applies each pipeline's own settings (logging with its name), and
// switching between database: and pipelines: is refused until a restart.
TEST_F(CliTest, ServeWatchesSeveralPipelinesAndReloadsEach) {
  const std::string config = (*dir_ / "pipelines.yml").string();
  auto write = [&](const std::string& text) { std::ofstream(config, std::ios::trunc) << text; };
  const std::string missing = (*dir_ / "missing.db").string();
  write("pipelines:\n  - {name: a, database: " + *db_ + "}\n  - {name: b, database: " + *db_ + "}\n");
  ServeProcess serve((*dir_ / "pipelines.log").string());
  const int port = serve.Start({"--config", config, "--web.listen-address", "127.0.0.1:0", "--now", kNow,
                                "--interval", "1s", "--web.enable-lifecycle"});
  ASSERT_NE(port, 0) << serve.log();
  auto cycles = [&](const std::string& pipeline) {
    const std::string m = argus::testing::Get(port, "/metrics").body;
    const std::string key = "argus_cycles_total{pipeline=\"" + pipeline + "\"} ";
    const size_t at = m.find(key);
    return at == std::string::npos ? 0 : std::stoi(m.substr(at + key.size()));
  };
  // Every second, not every minute.
  EXPECT_TRUE(Eventually([&] { return cycles("a") >= 3 && cycles("b") >= 3; })) << serve.log();
  auto alerts = [&](const std::string& pipeline) {
    auto body = nlohmann::json::parse(argus::testing::Get(port, "/api/alerts?pipeline=" + pipeline).body,
                                      nullptr, false);
    return body.is_object() ? static_cast<int>(body["alerts"].size()) : -1;
  };
  EXPECT_EQ(alerts("a"), 7);
  // b's own settings, and then a database it cannot read.
  write("pipelines:\n  - {name: a, database: " + *db_ + "}\n  - {name: b, database: " + *db_ +
        ", checks: {stuck_loop: {enabled: false}}}\n");
  EXPECT_EQ(argus::testing::Get(port, "/-/reload", "POST").status, 200);
  EXPECT_TRUE(Eventually([&] { return alerts("b") == 6; }));
  EXPECT_EQ(alerts("a"), 7);
  write("pipelines:\n  - {name: a, database: " + *db_ + "}\n  - {name: b, database: " + missing + "}\n");
  EXPECT_EQ(argus::testing::Get(port, "/-/reload", "POST").status, 200);
  EXPECT_TRUE(Eventually([&] {
    return argus::testing::Get(port, "/metrics").body.find("argus_up{pipeline=\"b\"} 0") != std::string::npos;
  }));
  EXPECT_EQ(alerts("a"), 7);
  const std::string log = serve.log();
  EXPECT_NE(log.find("msg=\"database not readable yet; serving anyway and retrying every cycle\" pipeline=b"),
            std::string::npos)
      << log;
  // From pipelines: to database: takes a restart.
  write("database: " + *db_ + "\n");
  const argus::testing::HttpReply r = argus::testing::Get(port, "/-/reload", "POST");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("takes a restart"), std::string::npos) << r.body;
  EXPECT_EQ(alerts("a"), 7);
  EXPECT_EQ(serve.Stop(SIGTERM) >= 0, true);
}

TEST_F(CliTest, ServeRefusesABadWebConfig) {
  const std::string web = (*dir_ / "web.yml").string();
  std::ofstream(web) << "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n";
  Outcome r = Exec("serve --db " + *db_ + " --web.config.file " + web);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("docs/deployment.md"), std::string::npos) << r.err;
  std::ofstream(web, std::ios::trunc) << "basic_auth_users:\n  alice: plaintext\n";
  r = Exec("serve --db " + *db_ + " --web.config.file " + web);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("not a bcrypt hash"), std::string::npos) << r.err;
  r = Exec("serve --db " + *db_ + " --web.config.file /nonexistent/web.yml");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("/nonexistent/web.yml"), std::string::npos) << r.err;
}

TEST_F(CliTest, ServeRefusesBadFlagsAndAnAddressItCannotUse) {
  Outcome r = Exec("serve --db " + *db_ + " --web.listen-address 256.0.0.1:80 --interval 1h");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("cannot listen on 256.0.0.1:80"), std::string::npos) << r.err;
  // A port another process holds.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string held = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  r = Exec("serve --db " + *db_ + " --web.listen-address " + held);
  close(fd);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("cannot listen on " + held), std::string::npos) << r.err;
  r = Exec("--db " + *db_ + " --interval 0s");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--interval"), std::string::npos) << r.err;
  r = Exec("--db " + *db_ + " --log.level loud");
  EXPECT_EQ(r.status, 3);
}

}  // namespace

namespace {

TEST_F(CliTest, ShippedRulesAreTheOutputForTheDefaultConfig) {
  Outcome r = Exec("rules");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, Slurp(std::string(ARGUS_SOURCE_DIR) + "/rules/argus-alerts.yml"))
      << "rules/argus-alerts.yml is stale: regenerate it with `argus_exporter rules > rules/argus-alerts.yml`";
}

TEST_F(CliTest, RulesFollowTheConfig) {
  const std::string config = (*dir_ / "rules.yml").string();
  std::ofstream(config) << "prometheus_job: pipeline-argus\n"
                           "runbook_base_url: https://wiki.example/argus/runbooks.md\n"
                           "checks:\n  stuck_loop:\n    item_rejections: 4\n  cost_spike:\n    enabled: false\n";
  Outcome r = Exec("rules --config " + config);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("argus_agent_stuck_item_rejections{job=\"pipeline-argus\"} >= 4 - 1e-09"), std::string::npos);
  EXPECT_EQ(r.out.find("ArgusCostSpike"), std::string::npos);
  EXPECT_NE(r.out.find("up{job=\"pipeline-argus\"} == 0"), std::string::npos);
  EXPECT_NE(r.out.find("runbook_url: https://wiki.example/argus/runbooks.md#argusstuckloop"), std::string::npos);
}

TEST_F(CliTest, EveryRuleHasARunbookSection) {
  const std::string runbooks = Slurp(std::string(ARGUS_SOURCE_DIR) + "/docs/runbooks.md");
  std::istringstream rules(Exec("rules").out);
  std::string line;
  int alerts = 0;
  while (std::getline(rules, line)) {
    const size_t at = line.find("- alert: ");
    if (at == std::string::npos) continue;
    ++alerts;
    const std::string name = line.substr(at + 9);
    EXPECT_NE(runbooks.find("\n## " + name + "\n"), std::string::npos) << name << " has no section in docs/runbooks.md";
  }
  EXPECT_EQ(alerts, 22);  // 16 for the detections, 6 for the exporter itself
}

}  // namespace

namespace {

// A source query that writes is refused at start and on reload alike, not
// only by the first cycle.
TEST_F(CliTest, ServeRefusesASourceQueryThatWritesAtStartAndOnReload) {
  const std::string config = (*dir_ / "writes.yml").string();
  auto write = [&](const std::string& text) { std::ofstream(config, std::ios::trunc) << text; };
  write("database: " + *db_ + "\nsources:\n  costs: DELETE FROM costs RETURNING id, incurred_at, "
        "agent, model, usd\n");
  Outcome r = Exec("serve --config " + config + " --web.listen-address 127.0.0.1:0");
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("sources.costs: the query would write to the database"), std::string::npos)
      << r.err;

  write("database: " + *db_ + "\n");
  ServeProcess serve((*dir_ / "writes.log").string());
  const int port = serve.Start({"--config", config, "--web.listen-address", "127.0.0.1:0", "--now",
                                kNow, "--interval", "1h", "--web.enable-lifecycle"});
  ASSERT_NE(port, 0) << serve.log();
  write("database: " + *db_ + "\nsources:\n  reviews: SELECT 1; DELETE FROM reviews\n");
  argus::testing::HttpReply reply = argus::testing::Get(port, "/-/reload", "POST");
  EXPECT_EQ(reply.status, 500) << reply.body;
  EXPECT_NE(reply.body.find("sources.reviews: holds more than one statement"), std::string::npos)
      << reply.body;
  write("database: " + *db_ + "\nsources:\n  submissions: UPDATE submissions SET agent = 'x' "
        "RETURNING id, created_at, agent, domain, item\n");
  reply = argus::testing::Get(port, "/-/reload", "POST");
  EXPECT_EQ(reply.status, 500) << reply.body;
  EXPECT_NE(reply.body.find("would write"), std::string::npos) << reply.body;
  EXPECT_EQ(serve.Stop(), 0);
}

// A query that never ends is interrupted after query_timeout: /check
// answers 503 saying so, and SIGTERM is not held up by it.
TEST_F(CliTest, AnEndlessQueryIsInterruptedAndNeverHoldsUpShutdown) {
  const std::string config = (*dir_ / "endless.yml").string();
  std::ofstream(config, std::ios::trunc)
      << "database: " << *db_ << "\nquery_timeout: 1s\nsources:\n  costs: >\n"
      << "    WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)\n"
      << "    SELECT id, incurred_at, agent, model, usd FROM costs\n"
      << "    WHERE (SELECT count(*) FROM n) > 0\n";
  ServeProcess serve((*dir_ / "endless.log").string());
  const int port = serve.Start({"--config", config, "--web.listen-address", "127.0.0.1:0", "--now",
                                kNow, "--interval", "1s"});
  ASSERT_NE(port, 0) << serve.log();
  const auto start = std::chrono::steady_clock::now();
  argus::testing::HttpReply reply = argus::testing::Get(port, "/check");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_NE(reply.body.find("read interrupted after 1s (query_timeout)"), std::string::npos)
      << reply.body;
  EXPECT_LT(took, std::chrono::seconds(5));
  // The other checks still ran.
  EXPECT_NE(reply.body.find("stuck_loop"), std::string::npos);

  // Stop while a cycle is inside the endless query.
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  const auto stop_start = std::chrono::steady_clock::now();
  const int status = serve.Stop(SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, std::chrono::seconds(4));
  ASSERT_TRUE(WIFEXITED(status)) << serve.log();
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace

namespace {

TEST_F(CliTest, BacktestReplaysTheDemoIntoEpisodes) {
  Outcome r = Exec("backtest --db " + *db_ +
                   " --from 2026-11-27T10:00:00Z --to 2026-11-28T10:00:00Z --format json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto body = nlohmann::json::parse(r.out);
  EXPECT_EQ(body["from"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(body["step_seconds"], 3600);
  EXPECT_EQ(body["evaluations"], 25);
  // The seven planted cases, each one episode ending at the last instant.
  EXPECT_EQ(body["by_check"].size(), 7u);
  for (const auto& [check, totals] : body["by_check"].items()) {
    EXPECT_EQ(totals["episodes"], 1) << check;
  }
  for (const auto& e : body["episodes"]) {
    EXPECT_EQ(e["end"], "2026-11-28T10:00:00Z") << e;
    EXPECT_GE(e["evaluations"].get<int>(), 1);
  }
  r = Exec("backtest --db " + *db_ + " --from 2026-11-28T10:00:00Z --to 2026-11-27T10:00:00Z");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--to is before --from"), std::string::npos) << r.err;
  r = Exec("backtest --db " + *db_ + " --from 2026-11-27T10:00:00Z --to 2026-11-28T10:00:00Z --step 1s");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--step"), std::string::npos) << r.err;
  r = Exec("backtest --db " + *db_ + " --from yesterday --to 2026-11-28T10:00:00Z");
  EXPECT_EQ(r.status, 3);
}

}  // namespace
