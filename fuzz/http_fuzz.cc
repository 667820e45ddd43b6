// libFuzzer target: request handling after CivetWeb — the method, the path
// and the query string as a client sends them (Route: percent-decoding,
// parameter parsing, filters, failure reports, the status page) and the
// Authorization header (BasicAuth). Input: METHOD \n PATH \n QUERY \n AUTH.
// Every answer must be a well-formed status with a body; never a crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "exporter/serve/exporter.h"
#include "exporter/serve/http_routes.h"
#include "testing/memory_source.h"
#include "exporter/serve/web_config.h"

namespace {

using namespace argus;

Exporter& TheExporter() {
  static std::ostringstream* logs = new std::ostringstream;
  static Logger* log = new Logger(*logs, LogLevel::kError);
  static Exporter* exporter = [] {
    auto source = std::make_unique<MemorySource>();
    const char* agents[] = {"dax", "a/b", "caf\xc3\xa9", "x y"};
    for (int i = 0; i < 40; ++i) {
      const std::string at = "2026-11-28T0" + std::to_string(i % 10) + ":00:00Z";
      const int64_t id = source->AddSubmission(at, agents[i % 4], i % 2 ? "finance" : "health",
                                               "item-" + std::to_string(i % 3));
      source->AddReview(id, at, i % 3 ? "rejected" : "approved", i % 3 ? "missing_evidence" : "");
      source->AddCost(at, agents[i % 4], "m", 0.5);
    }
    auto* e = new Exporter(Config(), std::move(source), *ParseTimestamp("2026-11-28T10:00:00Z"), *log);
    e->RunCycle();
    return e;
  }();
  return *exporter;
}

std::string_view NextLine(std::string_view* rest) {
  const size_t end = rest->find('\n');
  std::string_view line = rest->substr(0, end);
  *rest = end == std::string_view::npos ? std::string_view() : rest->substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view method = NextLine(&rest), path = NextLine(&rest), query = NextLine(&rest);
  const std::string_view authorization = NextLine(&rest);
  HttpResponse r = Route(TheExporter(), method, path, query,
                         [] { return Status::Error("reload refused in the fuzzer"); });
  if (r.status < 200 || r.status > 599) __builtin_trap();
  if (r.body.empty() && !r.shared_body) __builtin_trap();
  static BasicAuth* auth = [] {
    WebConfig web;  // `htpasswd -nbBC 4 alice s3cret`
    web.basic_auth_users["alice"] = "$2y$04$EbGY7Moga/bt1x/99HRxOefGFnSsrvZNc7harP05RCoe2RMELnBQm";
    return new BasicAuth(std::move(web));
  }();
  // Only well-formed headers reach bcrypt (4 rounds; the cost is the hash's).
  (void)auth->Allows(authorization);
  std::string decoded;
  (void)UrlDecode(path, false, &decoded);
  return 0;
}
