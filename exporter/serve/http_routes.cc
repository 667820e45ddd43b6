#include "exporter/serve/http_routes.h"

#include <civetweb.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "exporter/serve/exporter.h"
#include "exporter/serve/pipelines.h"

namespace argus {
namespace {

constexpr std::string_view kReportPrefix = "/api/failure-report/";
constexpr std::string_view kAgentPrefix = "/agents/";


std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse Json(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = Dump(body) + "\n";
  return r;
}

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// Splits and decodes a query string. Fails on a malformed encoding, a
// repeated or unknown key, or too many keys.
bool ParseQuery(std::string_view query, const std::set<std::string, std::less<>>& allowed,
                std::map<std::string, std::string>* out, std::string* error) {
  size_t count = 0;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > kMaxQueryParams) {
      *error = "too many query parameters";
      return false;
    }
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!UrlDecode(pair.substr(0, eq), true, &key) ||
        (eq != std::string_view::npos && !UrlDecode(pair.substr(eq + 1), true, &value))) {
      *error = "malformed percent-encoding in the query string";
      return false;
    }
    if (!allowed.count(key)) {
      std::string names;
      for (const auto& a : allowed) names += (names.empty() ? "" : ", ") + a;
      *error = "unknown query parameter '" + ValidUtf8(key.substr(0, 64)) + "'" +
               (allowed.empty() ? std::string(": this endpoint takes none")
                                : "; known: " + names);
      return false;
    }
    if (out->count(key)) {
      *error = "query parameter '" + key + "' given more than once";
      return false;
    }
    (*out)[key] = value;
  }
  return true;
}

// Why a name from the client cannot be one, if it cannot.
std::optional<std::string> BadName(const std::string& what, const std::string& value) {
  if (value.size() > kMaxNameBytes) {
    return what + " is longer than " + std::to_string(kMaxNameBytes) + " bytes";
  }
  if (!IsValidUtf8(value) || value.find('\0') != std::string::npos) {
    return what + " is not valid UTF-8 text";
  }
  return std::nullopt;
}

// A JSON endpoint's answer before it is serialized, so that the answers of
// several pipelines can be put together (AllPipelines).
struct JsonReply {
  int status;
  nlohmann::json body;
};

JsonReply JsonError(int status, const std::string& message) { return {status, {{"error", message}}}; }

JsonReply Alerts(Exporter& exporter, std::string_view query) {
  std::map<std::string, std::string> params;
  std::string error;
  if (!ParseQuery(query, {"severity", "category", "agent", "domain", "check"}, &params, &error)) {
    return JsonError(400, error);
  }
  auto get = [&](const char* key) { return params.count(key) ? params[key] : std::string(); };
  const std::string severity = get("severity"), category = get("category"), check = get("check");
  const std::string agent = get("agent"), domain = get("domain");
  if (!severity.empty() && !ParseSeverity(severity)) {
    return JsonError(400, "unknown severity '" + ValidUtf8(severity.substr(0, 64)) +
                                  "'; known: critical, warning, info");
  }
  if (!category.empty()) {
    const std::vector<std::string> known = CheckCategories();
    if (std::find(known.begin(), known.end(), category) == known.end()) {
      std::string names;
      for (const std::string& c : known) names += (names.empty() ? "" : ", ") + c;
      return JsonError(400, "unknown category '" + ValidUtf8(category.substr(0, 64)) +
                                    "'; known: " + names);
    }
  }
  if (!check.empty() && !exporter.config()->FindCheck(check)) {
    std::string names;
    for (const auto& c : exporter.config()->checks) names += (names.empty() ? "" : ", ") + std::string(c->id());
    return JsonError(400, "unknown check '" + ValidUtf8(check.substr(0, 64)) + "'; known: " + names);
  }
  if (auto bad = BadName("agent", agent)) return JsonError(400, *bad);
  if (auto bad = BadName("domain", domain)) return JsonError(400, *bad);

  nlohmann::json alerts = nlohmann::json::array();
  auto latest = exporter.Latest();
  if (latest) {
    for (const nlohmann::json& a : latest->check_body["alerts"]) {
      if (!severity.empty() && a["severity"] != severity) continue;
      if (!category.empty() && a["category"] != category) continue;
      if (!check.empty() && a["check"] != check) continue;
      if (!agent.empty() && a["agent"] != agent) continue;
      if (!domain.empty() && a["domain"] != domain) continue;
      alerts.push_back(a);
    }
  }
  const size_t total = alerts.size();
  nlohmann::json body = {{"alerts", std::move(alerts)},
                         {"total", total},
                         {"last_check", latest ? nlohmann::json(latest->checked_at) : nlohmann::json()}};
  // Blind is never "all clear": before the first cycle, and when a check
  // the filter covers could not run, the answer is 503, with why, and the
  // alerts of each such check's last good run (as the Python service kept
  // its alerts when a check failed).
  if (!latest) {
    body["error"] = "no check cycle has completed yet";
    return {503, std::move(body)};
  }
  const CycleResult& r = latest->result;
  nlohmann::json errors = nlohmann::json::object();
  for (const CheckRun& run : r.runs) {
    if (!run.error.empty() && (check.empty() || run.check == check)) errors[run.check] = run.error;
  }
  if (!errors.empty()) {
    body["error"] = !r.database_error.empty() ? r.database_error : errors.begin()->get<std::string>();
    body["errors"] = std::move(errors);
    if (latest->check_body.contains("kept_from")) body["kept_from"] = latest->check_body["kept_from"];
    return {503, std::move(body)};
  }
  return {200, std::move(body)};
}

// The agent and period of a failure report (the JSON one or the page):
// the agent from the rest of the path, `hours` from the query.
std::optional<HttpResponse> ReportRequest(std::string_view raw_agent, std::string_view query,
                                          const char* route, std::string* agent, int* hours) {
  if (!UrlDecode(raw_agent, false, agent)) {
    return ErrorResponse(400, "malformed percent-encoding in the agent name");
  }
  if (agent->empty()) return ErrorResponse(400, std::string("agent name missing: ") + route);
  if (auto bad = BadName("agent name", *agent)) return ErrorResponse(400, *bad);
  std::map<std::string, std::string> params;
  std::string error;
  if (!ParseQuery(query, {"hours"}, &params, &error)) return ErrorResponse(400, error);
  *hours = kDefaultReportHours;
  if (params.count("hours")) {
    const std::string& text = params["hours"];
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *hours);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        *hours < kMinReportHours || *hours > kMaxReportHours) {
      return ErrorResponse(400, "hours must be a whole number from 1 to 720, not '" +
                                    ValidUtf8(text.substr(0, 32)) + "'");
    }
  }
  return std::nullopt;
}

HttpResponse Report(Exporter& exporter, std::string_view raw_agent, std::string_view query) {
  std::string agent;
  int hours;
  if (auto bad = ReportRequest(raw_agent, query, "/api/failure-report/{agent}", &agent, &hours)) return *bad;
  FailureReportResult r = exporter.Report(agent, hours);
  if (!r.status.ok()) return ErrorResponse(503, r.status.message());
  return Json(200, r.report);
}

JsonReply RunCheckNow(Exporter& exporter, std::string_view query) {
  std::map<std::string, std::string> params;
  std::string error;
  if (!ParseQuery(query, {}, &params, &error)) return JsonError(400, error);
  auto published = exporter.RunCycle();
  const CycleResult& r = published->result;
  if (r.any_check_failed() || !r.database_ok()) {
    nlohmann::json body = published->check_body;
    body["error"] = !r.database_error.empty() ? r.database_error
                                              : body["errors"].begin()->get<std::string>();
    return {503, std::move(body)};
  }
  return {200, published->check_body};
}

}  // namespace

HttpResponse ErrorResponse(int status, const std::string& message) {
  return Json(status, {{"error", message}});
}

bool UrlDecode(std::string_view in, bool form, std::string* out) {
  out->assign(in.size() + 1, '\0');
  const int n = mg_url_decode(in.data(), static_cast<int>(in.size()), out->data(),
                              static_cast<int>(out->size()), form ? 1 : 0);
  if (n < 0) return false;
  out->resize(n);
  // CivetWeb passes a '%' that starts no valid escape through unchanged;
  // Argus refuses it instead of guessing.
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') continue;
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return false;
    }
  }
  return true;
}

HttpResponse Route(Exporter& exporter, std::string_view method, std::string_view path,
                   std::string_view query, const ReloadFn& reload, const WebPaths& paths) {
  if (path == "/-/reload") {
    if (method != "POST" && method != "PUT") {
      HttpResponse r = ErrorResponse(405, "/-/reload takes POST or PUT");
      r.headers.push_back({"Allow", "POST, PUT"});
      return r;
    }
    if (!reload) {
      return ErrorResponse(403, "the lifecycle API is not enabled: start Argus with "
                                "--web.enable-lifecycle, or send it SIGHUP");
    }
    if (!query.empty()) return ErrorResponse(400, "/-/reload takes no parameters");
    Status s = reload();
    if (!s.ok()) {
      return ErrorResponse(500, "configuration not reloaded; the previous one stays in force: " +
                                    ValidUtf8(s.message()));
    }
    return Text(200, "Configuration reloaded.\n");
  }
  if (method != "GET") {
    HttpResponse r = ErrorResponse(405, "method " + ValidUtf8(method.substr(0, 16)) +
                                            " is not allowed; Argus answers GET only");
    r.headers.push_back({"Allow", "GET, HEAD"});
    return r;
  }
  // The pages that take no parameters refuse any, as the others refuse
  // unknown ones.
  if (path == "/metrics" || path == "/-/healthy" || path == "/-/ready" || path == "/") {
    std::map<std::string, std::string> params;
    std::string error;
    if (!ParseQuery(query, {}, &params, &error)) return ErrorResponse(400, error);
  }
  if (path == "/metrics") {
    auto latest = exporter.Latest();
    if (!latest) return ErrorResponse(503, "no check cycle has completed yet");
    HttpResponse r;
    r.shared_body = std::shared_ptr<const std::string>(latest, &latest->metrics_text);
    r.gzip_body = [latest] { return latest->MetricsGzip(); };
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (path == "/check" || path == "/api/alerts") {
    const JsonReply r = path == "/check" ? RunCheckNow(exporter, query) : Alerts(exporter, query);
    return Json(r.status, r.body);
  }
  if (path.substr(0, kReportPrefix.size()) == kReportPrefix) {
    return Report(exporter, path.substr(kReportPrefix.size()), query);
  }
  if (path == "/api/failure-report" || path == "/api/failure-report/") {
    return ErrorResponse(400, "agent name missing: /api/failure-report/{agent}");
  }
  if ((path == kAgentPrefix || path == "/agents") && !query.empty()) {
    // An agent named only with dots, whose path a browser would resolve
    // away: /agents/?agent=..&hours=N, the parameters in any order.
    std::map<std::string, std::string> params;
    std::string error;
    if (!ParseQuery(query, {"agent", "hours"}, &params, &error)) return ErrorResponse(400, error);
    std::string hours_query = params.count("hours") ? "hours=" + PercentEncode(params["hours"]) : "";
    std::string agent;
    int hours;
    if (auto bad = ReportRequest(PercentEncode(params["agent"]), hours_query, "/agents/{agent}", &agent, &hours)) {
      return *bad;
    }
    return AgentPage(exporter, agent, hours, paths);
  }
  if (path.substr(0, kAgentPrefix.size()) == kAgentPrefix) {
    std::string agent;
    int hours;
    if (auto bad = ReportRequest(path.substr(kAgentPrefix.size()), query, "/agents/{agent}", &agent, &hours)) {
      return *bad;
    }
    return AgentPage(exporter, agent, hours, paths);
  }
  if (path == "/agents") return ErrorResponse(400, "agent name missing: /agents/{agent}");
  if (path == "/-/healthy") return Text(200, "Argus is Healthy.\n");
  if (path == "/-/ready") {
    if (exporter.Latest()) return Text(200, "Argus is Ready.\n");
    return Text(503, "Argus is not ready: no check cycle has completed yet.\n");
  }
  if (path == "/") {
    HttpResponse r;
    StatusPageBodies bodies = RenderStatusPage(exporter, paths);  // one page per cycle, shared
    r.shared_body = std::move(bodies.page);
    r.gzip_body = std::move(bodies.gzip);
    r.content_type = "text/html; charset=utf-8";
    return r;
  }
  return ErrorResponse(404, "no such path: " + ValidUtf8(path.substr(0, 128)) +
                                "; see / for what Argus serves");
}

namespace {

constexpr std::string_view kPipelinesPrefix = "/pipelines/";

// Takes `key` out of a raw query string: its decoded value into `value`
// (and true) when present once; the rest of the query into `rest`.
bool TakeParam(std::string_view query, std::string_view key, std::string* value, std::string* rest,
               bool* found_out, std::string* error) {
  bool& found = *found_out;
  found = false;
  rest->clear();
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string name;
    if (!pair.empty() && UrlDecode(pair.substr(0, eq), true, &name) && name == key) {
      if (found) {
        *error = "query parameter '" + std::string(key) + "' given twice";
        return false;
      }
      if (!UrlDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true, value)) {
        *error = "malformed percent-encoding in the query string";
        return false;
      }
      found = true;
      continue;
    }
    if (!pair.empty()) *rest += (rest->empty() ? "" : "&") + std::string(pair);
  }
  if (!found) value->clear();
  return true;
}

HttpResponse NoSuchPipeline(const Pipelines& pipelines, const std::string& name) {
  return ErrorResponse(404, "no pipeline named '" + ValidUtf8(name.substr(0, 64)) +
                                "'; configured: " + pipelines.Names());
}

// /api/alerts or /check of every pipeline in one body: each pipeline's
// answer as Route gives it, its alerts named with their pipeline and put
// together; 503 when any pipeline's is (never "all clear" for a blind one).
HttpResponse AllPipelines(Pipelines& pipelines, std::string_view path, std::string_view query) {
  nlohmann::json alerts = nlohmann::json::array();
  nlohmann::json by_pipeline = nlohmann::json::object();
  int status = 200;
  for (const Pipelines::Member& m : pipelines.members()) {
    JsonReply r = path == "/check" ? RunCheckNow(*m.exporter, query) : Alerts(*m.exporter, query);
    if (r.status == 400) return Json(r.status, r.body);  // a bad filter is bad for all
    for (nlohmann::json& a : r.body["alerts"]) {
      a["pipeline"] = m.name;
      alerts.push_back(std::move(a));
    }
    r.body.erase("alerts");
    r.body["status"] = r.status;
    by_pipeline[m.name] = std::move(r.body);
    if (r.status != 200) status = 503;
  }
  nlohmann::json body = {{"alerts", alerts}, {"total", alerts.size()}, {"pipelines", by_pipeline}};
  if (status != 200) body["error"] = "not every pipeline could be read: see pipelines";
  return Json(status, body);
}

// The page listing the pipelines (it takes no parameters).
HttpResponse IndexPage(const Pipelines& pipelines, std::string_view query, const WebPaths& paths) {
  std::map<std::string, std::string> params;
  std::string error;
  if (!ParseQuery(query, {}, &params, &error)) return ErrorResponse(400, error);
  HttpResponse r;
  r.body = PipelinesPage(pipelines, paths);
  r.content_type = "text/html; charset=utf-8";
  return r;
}

}  // namespace

HttpResponse Route(Pipelines& pipelines, std::string_view method, std::string_view path,
                   std::string_view query, const ReloadFn& reload, const WebPaths& paths) {
  if (pipelines.size() == 1 && !pipelines.labelled()) {
    return Route(*pipelines.members().front().exporter, method, path, query, reload, paths);
  }
  // What does not belong to one pipeline.
  if (path == "/-/reload" || method != "GET" || path == "/-/healthy") {
    return Route(*pipelines.members().front().exporter, method, path, query, reload, paths);
  }
  if (path == "/metrics" || path == "/-/ready") {
    std::map<std::string, std::string> params;
    std::string error;
    if (!ParseQuery(query, {}, &params, &error)) {
      return ErrorResponse(400, error + (path == "/metrics" ? "; one pipeline's metrics are at /pipelines/NAME/metrics" : ""));
    }
    if (path == "/-/ready") {
      return pipelines.Ready() ? Text(200, "Argus is Ready.\n")
                               : Text(503, "Argus is not ready: not every pipeline has completed a check cycle.\n");
    }
    Pipelines::Metrics metrics = pipelines.MergedMetrics();
    if (!metrics.text) return ErrorResponse(503, "no pipeline has completed a check cycle yet");
    HttpResponse r;
    r.shared_body = std::move(metrics.text);
    r.gzip_body = std::move(metrics.gzip);
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  // One pipeline: by its path, /pipelines/NAME/..., or ?pipeline=NAME.
  std::string name, rest_query, error;
  std::string_view rest_path = path;
  bool named = false;
  if (path == "/pipelines" || path == "/pipelines/") return IndexPage(pipelines, query, paths);
  if (path.substr(0, kPipelinesPrefix.size()) == kPipelinesPrefix) {
    std::string_view tail = path.substr(kPipelinesPrefix.size());
    const size_t slash = tail.find('/');
    if (!UrlDecode(tail.substr(0, slash), false, &name)) {
      return ErrorResponse(400, "malformed percent-encoding in the pipeline name");
    }
    rest_path = slash == std::string_view::npos ? std::string_view("/") : tail.substr(slash);
    rest_query = std::string(query);
    named = true;
  } else {
    if (!TakeParam(query, "pipeline", &name, &rest_query, &named, &error)) return ErrorResponse(400, error);
  }
  if (named) {
    Exporter* exporter = pipelines.Find(name);
    if (!exporter) return NoSuchPipeline(pipelines, name);
    WebPaths scoped = paths;
    scoped.base = paths.base + "pipelines/" + PercentEncode(name) + "/";
    return Route(*exporter, method, rest_path, rest_query, reload, scoped);
  }
  if (pipelines.size() == 1) return Route(*pipelines.members().front().exporter, method, path, query, reload, paths);
  // Several pipelines, none named.
  if (path == "/") return IndexPage(pipelines, query, paths);
  if (path == "/api/alerts" || path == "/check") return AllPipelines(pipelines, path, query);
  if (path.substr(0, kReportPrefix.size()) == kReportPrefix ||
      path.substr(0, kAgentPrefix.size()) == kAgentPrefix || path == "/agents") {
    return ErrorResponse(400, "Argus watches several pipelines (" + pipelines.Names() +
                                  "): name one, with ?pipeline=NAME or under /pipelines/NAME/");
  }
  return Route(*pipelines.members().front().exporter, method, path, query, reload, paths);
}

}  // namespace argus
