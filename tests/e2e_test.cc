// End to end: the exporter on a fresh demo pipeline, a real Prometheus
// loading the shipped rules, a real Alertmanager with the shipped routing
// sending to a webhook inside this test. The set of alerts Prometheus fires
// must be the exporter's own, the webhook must receive them, and every
// Grafana panel's query must return data.
#include <CivetServer.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "exporter/base/timestamp.h"
#include "exporter/cli/demo.h"
#include "child_process.h"
#include "http_client.h"


namespace argus::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

using Process = ChildProcess;

// Alertmanager's webhook receiver: records each notification by path.
class Webhook : public CivetHandler {
 public:
  bool handlePost(CivetServer*, mg_connection* conn) override {
    const mg_request_info* info = mg_get_request_info(conn);
    std::string body;
    char buf[8192];
    int n;
    while ((n = mg_read(conn, buf, sizeof buf)) > 0) body.append(buf, n);
    {
      std::lock_guard lock(mu_);
      received_.push_back({info->local_uri ? info->local_uri : "", body});
    }
    mg_send_http_ok(conn, "text/plain", 2);
    mg_write(conn, "ok", 2);
    return true;
  }
  std::vector<std::pair<std::string, std::string>> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> received_;
};

// (check, agent, domain, severity): what identifies an alert on both sides.
using AlertKey = std::tuple<std::string, std::string, std::string, std::string>;

std::string Str(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

bool WaitFor(std::chrono::seconds limit, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return done();
}

Json GetJson(int port, const std::string& target) {
  HttpReply r = Get10(port, target);
  return r.status == 200 ? Json::parse(r.body, nullptr, false) : Json();
}

// Argus on a demo pipeline written as of now, the shipped rules in a real
// Prometheus and the shipped routing in a real Alertmanager, all on
// 127.0.0.1 with ports picked here, made quick (1 s scrapes and
// evaluations; `edits` rewrite the rules, e.g. shorter `for:`), and a
// webhook receiver inside the test.
struct Stack {
  Stack(const std::string& name, const std::vector<std::pair<std::string, std::string>>& rule_edits = {}) {
    dir = fs::path(::testing::TempDir()) / ("argus_" + name + "_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path source(ARGUS_SOURCE_DIR);

    DemoOptions demo;
    demo.path = db = (dir / "pipeline.db").string();
    demo.now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_TRUE(WriteDemo(demo).ok());

    hooks = std::make_unique<CivetServer>(std::vector<std::string>{"listening_ports", "127.0.0.1:0", "num_threads", "4"});
    hooks->addHandler("/", &webhook);
    const int hook_port = hooks->getListeningPorts().front();

    argus_port = FreePort();
    prom_port = FreePort();
    am_port = FreePort();
    argus = std::make_unique<Process>(
        std::vector<std::string>{ARGUS_EXPORTER_BIN, "serve", "--db", db, "--web.listen-address",
                                 "127.0.0.1:" + std::to_string(argus_port), "--interval", "1s"},
        dir / "argus.log");

    // The shipped routing, pointed at this test's webhook and made quick.
    std::string am = Slurp(source / "rules/alertmanager.yml");
    Replace(am, {{"http://127.0.0.1:9095", "http://127.0.0.1:" + std::to_string(hook_port)},
                 {"group_wait: 30s", "group_wait: 1s"},
                 {"group_interval: 5m", "group_interval: 1s"}});
    std::ofstream(dir / "alertmanager.yml") << am;
    alertmanager = std::make_unique<Process>(
        std::vector<std::string>{"prometheus-alertmanager", "--config.file=" + (dir / "alertmanager.yml").string(),
                                 "--storage.path=" + (dir / "am").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(am_port),
                                 "--cluster.listen-address="},
        dir / "alertmanager.log");

    std::string rules = Slurp(source / "rules/argus-alerts.yml");
    Replace(rules, rule_edits);
    std::ofstream(dir / "argus-alerts.yml") << rules;
    std::ofstream(dir / "prometheus.yml")
        << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        << "rule_files: ['" << (dir / "argus-alerts.yml").string() << "']\n"
        << "alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:" << am_port << "']}]}]}\n"
        << "scrape_configs: [{job_name: argus, static_configs: [{targets: ['127.0.0.1:" << argus_port << "']}]}]\n";
    prometheus = std::make_unique<Process>(
        std::vector<std::string>{"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir / "prom").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
        dir / "prometheus.log");
  }
  ~Stack() {
    prometheus.reset();
    alertmanager.reset();
    argus.reset();
    hooks.reset();
    fs::remove_all(dir);
  }

  static void Replace(std::string& text, const std::vector<std::pair<std::string, std::string>>& edits) {
    for (const auto& [from, to] : edits) {
      for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
        text.replace(at, from.size(), to);
      }
    }
  }
  bool Running() const { return argus->running() && alertmanager->running() && prometheus->running(); }
  std::string Logs() const {
    return "prometheus:\n" + prometheus->log() + "\nalertmanager:\n" + alertmanager->log() +
           "\nargus:\n" + argus->log();
  }

  fs::path dir;
  std::string db;
  Webhook webhook;
  std::unique_ptr<CivetServer> hooks;
  int argus_port = 0, prom_port = 0, am_port = 0;
  std::unique_ptr<Process> argus, alertmanager, prometheus;
};

TEST(EndToEnd, PrometheusAndAlertmanagerAgreeWithTheExporter) {
  Stack stack("e2e");
  ASSERT_TRUE(stack.Running());
  const fs::path source(ARGUS_SOURCE_DIR);
  const int argus_port = stack.argus_port, prom_port = stack.prom_port, am_port = stack.am_port;
  Webhook& webhook = stack.webhook;
  Process& prometheus = *stack.prometheus;
  Process& alertmanager = *stack.alertmanager;
  Process& argus = *stack.argus;

  // The target is up.
  const bool up = WaitFor(std::chrono::seconds(40), [&] {
    Json j = GetJson(prom_port, "/api/v1/query?query=" + UrlEncode("up{job=\"argus\"}"));
    return j.is_object() && j["data"]["result"].size() == 1 &&
           j["data"]["result"][0]["value"][1] == "1";
  });
  ASSERT_TRUE(up) << "prometheus:\n" << prometheus.log() << "\nargus:\n" << argus.log();

  // What the exporter itself says.
  std::set<AlertKey> expected;
  const Json exporter_alerts = GetJson(argus_port, "/api/alerts");
  for (const Json& a : exporter_alerts["alerts"]) {
    expected.insert({Str(a, "check"), Str(a, "agent"), Str(a, "domain"), Str(a, "severity")});
  }
  ASSERT_EQ(expected.size(), 7u);

  // What Prometheus fires from the shipped rules.
  std::set<AlertKey> firing;
  WaitFor(std::chrono::seconds(30), [&] {
    firing.clear();
    const Json reply = GetJson(prom_port, "/api/v1/alerts");
    if (!reply.is_object()) return false;
    for (const Json& a : reply["data"]["alerts"]) {
      const Json& l = a["labels"];
      if (a["state"] != "firing" || Str(l, "category") == "exporter") continue;
      firing.insert({Str(l, "check"), Str(l, "agent"), Str(l, "domain"), Str(l, "severity")});
    }
    return firing == expected;
  });
  EXPECT_EQ(firing, expected);

  // What reached the webhook: criticals paged, warnings ticketed.
  std::set<AlertKey> paged, ticketed;
  WaitFor(std::chrono::seconds(30), [&] {
    paged.clear();
    ticketed.clear();
    for (const auto& [path, body] : webhook.received()) {
      Json j = Json::parse(body, nullptr, false);
      if (!j.is_object() || (path != "/pager" && path != "/ticket")) continue;
      for (const Json& a : j["alerts"]) {
        const Json& l = a["labels"];
        AlertKey key{Str(l, "check"), Str(l, "agent"), Str(l, "domain"), Str(l, "severity")};
        (path == "/pager" ? paged : ticketed).insert(key);
      }
    }
    return paged.size() + ticketed.size() >= expected.size();
  });
  std::set<AlertKey> delivered = paged;
  delivered.insert(ticketed.begin(), ticketed.end());
  EXPECT_EQ(delivered, expected) << "alertmanager:\n" << alertmanager.log();
  for (const AlertKey& k : paged) EXPECT_EQ(std::get<3>(k), "critical");
  for (const AlertKey& k : ticketed) EXPECT_EQ(std::get<3>(k), "warning");

  // Other teams' alerts in the same Alertmanager, with and without a
  // category label, while Argus alerts fire, and while another Argus
  // exporter is down and cannot read its database: Argus's inhibitions
  // touch none of them, and its routes do not take them.
  const std::string foreign = R"([
    {"labels": {"alertname": "DiskFull", "severity": "warning", "team": "storage"}},
    {"labels": {"alertname": "QueueLag", "severity": "warning", "category": "queue", "team": "queues"}},
    {"labels": {"alertname": "ArgusDatabaseUnreadable", "severity": "critical", "category": "exporter",
                "job": "argus", "instance": "elsewhere:27487"}},
    {"labels": {"alertname": "ArgusExporterDown", "severity": "critical", "category": "exporter",
                "job": "argus", "instance": "elsewhere:27487"}}])";
  const HttpReply posted = SendRaw(am_port, "POST /api/v2/alerts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                            "Content-Type: application/json\r\nContent-Length: " +
                                            std::to_string(foreign.size()) + "\r\nConnection: close\r\n\r\n" +
                                            foreign);
  ASSERT_EQ(posted.status, 200) << posted.body;
  std::set<std::string> others;
  WaitFor(std::chrono::seconds(20), [&] {
    others.clear();
    for (const auto& [path, body] : webhook.received()) {
      Json j = Json::parse(body, nullptr, false);
      if (!j.is_object() || path != "/default") continue;
      for (const Json& a : j["alerts"]) others.insert(Str(a["labels"], "alertname"));
    }
    return others.size() >= 2;
  });
  EXPECT_EQ(others, (std::set<std::string>{"DiskFull", "QueueLag"})) << "alertmanager:\n" << alertmanager.log();
  // The Argus alerts of this exporter are not inhibited by the other one's
  // outage.
  const Json all = GetJson(am_port, "/api/v2/alerts");
  ASSERT_TRUE(all.is_array()) << all.dump();
  for (const Json& a : all) {
    // Inhibited: only Argus alerts; of this exporter, only a warning (by
    // its own critical); the other exporter's unreadable database (by its
    // own ArgusExporterDown).
    if (!a.contains("status") || a["status"]["inhibitedBy"].empty()) continue;
    EXPECT_EQ(Str(a["labels"], "alertname").rfind("Argus", 0), 0u) << a.dump();
    // (A detection alert has no instance: the rules aggregate it away.)
    if (Str(a["labels"], "category") != "exporter" ||
        Str(a["labels"], "instance") == "127.0.0.1:" + std::to_string(argus_port)) {
      EXPECT_EQ(Str(a["labels"], "severity"), "warning") << a.dump();
    }
  }

  // Every Grafana panel's query returns data from this Prometheus.
  // Grafana would put the dashboard's variables in first: this is what they
  // come to with this Prometheus as the data source, this Argus as the job's
  // only instance, every agent and every domain ("All" is ".*").
  const Json dashboard = Json::parse(Slurp(source / "grafana/dashboards/argus-overview.json"));
  const Json datasource = {{"type", "prometheus"}, {"uid", "${datasource}"}};
  const std::map<std::string, std::string> variables = {
      {"job", "argus"},
      {"instance", "127.0.0.1:" + std::to_string(argus_port)},
      {"agent", ".*"},
      {"domain", ".*"},
      {"pipeline", ".*"},
      {"__rate_interval", "1m"},
      {"__interval", "30s"},
      {"__range", "1h"}};
  // `$name`, `${name}` and `${name:format}` of a variable above become its
  // value; anything else stays as it is (and fails the query below).
  auto substitute = [&](const std::string& text) {
    auto word = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    };
    std::string out;
    size_t at = 0;
    while (at < text.size()) {
      if (text[at] != '$') {
        out += text[at++];
        continue;
      }
      size_t end = at + 1;
      std::string name;
      if (end < text.size() && text[end] == '{') {
        const size_t brace = text.find('}', end);
        if (brace == std::string::npos) {
          out += text.substr(at);
          break;
        }
        name = text.substr(end + 1, brace - end - 1);
        name = name.substr(0, name.find(':'));
        end = brace + 1;
      } else {
        while (end < text.size() && word(text[end])) ++end;
        name = text.substr(at + 1, end - at - 1);
      }
      const auto found = variables.find(name);
      out += found == variables.end() ? text.substr(at, end - at) : found->second;
      at = end;
    }
    return out;
  };
  // A query returns at least one series.
  auto returns_data = [&](const std::string& what, const std::string& expr) {
    Json result;
    const bool has_data = WaitFor(std::chrono::seconds(15), [&] {
      result = GetJson(prom_port, "/api/v1/query?query=" + UrlEncode(expr));
      return result.is_object() && result["status"] == "success" && !result["data"]["result"].empty();
    });
    EXPECT_TRUE(has_data) << what << ": " << expr << " -> " << result.dump();
  };

  // The panels, and those inside collapsed rows.
  std::vector<Json> panels;
  for (const Json& panel : dashboard["panels"]) {
    panels.push_back(panel);
    for (const Json& inner : panel.value("panels", Json::array())) panels.push_back(inner);
  }
  int queries = 0;
  for (const Json& panel : panels) {
    const std::string title = panel.value("title", "");
    if (panel.value("type", "") == "row") continue;
    EXPECT_EQ(panel.value("datasource", Json()), datasource) << "panel '" << title << "'";
    const Json targets = panel.value("targets", Json::array());
    EXPECT_FALSE(targets.empty()) << "panel '" << title << "' has no query";
    for (const Json& target : targets) {
      EXPECT_EQ(target.value("datasource", Json()), datasource) << "panel '" << title << "': " << target.dump();
      const std::string expr = substitute(target.value("expr", ""));
      EXPECT_FALSE(expr.empty()) << "panel '" << title << "': a target without expr: " << target.dump();
      if (expr.empty()) continue;
      EXPECT_EQ(expr.find('$'), std::string::npos) << "panel '" << title << "': a variable left in " << expr;
      ++queries;
      returns_data("panel '" + title + "'", expr);
    }
  }

  // Every query variable has values: `label_values(SELECTOR, LABEL)`, asked
  // of Prometheus as Grafana asks it.
  int variable_queries = 0;
  for (const Json& variable : dashboard["templating"]["list"]) {
    const std::string name = variable.value("name", "");
    if (variable.value("type", "") == "datasource") {
      EXPECT_EQ(variable.value("query", ""), "prometheus") << variable.dump();
      continue;
    }
    if (variable.value("type", "") != "query") continue;
    EXPECT_EQ(variable.value("datasource", Json()), datasource) << "variable " << name;
    const Json query = variable.value("query", Json());
    const std::string text = query.is_object() ? query.value("query", "")
                             : query.is_string() ? query.get<std::string>()
                                                 : std::string();
    const std::string prefix = "label_values(";
    const size_t paren = text.rfind(')');
    const bool parsed = text.rfind(prefix, 0) == 0 && paren != std::string::npos && paren > prefix.size();
    EXPECT_TRUE(parsed) << "variable " << name << ": not label_values(SELECTOR, LABEL): " << text;
    if (!parsed) continue;
    const std::string args = text.substr(prefix.size(), paren - prefix.size());
    const size_t comma = args.rfind(',');
    const std::string selector = comma == std::string::npos ? "" : substitute(args.substr(0, comma));
    std::string label = comma == std::string::npos ? args : args.substr(comma + 1);
    label.erase(0, label.find_first_not_of(' '));
    label.erase(label.find_last_not_of(' ') + 1);
    const std::string api = "/api/v1/label/" + label + "/values" +
                            (selector.empty() ? "" : "?match%5B%5D=" + UrlEncode(selector));
    ++variable_queries;
    Json values;
    // This Argus reads one unnamed pipeline (--db): its series carry no
    // pipeline label, so that variable has no values here (All matches
    // them); its query must still be one Prometheus answers.
    const bool may_be_empty = name == "pipeline";
    const bool has_values = WaitFor(std::chrono::seconds(15), [&] {
      values = GetJson(prom_port, api);
      return values.is_object() && values["status"] == "success" && values["data"].is_array() &&
             (may_be_empty || !values["data"].empty());
    });
    EXPECT_TRUE(has_values) << "variable " << name << ": " << text << " -> " << api << " -> " << values.dump();
  }
  EXPECT_GE(variable_queries, 4);

  // The alerts drawn as annotations are those firing now.
  for (const Json& annotation : dashboard["annotations"]["list"]) {
    if (annotation.value("builtIn", 0) == 1) continue;
    const std::string name = annotation.value("name", "");
    EXPECT_EQ(annotation.value("datasource", Json()), datasource) << "annotation " << name;
    const Json target = annotation.value("target", Json::object());
    std::string expr = target.is_object() ? target.value("expr", "") : "";
    if (expr.empty()) expr = annotation.value("expr", "");
    EXPECT_FALSE(expr.empty()) << "annotation " << name << ": " << annotation.dump();
    if (!expr.empty()) returns_data("annotation " + name, substitute(expr));
  }
  EXPECT_GE(queries, 10);

  prometheus.Stop();
  alertmanager.Stop();
  argus.Stop();
  EXPECT_EQ(argus.log().find("level=error"), std::string::npos) << argus.log();
}

// One alert of one notification the webhook received.
struct Notified {
  std::string path, status, alertname, check, agent, domain;
};

std::vector<Notified> Notifications(Webhook& webhook) {
  std::vector<Notified> all;
  for (const auto& [path, body] : webhook.received()) {
    Json j = Json::parse(body, nullptr, false);
    if (!j.is_object()) continue;
    for (const Json& a : j["alerts"]) {
      const Json& l = a["labels"];
      all.push_back({path, Str(a, "status"), Str(l, "alertname"), Str(l, "check"), Str(l, "agent"),
                     Str(l, "domain")});
    }
  }
  return all;
}

// Incidents firing, then the database unreadable for a while, then back:
// the incidents neither resolve nor page again (Argus serves their last
// good gauges meanwhile), and the outage alert fires and resolves once.
TEST(EndToEnd, AnUnreadableDatabaseNeitherResolvesNorRepagesTheIncidents) {
  // ArgusDatabaseUnreadable after 5 s rather than 2 minutes.
  Stack stack("outage", {{"for: 2m", "for: 5s"}});
  ASSERT_TRUE(stack.Running());
  auto count = [&](const std::string& status, bool detections) {
    int n = 0;
    for (const Notified& a : Notifications(stack.webhook)) {
      if (a.status == status && (a.check != "exporter") == detections) ++n;
    }
    return n;
  };
  ASSERT_TRUE(WaitFor(std::chrono::seconds(60), [&] { return count("firing", true) >= 7; })) << stack.Logs();

  fs::rename(stack.db, stack.db + ".away");
  auto unreadable = [&](const std::string& status) {
    for (const Notified& a : Notifications(stack.webhook)) {
      if (a.alertname == "ArgusDatabaseUnreadable" && a.status == status) return true;
    }
    return false;
  };
  ASSERT_TRUE(WaitFor(std::chrono::seconds(60), [&] { return unreadable("firing"); })) << stack.Logs();
  // Meanwhile Prometheus still sees the detections' gauges, and Argus says
  // it is blind.
  Json idle = GetJson(stack.prom_port, "/api/v1/query?query=" + UrlEncode("count(argus_agent_idle_seconds{job=\"argus\"})"));
  EXPECT_FALSE(idle["data"]["result"].empty()) << idle.dump();
  Json up = GetJson(stack.prom_port, "/api/v1/query?query=" + UrlEncode("argus_up{job=\"argus\"}"));
  EXPECT_EQ(up["data"]["result"][0]["value"][1], "0") << up.dump();
  EXPECT_EQ(Get(stack.argus_port, "/api/alerts").status, 503);
  std::this_thread::sleep_for(std::chrono::seconds(5));

  fs::rename(stack.db + ".away", stack.db);
  ASSERT_TRUE(WaitFor(std::chrono::seconds(60), [&] { return unreadable("resolved"); })) << stack.Logs();
  std::this_thread::sleep_for(std::chrono::seconds(5));

  // Each incident was notified once, firing, and never resolved.
  std::map<std::string, int> firing;
  for (const Notified& a : Notifications(stack.webhook)) {
    if (a.check == "exporter") continue;
    EXPECT_EQ(a.status, "firing") << a.alertname << " " << a.agent << a.domain << " resolved during the outage";
    ++firing[a.alertname + "/" + a.agent + "/" + a.domain];
  }
  EXPECT_EQ(firing.size(), 7u);
  for (const auto& [key, n] : firing) EXPECT_EQ(n, 1) << key << " paged again";
  // The outage alert fired once and resolved once.
  int outage_firing = 0, outage_resolved = 0;
  for (const Notified& a : Notifications(stack.webhook)) {
    if (a.alertname != "ArgusDatabaseUnreadable") continue;
    (a.status == "firing" ? outage_firing : outage_resolved) += 1;
  }
  EXPECT_EQ(outage_firing, 1);
  EXPECT_EQ(outage_resolved, 1);
}

}  // namespace
// Runs `sql` on the pipeline (a writer of the pipeline's, beside Argus).
void Write(const std::string& db, const std::string& sql) {
  sqlite3* w = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &w), SQLITE_OK);
  sqlite3_busy_timeout(w, 5000);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(w, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(w);
}

// `agent` failing item `item` five times in the last half hour: a critical
// stuck loop.
std::string StuckLoop(const std::string& agent) {
  const Millis now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  std::string sql = "BEGIN;";
  for (int i = 0; i < 5; ++i) {
    const std::string at = FormatTimestamp(now - (30 - 5 * i) * kMinute);
    sql += "INSERT INTO submissions (created_at, agent, domain, item) VALUES ('" + at + "', '" + agent +
           "', 'health', '" + agent + "-item');"
           "INSERT INTO reviews (submission_id, reviewed_at, verdict, reason) VALUES (last_insert_rowid(), '" +
           at + "', 'rejected', 'formatting');";
  }
  return sql + "COMMIT;";
}

// The highly available path: two Argus replicas on one pipeline, two
// Prometheus servers scraping both (external label `replica`, dropped from
// the alerts they send), two Alertmanagers clustered through their gossip
// ports, each Prometheus sending to both; all on 127.0.0.1, with a webhook
// receiver. Every alert reaches the receiver once per group; after one
// Argus, one Prometheus and one Alertmanager are killed, a new incident is
// still delivered and an old one still resolves.
TEST(EndToEnd, HighlyAvailableAlertingDeliversOnceAndSurvivesLosingOneOfEach) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("argus_ha_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path source(ARGUS_SOURCE_DIR);
  DemoOptions demo;
  demo.path = (dir / "pipeline.db").string();
  demo.now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_TRUE(WriteDemo(demo).ok());
  const std::string db = demo.path;

  Webhook webhook;
  CivetServer hooks(std::vector<std::string>{"listening_ports", "127.0.0.1:0", "num_threads", "4"});
  hooks.addHandler("/", &webhook);
  const int hook_port = hooks.getListeningPorts().front();

  std::vector<int> argus_ports, prom_ports, am_ports, gossip_ports;
  std::vector<std::unique_ptr<Process>> argus, prometheus, alertmanager;
  for (int i = 0; i < 2; ++i) {
    argus_ports.push_back(FreePort());
    prom_ports.push_back(FreePort());
    am_ports.push_back(FreePort());
    gossip_ports.push_back(FreePort());
  }
  for (int i = 0; i < 2; ++i) {
    argus.push_back(std::make_unique<Process>(
        std::vector<std::string>{ARGUS_EXPORTER_BIN, "serve", "--db", db, "--web.listen-address",
                                 "127.0.0.1:" + std::to_string(argus_ports[i]), "--interval", "1s"},
        dir / ("argus" + std::to_string(i) + ".log")));
  }
  // The shipped routing, made quick.
  std::string am = Slurp(source / "rules/alertmanager.yml");
  Stack::Replace(am, {{"http://127.0.0.1:9095", "http://127.0.0.1:" + std::to_string(hook_port)},
                      {"group_wait: 30s", "group_wait: 1s"},
                      {"group_interval: 5m", "group_interval: 1s"}});
  std::ofstream(dir / "alertmanager.yml") << am;
  for (int i = 0; i < 2; ++i) {
    const std::string gossip = "127.0.0.1:" + std::to_string(gossip_ports[i]);
    const std::string peer = "127.0.0.1:" + std::to_string(gossip_ports[1 - i]);
    alertmanager.push_back(std::make_unique<Process>(
        std::vector<std::string>{"prometheus-alertmanager",
                                 "--config.file=" + (dir / "alertmanager.yml").string(),
                                 "--storage.path=" + (dir / ("am" + std::to_string(i))).string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(am_ports[i]),
                                 "--cluster.listen-address=" + gossip, "--cluster.advertise-address=" + gossip,
                                 "--cluster.peer=" + peer, "--cluster.peer-timeout=3s",
                                 "--cluster.gossip-interval=100ms", "--cluster.pushpull-interval=1s"},
        dir / ("alertmanager" + std::to_string(i) + ".log")));
  }
  // The shipped rules, their keep_firing_for made short so that a
  // resolution shows within the test.
  std::string rules = Slurp(source / "rules/argus-alerts.yml");
  Stack::Replace(rules, {{"keep_firing_for: 3m", "keep_firing_for: 2s"}});
  std::ofstream(dir / "argus-alerts.yml") << rules;
  const std::string argus_targets = "'127.0.0.1:" + std::to_string(argus_ports[0]) + "', '127.0.0.1:" +
                                    std::to_string(argus_ports[1]) + "'";
  const std::string am_targets = "'127.0.0.1:" + std::to_string(am_ports[0]) + "', '127.0.0.1:" +
                                 std::to_string(am_ports[1]) + "'";
  for (int i = 0; i < 2; ++i) {
    const fs::path config = dir / ("prometheus" + std::to_string(i) + ".yml");
    std::ofstream(config)
        << "global: {scrape_interval: 1s, evaluation_interval: 1s, external_labels: {replica: p" << i << "}}\n"
        << "rule_files: ['" << (dir / "argus-alerts.yml").string() << "']\n"
        << "alerting:\n"
        << "  alert_relabel_configs: [{action: labeldrop, regex: replica}]\n"
        << "  alertmanagers: [{static_configs: [{targets: [" << am_targets << "]}]}]\n"
        << "scrape_configs: [{job_name: argus, static_configs: [{targets: [" << argus_targets << "]}]}]\n";
    prometheus.push_back(std::make_unique<Process>(
        std::vector<std::string>{"prometheus", "--config.file=" + config.string(),
                                 "--storage.tsdb.path=" + (dir / ("prom" + std::to_string(i))).string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(prom_ports[i])},
        dir / ("prometheus" + std::to_string(i) + ".log")));
  }
  auto logs = [&] {
    std::string text;
    for (auto* group : {&argus, &prometheus, &alertmanager}) {
      for (auto& p : *group) text += "\n--- " + p->log().substr(0, 4000);
    }
    return text;
  };
  // Both Prometheus servers scrape both replicas; the Alertmanagers are
  // each other's peers.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(WaitFor(std::chrono::seconds(60), [&] {
      Json j = GetJson(prom_ports[i], "/api/v1/query?query=" + UrlEncode("sum(up{job=\"argus\"})"));
      return j.is_object() && !j["data"]["result"].empty() && j["data"]["result"][0]["value"][1] == "2";
    })) << logs();
    ASSERT_TRUE(WaitFor(std::chrono::seconds(30), [&] {
      Json j = GetJson(am_ports[i], "/api/v2/status");
      return j.is_object() && j["cluster"]["peers"].size() == 2 && j["cluster"]["status"] == "ready";
    })) << logs();
  }

  // An incident of the test's own beside the demo's planted ones.
  Write(db, StuckLoop("ha-old"));
  std::set<AlertKey> expected;
  ASSERT_TRUE(WaitFor(std::chrono::seconds(20), [&] {
    expected.clear();
    const Json got = GetJson(argus_ports[1], "/api/alerts");
    for (const Json& a : got["alerts"]) {
      expected.insert({Str(a, "check"), Str(a, "agent"), Str(a, "domain"), Str(a, "severity")});
    }
    return expected.count({"stuck_loop", "ha-old", "", "critical"}) == 1;
  })) << GetJson(argus_ports[1], "/api/alerts").dump() << logs();
  EXPECT_GE(expected.size(), 8u);

  // Firing notifications, by alert: each must come once.
  auto firing_counts = [&] {
    std::map<AlertKey, int> counts;
    for (const auto& [path, body] : webhook.received()) {
      Json j = Json::parse(body, nullptr, false);
      if (!j.is_object() || (path != "/pager" && path != "/ticket")) continue;
      for (const Json& a : j["alerts"]) {
        if (Str(a, "status") != "firing") continue;
        const Json& l = a["labels"];
        EXPECT_FALSE(l.contains("replica")) << a.dump();
        EXPECT_FALSE(l.contains("instance")) << a.dump();
        counts[{Str(l, "check"), Str(l, "agent"), Str(l, "domain"), Str(l, "severity")}] += 1;
      }
    }
    return counts;
  };
  ASSERT_TRUE(WaitFor(std::chrono::seconds(60), [&] { return firing_counts().size() >= expected.size(); }))
      << logs();
  // Time for a duplicate to arrive, were there one: past the second
  // Alertmanager's peer timeout, and several evaluations of both servers.
  std::this_thread::sleep_for(std::chrono::seconds(8));
  std::map<AlertKey, int> counts = firing_counts();
  for (const AlertKey& k : expected) {
    EXPECT_EQ(counts[k], 1) << std::get<0>(k) << " " << std::get<1>(k) << " " << std::get<2>(k);
  }
  EXPECT_EQ(counts.size(), expected.size());

  // One of each goes down hard.
  argus[0]->Stop(SIGKILL);
  prometheus[0]->Stop(SIGKILL);
  alertmanager[0]->Stop(SIGKILL);

  // The old incident ends (the item is approved at last), a new one begins.
  const std::string now = FormatTimestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch()).count());
  Write(db, "INSERT INTO submissions (created_at, agent, domain, item) VALUES ('" + now +
                "', 'ha-old', 'health', 'ha-old-item');"
                "INSERT INTO reviews (submission_id, reviewed_at, verdict) VALUES (last_insert_rowid(), '" +
                now + "', 'approved');" + StuckLoop("ha-new"));
  bool resolved = false, delivered = false;
  WaitFor(std::chrono::seconds(90), [&] {
    for (const auto& [path, body] : webhook.received()) {
      Json j = Json::parse(body, nullptr, false);
      if (!j.is_object()) continue;
      for (const Json& a : j["alerts"]) {
        const std::string agent = Str(a["labels"], "agent");
        if (agent == "ha-old" && Str(a, "status") == "resolved") resolved = true;
        if (agent == "ha-new" && Str(a, "status") == "firing") delivered = true;
      }
    }
    return resolved && delivered;
  });
  EXPECT_TRUE(delivered) << "the new incident was not delivered\nargus: "
                         << GetJson(argus_ports[1], "/api/alerts").dump().substr(0, 3000) << "\nprometheus: "
                         << GetJson(prom_ports[1], "/api/v1/alerts").dump().substr(0, 3000) << "\nalertmanager: "
                         << GetJson(am_ports[1], "/api/v2/alerts").dump().substr(0, 3000) << logs();
  EXPECT_TRUE(resolved) << "the old incident did not resolve" << logs();
  for (auto* group : {&argus, &prometheus, &alertmanager}) group->clear();
  fs::remove_all(dir);
}

}  // namespace argus::testing
