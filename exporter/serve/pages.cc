#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "exporter/engine/rules.h"
#include "exporter/serve/charts.h"
#include "exporter/serve/exporter.h"
#include "exporter/serve/pipelines.h"
#include "exporter/serve/http_routes.h"

namespace argus {

std::string HtmlEscape(std::string_view text) {
  const std::string valid = ValidUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    const char c = valid[i];
    // The bidirectional overrides and isolates (U+202A..U+202E,
    // U+2066..U+2069) would turn the rest of a line around, and control
    // characters are not HTML text: each shows as U+FFFD.
    const auto u = [&](size_t k) { return static_cast<unsigned char>(valid[i + k]); };
    if (c == '\xE2' && i + 2 < valid.size() &&
        ((u(1) == 0x80 && u(2) >= 0xAA && u(2) <= 0xAE) || (u(1) == 0x81 && u(2) >= 0xA6 && u(2) <= 0xA9))) {
      out += "\xEF\xBF\xBD";
      i += 2;
      continue;
    }
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == '\x7F') {
      out += "\xEF\xBF\xBD";
      continue;
    }
    if (c == '\xC2' && i + 1 < valid.size() && u(1) >= 0x80 && u(1) <= 0x9F) {  // C1 controls
      out += "\xEF\xBF\xBD";
      i += 1;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:1.5em 2em;color:#222;max-width:1400px}"
    "h1{margin:.2em 0}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse}td,th{padding:.3em .6em;border-bottom:1px solid #e4e4e4;"
    "text-align:left;vertical-align:middle}th{font-weight:600;font-size:.9em;color:#555}"
    ".critical{color:#b00020}.warning{color:#a05a00}.info{color:#1565c0}.muted{color:#777}"
    "tr.alert td:first-child{font-weight:600;text-transform:uppercase;font-size:.8em}"
    ".blind{background:#fde8ea;border:1px solid #b00020;padding:.6em 1em}"
    "nav a{margin-right:1em}.num{text-align:right;font-variant-numeric:tabular-nums}"
    "figure{margin:.5em 0 1em}figcaption{font-size:.85em;color:#555}"
    ".domains{display:flex;flex-wrap:wrap;gap:0 2em}.domains figure{max-width:440px}"
    "svg text{font-size:10px;fill:#777}svg .bars{stroke:#5b8def}svg .window{fill:#fff4d6}"
    "svg .baseline{stroke:#555;stroke-width:1.5;stroke-dasharray:4 3}"
    "svg .threshold{stroke:#d32f2f;stroke-width:1.5;stroke-dasharray:2 2}"
    "svg .axis{stroke:#bbb}svg .track{fill:#eee}svg .value{fill:#5b8def}"
    ".alert svg .value{fill:#e57373}svg.spark polyline{fill:none;stroke:#5b8def;stroke-width:1.2}"
    ".legend{font-size:.8em;color:#555}.bar{display:inline-block;height:.8em;background:#e57373;"
    "vertical-align:middle;margin-right:.4em}pre.note{white-space:pre-wrap;margin:0;font:inherit}"
    "ul.reasons{list-style:none;padding:0}ul.reasons li{margin:.2em 0}";

std::string Head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         // No icon to fetch: a browser would otherwise ask for /favicon.ico.
         "<link rel=\"icon\" href=\"data:,\">"
         "<title>" + HtmlEscape(title) + "</title><style>" + kStyle + "</style></head>\n";
}

std::string Nav(const WebPaths& paths, const Config& config) {
  const std::string b = HtmlEscape(paths.base);
  return "<nav><a href=\"" + b + "\">Status</a><a href=\"" + b + "metrics\">Metrics</a>"
         "<a href=\"" + b + "api/alerts\">Alerts (JSON)</a><a href=\"" + HtmlEscape(config.dashboard_url) +
         "\">Grafana dashboard</a><a href=\"" + HtmlEscape(config.runbook_base_url) +
         "\">Runbooks</a></nav>\n";
}

// A browser removes "." and ".." path segments (written %2E too) before it
// asks: an agent named only with dots is asked for by query instead.
bool OnlyDots(const std::string& name) { return name.find_first_not_of('.') == std::string::npos; }

std::string AgentHref(const WebPaths& paths, const std::string& agent) {
  if (OnlyDots(agent)) return HtmlEscape(paths.base) + "agents/?agent=" + PercentEncode(agent);
  return HtmlEscape(paths.base) + "agents/" + PercentEncode(agent);
}

// The link to another period of the same page.
std::string AgentPeriodHref(const WebPaths& paths, const std::string& agent, int hours) {
  return AgentHref(paths, agent) + (OnlyDots(agent) ? "&amp;" : "?") + "hours=" + std::to_string(hours);
}

// The gauges of one cycle, by metric and labels.
class Gauges {
 public:
  explicit Gauges(const std::vector<Sample>& samples) {
    for (const Sample& s : samples) values_[Key(s.metric, s.labels)] = s.value;
  }
  std::optional<double> Get(const std::string& metric,
                            const std::vector<std::pair<std::string, std::string>>& labels) const {
    auto it = values_.find(Key(metric, labels));
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

 private:
  static std::string Key(const std::string& metric,
                         std::vector<std::pair<std::string, std::string>> labels) {
    std::sort(labels.begin(), labels.end());
    std::string key = metric;
    for (const auto& [k, v] : labels) key += '\0' + k + '\0' + v;
    return key;
  }
  std::map<std::string, double> values_;
};

// What an alert measured; its value against its threshold when its check
// said nothing more.
Evidence EvidenceOf(const Alert& a) {
  if (a.evidence) return *a.evidence;
  return {"value", Unit::kCount, a.value.value_or(0), std::nullopt, a.threshold};
}

// The check that publishes `gauge`, if enabled.
const Check* Publisher(const Config& config, const std::string& gauge) {
  for (const auto& check : config.checks) {
    if (!check->enabled) continue;
    for (const GaugeInfo& g : check->Gauges()) {
      if (g.metric == gauge) return check.get();
    }
  }
  return nullptr;
}

std::string Age(Millis since, Millis now) {
  const Millis age = std::max<Millis>(0, now - since);
  if (age < kMinute) return "just raised";
  if (age < kHour) return std::to_string(age / kMinute) + "m";
  if (age < 2 * kDay) return std::to_string(age / kHour) + "h " + std::to_string(age % kHour / kMinute) + "m";
  return std::to_string(age / kDay) + "d " + std::to_string(age % kDay / kHour) + "h";
}

std::string BlindBanner(const CycleResult& r) {
  if (!r.any_check_failed() && r.database_ok()) return "";
  // Above everything: what is shown is not what is happening now.
  std::string html = "<div class=\"blind\"><p class=\"critical\"><strong>Argus cannot see the pipeline:</strong> " +
                     HtmlEscape(r.database_error.empty() ? "a check could not run" : r.database_error) +
                     "</p>\n<ul class=\"critical\">\n";
  for (const CheckRun& run : r.runs) {
    if (run.error.empty()) continue;
    html += "<li>" + HtmlEscape(run.check) + ": " +
            (run.kept_from ? "showing its last good results, of " + HtmlEscape(FormatTimestamp(*run.kept_from))
                           : std::string("no successful run yet: its alerts are unknown")) +
            "</li>\n";
  }
  return html + "</ul></div>\n";
}

std::string AlertRows(const Published& p, const Config& config, const WebPaths& paths,
                      const std::vector<const Alert*>& alerts) {
  std::string html =
      "<table><tr><th>severity</th><th>alert</th><th>message</th><th>evidence</th>"
      "<th title=\"since the first cycle of this Argus process that raised it, without a break\">"
      "seen for</th><th>runbook</th></tr>\n";
  for (const Alert* a : alerts) {
    const std::string severity(SeverityName(a->severity));
    const Evidence e = EvidenceOf(*a);
    std::string title = e.what + ": " + Human(e.window, e.unit);
    if (e.baseline) title += ", baseline " + Human(*e.baseline, e.unit);
    if (e.threshold) title += ", threshold " + Human(*e.threshold, e.unit);
    auto since = p.raised_since.find(a->id());
    html += "<tr class=\"alert " + severity + "\" data-alert-id=\"" + HtmlEscape(a->id()) +
            "\" data-value=\"" + DataNumber(a->value.value_or(0)) + "\" data-threshold=\"" +
            DataNumber(a->threshold) + "\"><td class=\"" + severity + "\">" + severity + "</td><td>" +
            HtmlEscape(a->check) + "<br>";
    if (a->agent) {
      html += "<a href=\"" + AgentHref(paths, *a->agent) + "\">" + HtmlEscape(*a->agent) + "</a>";
    } else {
      html += HtmlEscape(a->scope);
    }
    html += "</td><td>" + HtmlEscape(a->message) + "</td><td>" +
            Bullet(e.window, e.baseline, e.threshold, e.unit, title, 160, 22, "bullet evidence") + "<br><span class=\"legend\">" +
            HtmlEscape(title) + "</span></td><td class=\"age\">" +
            (since == p.raised_since.end() ? std::string("–") : Age(since->second, p.result.now)) +
            "</td><td><a class=\"runbook\" href=\"" +
            HtmlEscape(config.runbook_base_url + (a->rule.empty() ? "" : "#" + RunbookAnchor(a->rule))) +
            "\">" + HtmlEscape(a->rule.empty() ? "runbooks" : a->rule) + "</a></td></tr>\n";
  }
  return html + "</table>\n";
}

// The throughput check's window and its baseline for one scope (no domain:
// the pipeline), per hour, as the guides of a chart of reviews per hour.
struct ThroughputView {
  std::optional<double> window_reviews;
  std::vector<Guide> guides;
  std::string caption;
  int window_hours = 0;
};

ThroughputView Throughput(const Gauges& g, const Config& config, const std::optional<std::string>& domain) {
  ThroughputView v;
  std::vector<std::pair<std::string, std::string>> labels;
  if (domain) labels.push_back({"domain", *domain});
  v.window_reviews = g.Get("throughput_reviews", labels);
  const Check* check = Publisher(config, "throughput_reviews");
  const auto window_ms = check ? check->Value("window") : std::nullopt;
  if (!window_ms) return v;
  const double hours = *window_ms / kHour;
  v.window_hours = static_cast<int>(std::max(1.0, hours));
  const auto mean = g.Get("throughput_baseline_mean_reviews", labels);
  const auto sd = g.Get("throughput_baseline_stddev_reviews", labels);
  const auto low = g.Get("throughput_drop_threshold_reviews", labels);
  const auto period = g.Get("throughput_baseline_period_seconds", labels);
  if (v.window_reviews) {
    v.caption = "last " + FormatDuration(static_cast<Millis>(*window_ms)) + ": " +
                Human(*v.window_reviews, Unit::kCount) + " reviews";
  }
  if (mean && sd) {
    v.guides.push_back({*mean / hours, "baseline: " + Human(*mean / hours, Unit::kCount) + " per hour"});
    const std::string which = !period || *period == 0 ? "flat baseline"
                              : *period >= 7 * 86400  ? "same hours of previous weeks"
                                                      : "same hours of previous days";
    v.caption += "; baseline " + Human(*mean, Unit::kCount) + " ± " + Human(*sd, Unit::kCount) + " (" + which + ")";
  }
  if (low) {
    v.guides.push_back({*low / hours, "drop threshold: " + Human(*low / hours, Unit::kCount) + " per hour", true});
    v.caption += ", a drop alerts at " + Human(*low, Unit::kCount) + " or fewer";
  } else if (mean) {
    v.caption += "; too few reviews to judge a drop";
  }
  return v;
}

std::string ThroughputFigure(const ThroughputView& v, const std::vector<double>& hourly,
                             const std::string& cls, const std::string& attrs, const std::string& title,
                             int width, int height) {
  std::string html = "<figure class=\"chart " + cls + "\"" + attrs;
  if (v.window_reviews) html += " data-window-reviews=\"" + DataNumber(*v.window_reviews) + "\"";
  html += ">" + BarChart(hourly, width, height, v.window_hours, v.guides, title) + "<figcaption>" +
          HtmlEscape(title) + (v.caption.empty() ? "" : " — " + HtmlEscape(v.caption)) +
          "</figcaption></figure>\n";
  return html;
}

std::string AgentRow(const Gauges& g, const WebPaths& paths, const std::string& agent,
                     const HourlySeries* series, bool alerting) {
  const std::vector<std::pair<std::string, std::string>> current = {{"agent", agent}, {"window", "current"}};
  const std::vector<std::pair<std::string, std::string>> baseline = {{"agent", agent}, {"window", "baseline"}};
  const auto ratio = g.Get("agent_approval_ratio", current);
  const auto ratio_base = g.Get("agent_approval_ratio", baseline);
  const auto rejections = g.Get("agent_rejections", current);
  const auto rejections_base = g.Get("agent_rejections_baseline_rate", {{"agent", agent}});
  const auto spend = g.Get("agent_cost_usd", current);
  const auto spend_base = g.Get("agent_cost_baseline_usd", {{"agent", agent}});
  std::string html = "<tr class=\"agent\" data-agent=\"" + HtmlEscape(agent) + "\"";
  if (ratio) html += " data-approval-ratio=\"" + DataNumber(*ratio) + "\"";
  if (rejections) html += " data-rejections=\"" + DataNumber(*rejections) + "\"";
  if (spend) html += " data-spend-usd=\"" + DataNumber(*spend) + "\"";
  html += "><td><a href=\"" + AgentHref(paths, agent) + "\">" + HtmlEscape(agent) + "</a>" +
          (alerting ? " <span class=\"warning\">alerting</span>" : "") + "</td><td>";
  if (series) {
    html += Sparkline(series->reviews, 120, 22, "reviews per " + std::to_string(series->step) + "h, last 8 days");
  }
  auto cell = [&](std::optional<double> window, std::optional<double> base, Unit unit, const char* what) {
    if (!window) return std::string("<td class=\"muted\">–</td>");
    std::string title = std::string(what) + ": " + Human(*window, unit) +
                        (base ? ", baseline " + Human(*base, unit) : std::string());
    return "<td>" + Bullet(*window, base, std::nullopt, unit, title, 110, 18) + " " +
           HtmlEscape(Human(*window, unit)) +
           (base ? " <span class=\"muted\">vs " + HtmlEscape(Human(*base, unit)) + "</span>" : std::string()) +
           "</td>";
  };
  html += "</td>" + cell(ratio, ratio_base, Unit::kRatio, "approval ratio") +
          cell(rejections, rejections_base, Unit::kCount, "rejections") +
          cell(spend, spend_base, Unit::kUsd, "spend") + "</tr>\n";
  return html;
}

// The window of the check that publishes `gauge` ("24h"), or "".
std::string WindowOf(const Config& config, const std::string& gauge) {
  const Check* c = Publisher(config, gauge);
  const auto w = c ? c->Value("window") : std::nullopt;
  return w ? FormatDuration(static_cast<Millis>(*w)) : "";
}

// What one page shows at most, so that it stays a page a browser opens at
// once however large the pipeline (the rest is in /api/alerts and /metrics).
constexpr size_t kMaxAgentRows = 200, kMaxAlertRows = 100, kMaxDomainCharts = 40;

std::string StatusPageOf(const Published& p, const Config& config, const WebPaths& paths) {
  const CycleResult& r = p.result;
  const Gauges g(r.samples);
  const std::string title = config.pipeline.empty() ? "Argus" : "Argus: " + config.pipeline;
  std::string html = Head(title) + "<body data-checked-at=\"" + HtmlEscape(p.checked_at) + "\">\n" +
                     Nav(paths, config) + "<h1>" + HtmlEscape(title) + "</h1>\n" + BlindBanner(r);
  html += "<p>Evaluated as of " + HtmlEscape(p.checked_at) + ": " + std::to_string(r.alerts.size()) +
          " alerts (" + std::to_string(r.Count(Severity::kCritical)) + " critical, " +
          std::to_string(r.Count(Severity::kWarning)) + " warning, " +
          std::to_string(r.Count(Severity::kInfo)) + " info).</p>\n";

  html += "<h2 id=\"alerts\">Alerts</h2>\n";
  std::set<std::string> alerting;
  std::vector<const Alert*> alerts;
  for (const Alert& a : r.alerts) {
    alerts.push_back(&a);
    if (a.agent) alerting.insert(*a.agent);
  }
  if (alerts.empty()) {
    html += r.any_check_failed() || !r.database_ok()
                ? "<p class=\"critical\">No alerts shown, but not every check could run: see above.</p>\n"
                : "<p>No alerts: every check ran and found nothing.</p>\n";
  } else {
    const size_t shown = std::min(alerts.size(), kMaxAlertRows);
    html += "<p class=\"legend\">Evidence: the bar is the window, the grey dashed line its baseline, "
            "the red line the threshold that made it fire.</p>\n" +
            AlertRows(p, config, paths, std::vector<const Alert*>(alerts.begin(), alerts.begin() + shown));
    if (alerts.size() > shown) {
      html += "<p class=\"muted\">" + std::to_string(alerts.size() - shown) +
              " more alerts, further down the list (worst first), are not shown here: see <a href=\"" +
              HtmlEscape(paths.base) +
              "api/alerts\">/api/alerts</a>.</p>\n";
    }
  }

  html += "<h2 id=\"pipeline\">Reviews per hour, last 8 days</h2>\n";
  html += "<p class=\"legend\">Shaded: the window the throughput check judges; grey dashed line: its "
          "baseline per hour; red: the rate at or below which a drop alerts.</p>\n";
  html += ThroughputFigure(Throughput(g, config, std::nullopt), p.history.pipeline.reviews, "pipeline", "",
                           "the whole pipeline", 960, 150);
  // The busiest domains, at most kMaxDomainCharts, in name order.
  std::vector<std::pair<double, std::string>> busiest;
  for (const auto& [domain, series] : p.history.domains) {
    double total = 0;
    for (double v : series.reviews) total += v;
    busiest.push_back({-total, domain});
  }
  std::sort(busiest.begin(), busiest.end());
  std::set<std::string> drawn;
  for (size_t i = 0; i < busiest.size() && i < kMaxDomainCharts; ++i) drawn.insert(busiest[i].second);
  html += "<h2 id=\"domains\">Domains</h2>\n<div class=\"domains\">\n";
  for (const std::string& domain : drawn) {
    html += ThroughputFigure(Throughput(g, config, domain), p.history.domains.at(domain).reviews, "domain",
                             " data-domain=\"" + HtmlEscape(domain) + "\"", domain, 420, 90);
  }
  html += "</div>\n";
  if (busiest.size() > drawn.size()) {
    html += "<p class=\"muted\">" + std::to_string(busiest.size() - drawn.size()) +
            " quieter domains are not drawn; their gauges are in /metrics.</p>\n";
  }

  html += "<h2 id=\"agents\">Agents</h2>\n<table><tr><th>agent</th><th>reviews, 8 days</th>"
          "<th>approval ratio (" + HtmlEscape(WindowOf(config, "agent_approval_ratio")) +
          ") vs baseline</th><th>rejections (" + HtmlEscape(WindowOf(config, "agent_rejections")) +
          ") vs usual</th><th>spend (" + HtmlEscape(WindowOf(config, "agent_cost_usd")) +
          ") vs usual</th></tr>\n";
  // The agents alerting first, then those active in the 8 days, then the
  // rest, each by name; at most kMaxAgentRows, so that a pipeline of
  // thousands of agents still gets a page a browser opens at once.
  std::set<std::string> all(p.known_agents.begin(), p.known_agents.end());
  for (const auto& [agent, series] : p.history.agents) all.insert(agent);
  std::vector<std::string> agents(alerting.begin(), alerting.end());
  for (bool active : {true, false}) {
    for (const std::string& agent : all) {
      if (!alerting.count(agent) && (p.history.agents.count(agent) > 0) == active) agents.push_back(agent);
    }
  }
  for (size_t i = 0; i < agents.size() && i < kMaxAgentRows; ++i) {
    auto series = p.history.agents.find(agents[i]);
    html += AgentRow(g, paths, agents[i], series == p.history.agents.end() ? nullptr : &series->second,
                     alerting.count(agents[i]) > 0);
  }
  html += "</table>\n";
  if (agents.size() > kMaxAgentRows) {
    html += "<p class=\"muted\">" + std::to_string(agents.size() - kMaxAgentRows) +
            " more agents are not shown here; every agent has its page at " + HtmlEscape(paths.base) +
            "agents/NAME, and its gauges in /metrics.</p>\n";
  }
  return html + "</body></html>\n";
}

}  // namespace

std::string PipelinesPage(const Pipelines& pipelines, const WebPaths& paths) {
  const std::string b = HtmlEscape(paths.base);
  const auto first = pipelines.members().front().exporter->config();
  std::string html = Head("Argus: pipelines") + "<body>\n" + Nav(paths, *first) +
                     "<h1>Argus: " + std::to_string(pipelines.size()) + " pipelines</h1>\n"
                     "<table><tr><th>pipeline</th><th>database</th><th class=\"num\">critical</th>"
                     "<th class=\"num\">warning</th><th class=\"num\">info</th><th>evaluated as of</th></tr>\n";
  for (const Pipelines::Member& m : pipelines.members()) {
    const std::string href = b + "pipelines/" + PercentEncode(m.name) + "/";
    html += "<tr><td><a href=\"" + href + "\">" + HtmlEscape(m.name) + "</a></td>";
    auto latest = m.exporter->Latest();
    if (!latest) {
      html += "<td class=\"muted\">no cycle yet</td><td></td><td></td><td></td><td></td></tr>\n";
      continue;
    }
    const CycleResult& r = latest->result;
    html += r.database_ok() && !r.any_check_failed()
                ? std::string("<td>read</td>")
                : "<td class=\"critical\">blind: " +
                      HtmlEscape(r.database_error.empty() ? "a check could not run" : r.database_error) +
                      "</td>";
    for (Severity s : {Severity::kCritical, Severity::kWarning, Severity::kInfo}) {
      html += "<td class=\"num\">" + std::to_string(r.Count(s)) + "</td>";
    }
    html += "<td>" + HtmlEscape(latest->checked_at) + "</td></tr>\n";
  }
  return html + "</table>\n<p class=\"muted\">Each pipeline has its own status page, agent pages "
                "(<code>pipelines/NAME/agents/AGENT</code>) and JSON endpoints "
                "(<code>api/alerts?pipeline=NAME</code>); <a href=\"" + b +
                "api/alerts\">/api/alerts</a> lists every pipeline's alerts.</p></body></html>\n";
}

StatusPageBodies RenderStatusPage(const Exporter& exporter, const WebPaths& paths) {
  // One cycle and one configuration for both bodies.
  auto latest = exporter.Latest();
  auto config = exporter.config();
  if (!latest) {
    return {std::make_shared<const std::string>(
                Head("Argus") + "<body>\n" + Nav(paths, *config) +
                "<h1>Argus</h1>\n<p class=\"muted\">No check cycle has completed yet.</p></body></html>\n"),
            {}};
  }
  auto render = [latest, config, paths] { return StatusPageOf(*latest, *config, paths); };
  return {latest->StatusPage(paths.base, render),
          [latest, paths, render] { return latest->StatusPageGzip(paths.base, render); }};
}

HttpResponse AgentPage(Exporter& exporter, const std::string& agent, int hours, const WebPaths& paths) {
  auto config = exporter.config();
  auto latest = exporter.Latest();
  HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  FailureReportResult result = exporter.Report(agent, hours);
  std::string html = Head(agent + " — Argus");
  if (!result.status.ok()) {
    response.status = 503;
    response.body = html + "<body>\n" + Nav(paths, *config) + "<h1>" + HtmlEscape(agent) +
                    "</h1>\n<p class=\"blind critical\">The report could not be read: " +
                    HtmlEscape(result.status.message()) + "</p></body></html>\n";
    return response;
  }
  const nlohmann::json& rep = result.report;
  auto num = [&](const char* key) { return rep.contains(key) && rep[key].is_number() ? rep[key].get<double>() : 0.0; };
  auto str = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  html += "<body data-agent=\"" + HtmlEscape(agent) + "\" data-hours=\"" + std::to_string(hours) +
          "\" data-total-reviews=\"" + DataNumber(num("total_reviews")) + "\" data-total-rejections=\"" +
          DataNumber(num("total_rejections")) + "\">\n" + Nav(paths, *config) + "<h1>" + HtmlEscape(agent) +
          "</h1>\n<p>Failure report of the last " + std::to_string(hours) + " hours, as of " +
          HtmlEscape(!str(rep, "generated_at").empty() ? str(rep, "generated_at")
                     : latest                          ? latest->checked_at
                                                       : std::string("now")) +
          ". Period: ";
  for (int h : {6, 24, 48, 168, 720}) {
    html += h == hours ? "<strong>" + std::to_string(h) + "h</strong> "
                       : "<a href=\"" + AgentPeriodHref(paths, agent, h) + "\">" + std::to_string(h) + "h</a> ";
  }
  if (!OnlyDots(agent)) {  // the legacy path has no other form
    html += "· <a href=\"" + HtmlEscape(paths.base) + "api/failure-report/" + PercentEncode(agent) +
            "?hours=" + std::to_string(hours) + "\">JSON</a>";
  }
  html += "</p>\n";

  if (latest) {
    std::vector<const Alert*> alerts;
    for (const Alert& a : latest->result.alerts) {
      if (a.agent && *a.agent == agent) alerts.push_back(&a);
    }
    if (!alerts.empty()) html += "<h2>Alerts</h2>\n" + AlertRows(*latest, *config, paths, alerts);
  }

  html += "<h2>Totals</h2>\n<table><tr><th>reviews</th><th>rejections</th><th>rejection rate</th>"
          "<th>first rejection</th><th>last rejection</th></tr><tr><td class=\"num\">" +
          Human(num("total_reviews"), Unit::kCount) + "</td><td class=\"num\">" +
          Human(num("total_rejections"), Unit::kCount) + "</td><td class=\"num\">" +
          Human(num("rejection_rate"), Unit::kRatio) + "</td><td>" + HtmlEscape(str(rep, "first_rejection_at")) +
          "</td><td>" + HtmlEscape(str(rep, "last_rejection_at")) + "</td></tr></table>\n";

  if (latest) {
    auto series = latest->history.agents.find(agent);
    if (series != latest->history.agents.end()) {
      const HourlySeries& s = series->second;
      const std::string per = " per " + std::to_string(s.step) + "h, last 8 days";
      html += "<h2>Last 8 days</h2>\n<div class=\"domains\">";
      for (auto [cls, values, what, unit] :
           {std::tuple{"agent-reviews", &s.reviews, "reviews", Unit::kCount},
            std::tuple{"agent-rejections", &s.rejections, "rejections", Unit::kCount},
            std::tuple{"agent-spend", &s.usd, "spend", Unit::kUsd}}) {
        html += std::string("<figure class=\"chart ") + cls + "\">" +
                BarChart(*values, 420, 90, 0, {}, what + per, s.step, unit) + "<figcaption>" + what + per +
                "</figcaption></figure>";
      }
      html += "</div>\n";
    }
  }

  html += "<h2>Top reasons</h2>\n";
  const nlohmann::json& reasons = rep.contains("top_reasons") ? rep["top_reasons"] : nlohmann::json::array();
  if (reasons.empty()) html += "<p class=\"muted\">No rejections in the period.</p>\n";
  else html += "<ul class=\"reasons\">\n";
  for (const nlohmann::json& r : reasons) {
    const double count = r.value("count", 0.0), share = r.value("share", 0.0);
    html += "<li class=\"reason\" data-reason=\"" + HtmlEscape(str(r, "reason")) + "\" data-count=\"" +
            DataNumber(count) + "\"><span class=\"bar\" style=\"width:" + DataNumber(std::clamp(share, 0.0, 1.0) * 300) +
            "px\"></span>" + HtmlEscape(str(r, "reason")) + " — " + Human(count, Unit::kCount) + " (" +
            Human(share, Unit::kRatio) + ")</li>\n";
  }
  if (!reasons.empty()) html += "</ul>\n";

  if (rep.contains("by_domain") && rep["by_domain"].is_object() && !rep["by_domain"].empty()) {
    html += "<h2>Domains</h2>\n<table><tr><th>domain</th><th>reviews</th><th>rejections</th><th>rejection rate</th></tr>\n";
    for (const auto& [domain, d] : rep["by_domain"].items()) {
      html += "<tr class=\"domain\"><td>" + HtmlEscape(domain) + "</td><td class=\"num\">" +
              Human(d.value("reviews", 0.0), Unit::kCount) + "</td><td class=\"num\">" +
              Human(d.value("rejections", 0.0), Unit::kCount) + "</td><td class=\"num\">" +
              Human(d.value("rejection_rate", 0.0), Unit::kRatio) + "</td></tr>\n";
    }
    html += "</table>\n";
  }

  const nlohmann::json& stuck = rep.contains("stuck_items") ? rep["stuck_items"] : nlohmann::json::array();
  if (!stuck.empty()) {
    html += "<h2>Stuck items</h2>\n<table><tr><th>item</th><th>domain</th><th>attempts</th>"
            "<th>last reason</th><th>last rejected</th></tr>\n";
    for (const nlohmann::json& s : stuck) {
      html += "<tr class=\"stuck-item\" data-item=\"" + HtmlEscape(str(s, "item")) + "\" data-attempts=\"" +
              DataNumber(s.value("attempts", 0.0)) + "\"><td>" + HtmlEscape(str(s, "item")) + "</td><td>" +
              HtmlEscape(str(s, "domain")) + "</td><td class=\"num\">" +
              Human(s.value("attempts", 0.0), Unit::kCount) + "</td><td>" + HtmlEscape(str(s, "last_reason")) +
              "</td><td>" + HtmlEscape(str(s, "last_rejected_at")) + "</td></tr>\n";
    }
    html += "</table>\n";
  }

  const nlohmann::json& recent =
      rep.contains("recent_rejections") ? rep["recent_rejections"] : nlohmann::json::array();
  html += "<h2>Recent rejections</h2>\n";
  if (recent.empty()) {
    html += "<p class=\"muted\">None in the period.</p>\n";
  } else {
    html += "<table><tr><th>reviewed</th><th>domain</th><th>item</th><th>reason</th><th>note</th></tr>\n";
    for (const nlohmann::json& r : recent) {
      html += "<tr class=\"rejection\"><td>" + HtmlEscape(str(r, "reviewed_at")) + "</td><td>" +
              HtmlEscape(str(r, "domain")) + "</td><td>" + HtmlEscape(str(r, "item")) + "</td><td>" +
              HtmlEscape(str(r, "reason")) + "</td><td><pre class=\"note\">" + HtmlEscape(str(r, "note")) +
              "</pre></td></tr>\n";
    }
    html += "</table>\n";
  }
  response.body = html + "</body></html>\n";
  return response;
}

}  // namespace argus
