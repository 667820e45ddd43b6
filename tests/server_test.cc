// The HTTP surface of `argus_exporter serve`, over real sockets: one server
// per suite on a port the OS picks.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <regex>
#include <thread>

#include "exporter/cli/demo.h"
#include "exporter/serve/exporter.h"
#include "http_client.h"
#include "exporter/serve/http_server.h"
#include "exporter/source/sqlite_source.h"
#include "testing/test_pipeline.h"
#include "exporter/serve/web_config.h"

namespace argus::testing {
namespace {

namespace fs = std::filesystem;

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    path_ = new std::string(::testing::TempDir() + "/argus_server_" + std::to_string(getpid()) + ".db");
    DemoOptions o;
    o.path = *path_;
    o.now = kNow;
    o.force = true;
    ASSERT_TRUE(WriteDemo(o).ok());
    log_stream_ = new std::ostringstream;
    log_ = new Logger(*log_stream_, LogLevel::kInfo);
    Config config;
    config.interval = kHour;
    exporter_ = new Exporter(std::move(config), std::make_unique<SqliteSource>(*path_, SourceQueries()),
                             kNow, *log_);
    exporter_->Start();
    for (int i = 0; i < 500 && !exporter_->Latest(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server_ = new HttpServer(*exporter_, *log_);
    server_->EnableLifecycle([] {
      ++reloads_;
      return reload_result_;
    });
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
    port_ = server_->port();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete exporter_;
    delete log_;
    delete log_stream_;
    fs::remove(*path_);
    delete path_;
  }

  static nlohmann::json GetJson(const std::string& target, int expect_status = 200) {
    HttpReply r = Get(port_, target);
    EXPECT_EQ(r.status, expect_status) << target << ": " << r.body;
    EXPECT_NE(r.headers.find("Content-Type: application/json"), std::string::npos) << target;
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  static std::string Error(const std::string& target, int expect_status) {
    nlohmann::json j = GetJson(target, expect_status);
    EXPECT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string()) << target;
    return j.value("error", "");
  }

  static std::string* path_;
  static std::ostringstream* log_stream_;
  static Logger* log_;
  static Exporter* exporter_;
  static HttpServer* server_;
  static int port_;
  static int reloads_;
  static Status reload_result_;
};

std::string* ServerTest::path_;
std::ostringstream* ServerTest::log_stream_;
Logger* ServerTest::log_;
Exporter* ServerTest::exporter_;
HttpServer* ServerTest::server_;
int ServerTest::port_;
int ServerTest::reloads_ = 0;
Status ServerTest::reload_result_ = Status::Ok();

HttpReply Request(int port, const std::string& method, const std::string& target,
                  const std::string& headers = "") {
  return SendRaw(port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
                           "Connection: close\r\n\r\n");
}

TEST_F(ServerTest, MetricsServesTheLastCycleInTheTextFormat) {
  HttpReply r = Get(port_, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  for (const char* line : {"argus_up 1", "argus_alerts{check=\"stuck_loop\",severity=\"critical\"} 1",
                           "argus_alerts{check=\"throughput_anomaly\",severity=\"info\"} 0",
                           "argus_agent_stuck_item_rejections{agent=\"dax\"} 5",
                           "argus_throughput_reviews{domain=\"legal\"} 0",
                           "argus_agent_cost_usd{agent=\"echo\",window=\"current\"}",
                           "argus_exporter_build_info{revision=",
                           "argus_reviews_total{agent=\"dax\",verdict=\"rejected\"}",
                           "argus_reviews_by_domain_total{domain=\"ai-alignment\",verdict=\"rejected\"}",
                           "argus_rejections_total{reason=\"missing_evidence\"}",
                           "argus_cost_usd_total{agent=\"echo\"} ",
                           "argus_cost_usd_by_model_total{model=\"claude-opus\"} ",
                           "argus_submissions_by_domain_total{domain=\"legal\"}",
                           "argus_check_success{check=\"dormant_agent\"} 1"}) {
    EXPECT_NE(r.body.find(line), std::string::npos) << line;
  }
}

TEST_F(ServerTest, CheckReturnsTheLegacyBody) {
  nlohmann::json j = GetJson("/check");
  for (const char* key : {"checked_at", "alert_count", "critical", "warning", "info", "alerts",
                          "failure_reports"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["checked_at"], "2026-11-28T10:00:00Z");
  EXPECT_EQ(j["alert_count"], 7);
  EXPECT_EQ(j["critical"], 4);
  EXPECT_EQ(j["failure_reports"]["dax"]["stuck_items"][0]["item"], "claim-42");
  EXPECT_EQ(Error("/check?x=1", 400), "unknown query parameter 'x': this endpoint takes none");
}

TEST_F(ServerTest, AlertsFilterLikeThePythonService) {
  nlohmann::json all = GetJson("/api/alerts");
  EXPECT_EQ(all["total"], 7);
  EXPECT_EQ(all["alerts"].size(), 7u);
  EXPECT_EQ(all["last_check"], "2026-11-28T10:00:00Z");
  EXPECT_EQ(GetJson("/api/alerts?severity=critical")["total"], 4);
  EXPECT_EQ(GetJson("/api/alerts?severity=info")["total"], 0);
  EXPECT_EQ(GetJson("/api/alerts?category=health")["total"], 3);
  EXPECT_EQ(GetJson("/api/alerts?agent=dax")["alerts"][0]["id"], "stuck_loop:dax");
  EXPECT_EQ(GetJson("/api/alerts?domain=legal")["alerts"][0]["id"], "throughput_anomaly:domain=legal");
  EXPECT_EQ(GetJson("/api/alerts?check=cost_spike&severity=warning")["total"], 1);
  EXPECT_EQ(GetJson("/api/alerts?check=cost_spike&severity=critical")["total"], 0);
  EXPECT_EQ(GetJson("/api/alerts?severity=&agent=")["total"], 7);  // empty means no filter
  EXPECT_EQ(GetJson("/api/alerts?agent=nobody")["total"], 0);
}

TEST_F(ServerTest, AlertsRefuseUnknownFilterValues) {
  EXPECT_EQ(Error("/api/alerts?severity=urgent", 400),
            "unknown severity 'urgent'; known: critical, warning, info");
  EXPECT_NE(Error("/api/alerts?category=cost", 400).find("unknown category 'cost'"), std::string::npos);
  EXPECT_NE(Error("/api/alerts?check=nope", 400).find("unknown check 'nope'; known: dormant_agent"),
            std::string::npos);
  EXPECT_NE(Error("/api/alerts?sevrity=critical", 400).find("unknown query parameter 'sevrity'"),
            std::string::npos);
  EXPECT_EQ(Error("/api/alerts?severity=info&severity=critical", 400),
            "query parameter 'severity' given more than once");
  EXPECT_EQ(Error("/api/alerts?agent=%ZZ", 400), "malformed percent-encoding in the query string");
  EXPECT_EQ(Error("/api/alerts?agent=%FF", 400), "agent is not valid UTF-8 text");
  EXPECT_NE(Error("/api/alerts?agent=" + std::string(300, 'a'), 400).find("longer than 256"),
            std::string::npos);
}

TEST_F(ServerTest, FailureReportValidatesHours) {
  EXPECT_EQ(GetJson("/api/failure-report/dax")["period_hours"], 24);
  EXPECT_EQ(GetJson("/api/failure-report/dax?hours=720")["period_hours"], 720);
  EXPECT_EQ(GetJson("/api/failure-report/dax?hours=1")["period_hours"], 1);
  for (const char* bad : {"0", "721", "abc", "1.5", "-1", "", "24h", "99999999999999999999"}) {
    EXPECT_NE(Error(std::string("/api/failure-report/dax?hours=") + bad, 400)
                  .find("hours must be a whole number from 1 to 720"),
              std::string::npos)
        << bad;
  }
}

TEST_F(ServerTest, FailureReportTakesAnyWellFormedAgentName) {
  nlohmann::json j = GetJson("/api/failure-report/dax?hours=6");
  EXPECT_EQ(j["stuck_items"][0]["attempts"], 5);
  const std::pair<const char*, const char*> names[] = {
      {"a%2Fb", "a/b"},
      {"a/b", "a/b"},
      {"%22quoted%22%20'name'", "\"quoted\" 'name'"},
      {"caf%C3%A9-%E6%97%A5%E6%9C%AC", "café-日本"},
      {"x'%3B%20DROP%20TABLE%20reviews%3B%20--", "x'; DROP TABLE reviews; --"},
      {"%3Cscript%3E", "<script>"},
  };
  for (const auto& [encoded, name] : names) {
    nlohmann::json r = GetJson(std::string("/api/failure-report/") + encoded);
    EXPECT_EQ(r, (nlohmann::json{{"agent", name}, {"status", "no_rejections"}, {"period_hours", 24}}))
        << encoded;
  }
  // The reviews table is still there after the injection attempt.
  EXPECT_EQ(GetJson("/api/failure-report/dax")["status"], "rejections");
}

TEST_F(ServerTest, FailureReportRefusesMalformedAgentNames) {
  EXPECT_EQ(Error("/api/failure-report/", 400), "agent name missing: /api/failure-report/{agent}");
  EXPECT_EQ(Error("/api/failure-report", 400), "agent name missing: /api/failure-report/{agent}");
  EXPECT_EQ(Error("/api/failure-report/%FF%FE", 400), "agent name is not valid UTF-8 text");
  EXPECT_EQ(Error("/api/failure-report/a%00b", 400), "agent name is not valid UTF-8 text");
  EXPECT_EQ(Error("/api/failure-report/%G1", 400), "malformed percent-encoding in the agent name");
  EXPECT_NE(Error("/api/failure-report/" + std::string(257, 'a'), 400).find("longer than 256"),
            std::string::npos);
  EXPECT_NE(Error("/api/failure-report/dax?days=3", 400).find("unknown query parameter 'days'"),
            std::string::npos);
}

TEST_F(ServerTest, UnknownPathsAre404) {
  EXPECT_NE(Error("/nope", 404).find("no such path: /nope"), std::string::npos);
  EXPECT_NE(Error("/api/alerts/extra", 404).find("no such path"), std::string::npos);
  EXPECT_NE(Error("/metrics/", 404).find("no such path"), std::string::npos);
}

TEST_F(ServerTest, ReloadTakesPostAndSaysWhetherItWorked) {
  reloads_ = 0;
  reload_result_ = Status::Ok();
  HttpReply r = Request(port_, "POST", "/-/reload");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reloads_, 1);
  // A body (curl -d) is fine and ignored; the connection closes after.
  r = SendRaw(port_, "POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                     "Connection: close\r\n\r\nabc");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reloads_, 2);
  reload_result_ = Status::Error("argus.yml: config: checks.nope (line 3): unknown check");
  r = Request(port_, "PUT", "/-/reload");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("the previous one stays in force: argus.yml: config: checks.nope"),
            std::string::npos) << r.body;
  EXPECT_EQ(reloads_, 3);
  r = Request(port_, "GET", "/-/reload");
  EXPECT_EQ(r.status, 405);
  EXPECT_NE(r.headers.find("Allow: POST, PUT"), std::string::npos);
  EXPECT_EQ(reloads_, 3) << "a GET never reloads";
  reload_result_ = Status::Ok();
}

TEST_F(ServerTest, BasicAuthGuardsEverythingButHealthy) {
  // `htpasswd -nbBC 4 alice s3cret`; "YWxpY2U6czNjcmV0" is base64 of alice:s3cret.
  WebConfig web;
  web.basic_auth_users["alice"] = "$2y$04$EbGY7Moga/bt1x/99HRxOefGFnSsrvZNc7harP05RCoe2RMELnBQm";
  server_->SetAuth(std::make_shared<const BasicAuth>(std::move(web)));
  const std::string good = "Authorization: Basic YWxpY2U6czNjcmV0\r\n";
  const std::string wrong = "Authorization: Basic YWxpY2U6czNjcmU=\r\n";  // alice:s3cre
  for (const char* path : {"/metrics", "/check", "/api/alerts", "/api/failure-report/dax", "/",
                           "/-/ready", "/nope"}) {
    for (const std::string& header : {std::string(), wrong}) {
      HttpReply r = Request(port_, "GET", path, header);
      EXPECT_EQ(r.status, 401) << path << " " << header;
      EXPECT_NE(r.headers.find("WWW-Authenticate: Basic realm=\"Argus\""), std::string::npos) << path;
      EXPECT_EQ(r.body.find("argus_"), std::string::npos) << "nothing leaks: " << r.body;
    }
    const int expected = std::string(path) == "/nope" ? 404 : 200;
    EXPECT_EQ(Request(port_, "GET", path, good).status, expected) << path;
  }
  EXPECT_EQ(Request(port_, "POST", "/-/reload").status, 401);
  EXPECT_EQ(Request(port_, "GET", "/-/healthy").status, 200) << "a liveness probe carries no credentials";
  server_->SetAuth(nullptr);
  EXPECT_EQ(Request(port_, "GET", "/metrics").status, 200);
}

TEST_F(ServerTest, OnlyGetIsAllowed) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW"}) {
    HttpReply r = Get(port_, "/check", method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_NE(r.headers.find("Allow: GET, HEAD"), std::string::npos) << method;
  }
  HttpReply r = Get(port_, "/api/alerts", "POST");
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
}

TEST_F(ServerTest, OverLongRequestsGetTheRight4xx) {
  HttpReply r = Get(port_, "/api/alerts?agent=" + std::string(5000, 'a'));
  EXPECT_EQ(r.status, 414);
  EXPECT_NE(r.body.find("URI longer than 4096 bytes"), std::string::npos);
  r = SendRaw(port_, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') +
                         "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 431);
  r = SendRaw(port_, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'b') +
                         "\r\nConnection: close\r\n\r\n");
  EXPECT_GE(r.status, 400);
  EXPECT_LT(r.status, 500);
  EXPECT_EQ(Get(port_, "/-/healthy").status, 200) << "the server survives";
}

TEST_F(ServerTest, GarbageRequestsGetA400AndTheServerCarriesOn) {
  for (const std::string& raw : {std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n"),
                                 std::string("GET\r\n\r\n"),
                                 std::string("GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    HttpReply r = SendRaw(port_, raw, 3000);
    if (r.status != 0) {
      EXPECT_GE(r.status, 400) << raw;
      EXPECT_LT(r.status, 500) << raw;
    }
  }
  EXPECT_EQ(Get(port_, "/-/healthy").status, 200);
}

// The status line, and each header line, of a raw response head.
std::vector<std::string> HeadLines(const std::string& raw) {
  std::vector<std::string> lines;
  const size_t end = raw.find("\r\n\r\n");
  std::string_view head(raw.data(), end == std::string::npos ? raw.size() : end);
  while (!head.empty()) {
    const size_t eol = head.find("\r\n");
    lines.emplace_back(head.substr(0, eol));
    head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
  }
  return lines;
}

// Everything the server sends back on one connection for `raw`, until it
// closes or stays silent for `timeout_ms`.
std::string Exchange(int port, const std::string& raw, int timeout_ms = 3000) {
  HttpReply r = SendRaw(port, raw, timeout_ms);
  return r.status ? r.headers + "\r\n\r\n" + r.body : "";
}

TEST_F(ServerTest, NoRequestByteReachesAResponseHead) {
  const std::string injected =
      "GET /x y HTTP/1.1\r\nSet-Cookie: pwned=1\r\nHost: x\r\n\r\n";
  HttpReply r = SendRaw(port_, injected, 3000);
  ASSERT_NE(r.status, 0) << "no well-formed status line";
  const std::vector<std::string> lines = HeadLines(r.headers);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(r.headers.find("pwned"), std::string::npos) << r.headers;
  for (const std::string& line : lines) EXPECT_EQ(line.find("Set-Cookie"), std::string::npos) << line;

  r = SendRaw(port_, "GET / HTTP/9.9\r\nHost: x\r\n\r\n", 3000);
  ASSERT_NE(r.status, 0);
  EXPECT_EQ(HeadLines(r.headers)[0].substr(0, 13), "HTTP/1.1 505 ") << r.headers;
  EXPECT_NE(r.headers.find("Connection: close"), std::string::npos) << r.headers;
  EXPECT_EQ(Get(port_, "/-/healthy").status, 200);
}

TEST_F(ServerTest, HeadIsGetWithoutABodyAndKeepsTheConnectionInStep) {
  const std::string both = Exchange(port_,
      "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  // Three heads back to back; only the last has a body.
  const size_t first = both.find("\r\n\r\n");
  ASSERT_NE(first, std::string::npos) << both;
  EXPECT_EQ(both.substr(0, 15), "HTTP/1.1 200 OK") << both.substr(0, 300);
  const std::string rest = both.substr(first + 4);
  EXPECT_EQ(rest.substr(0, 13), "HTTP/1.1 404 ") << rest.substr(0, 300);
  const size_t second = rest.find("\r\n\r\n");
  ASSERT_NE(second, std::string::npos);
  const std::string last = rest.substr(second + 4);
  EXPECT_EQ(last.substr(0, 15), "HTTP/1.1 200 OK") << last.substr(0, 300);
  EXPECT_NE(last.find("\r\n\r\nArgus is Healthy.\n"), std::string::npos) << last;
  // HEAD announces the length GET would send.
  const std::string metrics_len = both.substr(0, first);
  EXPECT_NE(metrics_len.find("Content-Length: " +
                             std::to_string(Get(port_, "/metrics").body.size())),
            std::string::npos)
      << metrics_len;
}

TEST_F(ServerTest, AmbiguousFramingIsRefusedAndTheConnectionClosed) {
  const std::string smuggled = "GET /api/alerts HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    std::string head;
    int status;
  };
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  std::string auth_late;
  for (int i = 0; i < 64; ++i) auth_late += "X-H" + std::to_string(i) + ": v\r\n";
  auth_late += "Authorization: Basic YWxpY2U6czNjcmV0\r\n";
  const Case cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: " +
           std::to_string(smuggled.size()) + "\r\n\r\n",
       400},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(smuggled.size()) +
           "\r\nTransfer-Encoding: chunked\r\n\r\n",
       400},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5,6\r\n\r\n", 400},
      // A body is ignored, and the connection closed rather than read on.
      {"GET /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(smuggled.size()) +
           "\r\n\r\n",
       200},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n" + many + "\r\n", 431},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n" + auth_late + "\r\n", 431},
  };
  for (const Case& c : cases) {
    const std::string all = Exchange(port_, c.head + smuggled);
    ASSERT_FALSE(all.empty()) << c.head.substr(0, 200);
    EXPECT_EQ(all.substr(9, 3), std::to_string(c.status)) << all.substr(0, 300);
    EXPECT_NE(all.find("Connection: close"), std::string::npos) << all.substr(0, 300);
    // One response: the rest was never read as a request.
    EXPECT_EQ(all.find("HTTP/1.1", 5), std::string::npos) << all.substr(0, 600);
    EXPECT_EQ(all.find("\"alerts\""), std::string::npos);
  }
  // Content-Length: 0 is no body at all.
  HttpReply r = SendRaw(port_, "GET /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n");
  EXPECT_EQ(r.status, 200);
}

TEST_F(ServerTest, PagesWithoutParametersRefuseAny) {
  for (const char* target : {"/metrics?x=1", "/-/ready?x=1", "/?x=1", "/-/healthy?x", "/metrics?a=1&b=2"}) {
    EXPECT_NE(Error(target, 400).find("unknown query parameter"), std::string::npos) << target;
  }
  EXPECT_EQ(Get(port_, "/metrics?").status, 200);
}

// 200 clients that trickle a request head a byte at a time (reconnecting
// when cut off), for a bounded 7 seconds: scrapes meanwhile stay fast.
TEST_F(ServerTest, TwoHundredSlowClientsDoNotStallScrapes) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> slow;
  for (int t = 0; t < 4; ++t) {
    slow.emplace_back([&] {
      std::vector<int> fds;
      auto open_one = [&] {
        const int fd = Connect(port_);
        if (fd >= 0) ::send(fd, "GET /-/healthy HTTP/1.1\r\n", 25, MSG_NOSIGNAL);
        return fd;
      };
      for (int i = 0; i < 50; ++i) fds.push_back(open_one());
      while (!stop) {
        for (int& fd : fds) {
          if (fd < 0 || ::send(fd, "X", 1, MSG_NOSIGNAL) != 1) {
            if (fd >= 0) ::close(fd);
            fd = open_one();
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      for (int fd : fds) {
        if (fd >= 0) ::close(fd);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<double> ms;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(7);
  while (std::chrono::steady_clock::now() < until) {
    const auto start = std::chrono::steady_clock::now();
    HttpReply r = Get(port_, "/metrics");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    EXPECT_EQ(r.status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : slow) t.join();
  std::sort(ms.begin(), ms.end());
  ASSERT_GE(ms.size(), 50u);
  const double p99 = ms[ms.size() * 99 / 100];
  std::printf("scrapes with 200 slow clients: %zu, median %.2f ms, p99 %.2f ms, max %.2f ms\n",
              ms.size(), ms[ms.size() / 2], p99, ms.back());
  EXPECT_LT(p99, 50.0);
}

TEST_F(ServerTest, ASilentClientDoesNotBlockOthers) {
  // Half a request, then nothing: other clients are still served at once.
  std::thread slow([] { SendRaw(port_, "GET /metrics HTTP/1.1\r\nHost: x\r\n", 1500); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(port_, "/api/alerts").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  slow.join();
}

TEST_F(ServerTest, HealthAndReadiness) {
  HttpReply r = Get(port_, "/-/healthy");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Argus is Healthy.\n");
  r = Get(port_, "/-/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Argus is Ready.\n");
}

// The values of attribute `name` in `html`, in order.
std::vector<std::string> Attributes(const std::string& html, const std::string& name) {
  std::vector<std::string> values;
  const std::regex attribute(" " + name + "=\"([^\"]*)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), attribute), end; it != end; ++it) {
    values.push_back((*it)[1]);
  }
  return values;
}

TEST_F(ServerTest, StatusPageShowsEveryAlertWithItsEvidence) {
  HttpReply r = Get(port_, "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(r.body.find("<a href=\"/metrics\">"), std::string::npos);
  EXPECT_NE(r.body.find("<a href=\"/agents/dax\">dax</a>"), std::string::npos);
  EXPECT_NE(r.body.find("4 critical"), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  // One row per alert of /api/alerts, with its value and threshold, an
  // evidence chart and a runbook link.
  nlohmann::json alerts = GetJson("/api/alerts")["alerts"];
  std::vector<std::string> ids = Attributes(r.body, "data-alert-id");
  ASSERT_EQ(ids.size(), alerts.size());
  std::vector<std::string> values = Attributes(r.body, "data-value");
  for (size_t i = 0; i < alerts.size(); ++i) {
    EXPECT_EQ(ids[i], alerts[i]["id"]);
    EXPECT_NEAR(std::stod(values[i]), alerts[i]["value"].get<double>(), 1e-3) << ids[i];
  }
  size_t evidence = 0;
  for (size_t at = 0; (at = r.body.find("class=\"bullet evidence\"", at)) != std::string::npos; ++at) ++evidence;
  EXPECT_EQ(evidence, alerts.size());
  EXPECT_NE(r.body.find("runbooks.md#argusstuckloop"), std::string::npos);
  // The outage of domain legal is visible: a domain chart with 0 reviews in
  // the window, and a drop threshold drawn.
  EXPECT_NE(r.body.find("data-domain=\"legal\" data-window-reviews=\"0\""), std::string::npos);
  EXPECT_NE(r.body.find("class=\"threshold\""), std::string::npos);
  // Every view of one cycle gets the same page, rendered once.
  EXPECT_EQ(Get(port_, "/").body, r.body);
}

TEST_F(ServerTest, AgentPageIsTheFailureReportForAPerson) {
  for (const char* hours : {"", "?hours=6", "?hours=48"}) {
    HttpReply page = Get(port_, std::string("/agents/dax") + hours);
    ASSERT_EQ(page.status, 200) << hours;
    EXPECT_NE(page.headers.find("Content-Type: text/html"), std::string::npos);
    const nlohmann::json report = GetJson(std::string("/api/failure-report/dax") + hours);
    EXPECT_EQ(Attributes(page.body, "data-total-reviews").at(0), std::to_string(report["total_reviews"].get<int>()));
    EXPECT_EQ(Attributes(page.body, "data-total-rejections").at(0),
              std::to_string(report["total_rejections"].get<int>()));
    std::vector<std::string> reasons = Attributes(page.body, "data-reason");
    ASSERT_EQ(reasons.size(), report["top_reasons"].size()) << hours;
    for (size_t i = 0; i < reasons.size(); ++i) EXPECT_EQ(reasons[i], report["top_reasons"][i]["reason"]);
    size_t rows = 0;
    for (size_t at = 0; (at = page.body.find("<tr class=\"rejection\">", at)) != std::string::npos; ++at) ++rows;
    EXPECT_EQ(rows, report["recent_rejections"].size()) << hours;
  }
  HttpReply page = Get(port_, "/agents/dax");
  EXPECT_NE(page.body.find("data-item=\"claim-42\" data-attempts=\"5\""), std::string::npos);
  EXPECT_NE(page.body.find("data-alert-id=\"stuck_loop:dax\""), std::string::npos);
  // Bad input gets the same answers as the JSON report.
  EXPECT_EQ(Get(port_, "/agents/dax?hours=0").status, 400);
  EXPECT_EQ(Get(port_, "/agents/dax?days=1").status, 400);
  EXPECT_EQ(Get(port_, "/agents/").status, 400);
  EXPECT_EQ(Get(port_, "/agents/%FF").status, 400);
  // An agent named only with dots is asked for by query (a browser would
  // resolve "/agents/.." to "/").
  page = Get(port_, "/agents/?agent=..&hours=6");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-agent=\"..\" data-hours=\"6\""), std::string::npos);
  EXPECT_NE(page.body.find("href=\"/agents/?agent=..&amp;hours=24\""), std::string::npos);
  EXPECT_EQ(Get(port_, "/agents/?agent=..&days=1").status, 400);
  page = Get(port_, "/agents/?hours=6&agent=%2E%2E");  // any order, encoded
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-agent=\"..\" data-hours=\"6\""), std::string::npos);
  // An agent never seen has an empty report, not an error.
  page = Get(port_, "/agents/nobody");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("data-total-reviews=\"0\""), std::string::npos);
}

TEST_F(ServerTest, TheLegacyReportStaysJsonWhateverTheClientAccepts) {
  HttpReply r = SendRaw(port_,
                        "GET /api/failure-report/dax HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n"
                        "Connection: close\r\n\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type: application/json"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(r.body)["agent"], "dax");
}

// Behind a proxy at https://ops.example/argus/: the endpoints answer under
// /argus, nothing outside it, and every link on the pages points into it.
TEST_F(ServerTest, ARoutePrefixServesEverythingUnderItAndLinksThere) {
  HttpServer prefixed(*exporter_, *log_);
  prefixed.SetPaths({"/argus", "/argus/"});
  ASSERT_TRUE(prefixed.Start("127.0.0.1:0").ok());
  const int port = prefixed.port();
  EXPECT_EQ(Get(port, "/argus/-/healthy").status, 200);
  EXPECT_EQ(Get(port, "/argus/metrics").status, 200);
  EXPECT_EQ(Get(port, "/argus/api/alerts?agent=dax").status, 200);
  EXPECT_EQ(Get(port, "/argus/api/failure-report/dax").status, 200);
  for (const char* outside : {"/metrics", "/", "/argusx/metrics", "/api/alerts"}) {
    HttpReply r = Get(port, outside);
    EXPECT_EQ(r.status, 404) << outside;
    EXPECT_NE(r.body.find("Argus serves under /argus/"), std::string::npos) << r.body;
  }
  for (const char* page : {"/argus", "/argus/", "/argus/agents/dax"}) {
    HttpReply r = Get(port, page);
    ASSERT_EQ(r.status, 200) << page;
    int links = 0;
    for (const std::string& href : Attributes(r.body, "href")) {
      if (href.rfind("http", 0) == 0 || href.rfind("file:", 0) == 0 || href.rfind("data:", 0) == 0) continue;
      ++links;
      EXPECT_EQ(href.rfind("/argus/", 0), 0u) << page << " links to " << href;
      std::string target = href;
      for (size_t at; (at = target.find("&amp;")) != std::string::npos;) target.replace(at, 5, "&");
      EXPECT_EQ(Get(port, target).status, 200) << page << " links to " << href;
    }
    EXPECT_GE(links, 4) << page;
  }
  // Credentials are asked for under the prefix as anywhere else, and
  // /-/healthy is exempt only where it is served.
  WebConfig web;
  web.basic_auth_users["prom"] = "$2y$04$N.OT5/EV/6dMsR2eJwxhQO18G0J6mmyekjKHRhS/1tJJ/cBEJEz/u";  // scrape-me
  prefixed.SetAuth(std::make_shared<const BasicAuth>(std::move(web)));
  EXPECT_EQ(Get(port, "/argus/metrics").status, 401);
  EXPECT_EQ(Get(port, "/argus/agents/dax").status, 401);
  EXPECT_EQ(Get(port, "/argus/-/healthy").status, 200);
  EXPECT_EQ(Get(port, "/-/healthy").status, 404);
  for (const char* sneaky : {"/argus/../metrics", "/argus/%2e%2e/metrics", "/%61rgus/metrics", "/argus%2Fmetrics"}) {
    const int status = Get(port, sneaky).status;
    EXPECT_TRUE(status == 401 || status == 404 || status == 400) << sneaky << ": " << status;
  }
  prefixed.Stop();
}

TEST_F(ServerTest, ConcurrentRequestsAreAllServed) {
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&, i] {
      const char* target = i % 3 == 0 ? "/metrics" : i % 3 == 1 ? "/api/alerts" : "/check";
      if (Get(port_, target).status == 200) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 16);
}

}  // namespace
}  // namespace argus::testing
