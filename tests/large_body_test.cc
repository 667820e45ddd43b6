// Every endpoint's body of over 1 MB reaches the client whole, byte for
// byte, whether it keeps the connection alive, asks to close it, or speaks
// HTTP/1.0 (a server that reset the connection on close once cut them at
// 128,000 bytes); /metrics is gzip-compressed exactly when asked.
#include <gtest/gtest.h>
#include <zlib.h>

#include <sstream>
#include <thread>

#include "exporter/serve/exporter.h"
#include "exporter/serve/http_server.h"
#include "http_client.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

// Hands a TestPipeline's rows to the exporter, which owns its source.
class Borrowed : public PipelineSource {
 public:
  explicit Borrowed(MemorySource& inner) : inner_(inner) {}
  Status ReadSubmissions(const ReadRequest& q, const std::function<void(const SubmissionRow&)>& v,
                         ReadStats* s) override {
    return inner_.ReadSubmissions(q, v, s);
  }
  Status ReadReviews(const ReadRequest& q, const std::function<void(const ReviewRow&)>& v,
                     ReadStats* s) override {
    return inner_.ReadReviews(q, v, s);
  }
  Status ReadCosts(const ReadRequest& q, const std::function<void(const CostRow&)>& v,
                   ReadStats* s) override {
    return inner_.ReadCosts(q, v, s);
  }
  Status MaxIds(int64_t* s, int64_t* r, int64_t* c) override { return inner_.MaxIds(s, r, c); }

 private:
  MemorySource& inner_;
};

std::string Gunzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out;
  char buf[65536];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

class LargeBodyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = new TestPipeline;
    // 2,500 agents with long names, each idle for 7 hours: a gauge line and
    // a dormancy alert apiece.
    for (int i = 0; i < 2500; ++i) {
      pipeline_->Activity("agent-" + std::to_string(i) + "-" + std::string(180, 'x'), 7 * kHour);
    }
    // One agent rejected for 6,000 different reasons in 3,000 domains: a
    // failure report over 1 MB.
    for (int i = 0; i < 6000; ++i) {
      pipeline_->Review("dax", "domain-" + std::to_string(i % 3000) + std::string(100, 'd'),
                        kHour + i * kSecond, false, "reason-" + std::to_string(i) + std::string(150, 'r'));
    }
    log_stream_ = new std::ostringstream;
    log_ = new Logger(*log_stream_, LogLevel::kError);
    Config config;
    config.interval = kHour;
    exporter_ = new Exporter(std::move(config), std::make_unique<Borrowed>(pipeline_->source()), kNow, *log_);
    exporter_->RunCycle();
    server_ = new HttpServer(*exporter_, *log_);
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
    port_ = server_->port();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete exporter_;
    delete log_;
    delete log_stream_;
    delete pipeline_;
  }

  static TestPipeline* pipeline_;
  static std::ostringstream* log_stream_;
  static Logger* log_;
  static Exporter* exporter_;
  static HttpServer* server_;
  static int port_;
};

TestPipeline* LargeBodyTest::pipeline_;
std::ostringstream* LargeBodyTest::log_stream_;
Logger* LargeBodyTest::log_;
Exporter* LargeBodyTest::exporter_;
HttpServer* LargeBodyTest::server_;
int LargeBodyTest::port_;

std::string Request(const std::string& target, const std::string& version,
                    const std::string& headers) {
  return "GET " + target + " " + version + "\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

TEST_F(LargeBodyTest, EveryEndpointArrivesWholeWithAnyConnectionHandling) {
  for (const std::string target :
       {"/metrics", "/check", "/api/alerts", "/", "/api/failure-report/dax", "/agents/dax"}) {
    SCOPED_TRACE(target);
    // Twice on one keep-alive connection: the second reply starts exactly
    // where the first one's Content-Length ends.
    const std::vector<HttpReply> kept =
        SendKeepAlive(port_, {Request(target, "HTTP/1.1", ""), Request(target, "HTTP/1.1", "")});
    ASSERT_EQ(kept.size(), 2u);
    const HttpReply closed = SendRaw(port_, Request(target, "HTTP/1.1", "Connection: close\r\n"), 15000);
    const HttpReply old = SendRaw(port_, Request(target, "HTTP/1.0", ""), 15000);
    for (const HttpReply* r : {&kept[0], &kept[1], &closed, &old}) {
      EXPECT_EQ(r->status, 200);
      const size_t at = r->headers.find("Content-Length: ");
      ASSERT_NE(at, std::string::npos);
      EXPECT_EQ(std::stoull(r->headers.substr(at + 16)), r->body.size());
    }
    // The pages show at most so many alerts, domains and agents: large, and
    // still far below the megabyte of the others with 2,500 alerts.
    const bool page = target == "/" || target == "/agents/dax";
    EXPECT_GE(kept[0].body.size(), page ? 256u << 10 : 1u << 20);
    if (target == "/") EXPECT_LE(kept[0].body.size(), 1u << 20);
    if (std::string(target) != "/check") {  // /check runs a cycle: checked_at stays, timings do not
      EXPECT_TRUE(kept[0].body == kept[1].body);
      EXPECT_TRUE(kept[0].body == closed.body) << closed.body.size() << " of " << kept[0].body.size();
      EXPECT_TRUE(kept[0].body == old.body) << old.body.size() << " of " << kept[0].body.size();
    } else {
      EXPECT_EQ(closed.body.size(), kept[0].body.size());
      EXPECT_EQ(old.body.size(), kept[0].body.size());
    }
    if (std::string(target) == "/metrics") {
      EXPECT_TRUE(kept[0].body == exporter_->Latest()->metrics_text);
    } else if (page) {
      EXPECT_NE(old.body.find("</html>"), std::string::npos);
    } else {
      EXPECT_FALSE(nlohmann::json::parse(old.body, nullptr, false).is_discarded());
    }
  }
}

// The status page is gzipped for a browser that takes it: the same page,
// made once per cycle.
TEST_F(LargeBodyTest, TheStatusPageIsGzippedWhenAskedAndIsTheSamePage) {
  const HttpReply plain = SendRaw(port_, Request("/", "HTTP/1.1", "Connection: close\r\n"));
  const HttpReply zipped =
      SendRaw(port_, Request("/", "HTTP/1.1", "Accept-Encoding: gzip\r\nConnection: close\r\n"));
  ASSERT_EQ(plain.status, 200);
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(plain.headers.find("Content-Encoding"), std::string::npos);
  EXPECT_NE(zipped.headers.find("Content-Encoding: gzip"), std::string::npos);
  EXPECT_LT(zipped.body.size(), plain.body.size() / 4);
  EXPECT_TRUE(Gunzip(zipped.body) == plain.body);
}

TEST_F(LargeBodyTest, MetricsAreGzippedWhenAskedAndOnlyThen) {
  const std::string& plain = exporter_->Latest()->metrics_text;
  ASSERT_GE(plain.size(), 1u << 20);
  for (const std::string accept : {"gzip", "deflate, gzip;q=0.5", "GZIP", "*", "br;q=1, x-gzip", "gzip;level=1;q=0.3"}) {
    SCOPED_TRACE(accept);
    const HttpReply r =
        SendRaw(port_, Request("/metrics", "HTTP/1.1", "Accept-Encoding: " + accept + "\r\nConnection: close\r\n"));
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.headers.find("Content-Encoding: gzip"), std::string::npos);
    EXPECT_NE(r.headers.find("Vary: Accept-Encoding"), std::string::npos);
    EXPECT_LT(r.body.size(), plain.size() / 4);
    EXPECT_TRUE(Gunzip(r.body) == plain);
  }
  for (const std::string accept : {"", "Accept-Encoding: identity\r\n", "Accept-Encoding: gzip;q=0\r\n",
                                   "Accept-Encoding: deflate, br\r\n", "Accept-Encoding: *, gzip;q=0\r\n",
                                   "Accept-Encoding: gzip;foo=1;q=0\r\n"}) {
    SCOPED_TRACE(accept);
    const HttpReply r = SendRaw(port_, Request("/metrics", "HTTP/1.0", accept));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.find("Content-Encoding"), std::string::npos);
    EXPECT_TRUE(r.body == plain);
  }
  // JSON endpoints are never compressed.
  const HttpReply alerts =
      SendRaw(port_, Request("/api/alerts", "HTTP/1.0", "Accept-Encoding: gzip\r\n"), 15000);
  EXPECT_EQ(alerts.headers.find("Content-Encoding"), std::string::npos);
}

}  // namespace
}  // namespace argus::testing
