#include <set>

#include "exporter/serve/exporter.h"
#include "exporter/serve/http_routes.h"

namespace argus {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : ValidUtf8(text)) {
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
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;"
    "text-align:left;vertical-align:top}.critical{color:#b00020}.warning{color:#b26a00}"
    ".info{color:#1565c0}.muted{color:#777}";

}  // namespace

std::string RenderStatusPage(const Exporter& exporter) {
  auto latest = exporter.Latest();
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Argus</title><style>" +
      std::string(kStyle) + "</style></head><body>\n<h1>Argus</h1>\n";
  html += "<p><a href=\"/metrics\">/metrics</a> · <a href=\"/api/alerts\">/api/alerts</a> · "
          "<a href=\"/-/ready\">/-/ready</a></p>\n";
  if (!latest) {
    return html + "<p class=\"muted\">No check cycle has completed yet.</p></body></html>\n";
  }
  const CycleResult& r = latest->result;
  if (r.any_check_failed() || !r.database_ok()) {
    // Above everything: what is shown is not what is happening now.
    html += "<p class=\"critical\"><strong>Argus cannot see the pipeline:</strong> " +
            HtmlEscape(r.database_error.empty() ? "a check could not run" : r.database_error) +
            "</p>\n<ul class=\"critical\">\n";
    for (const CheckRun& run : r.runs) {
      if (run.error.empty()) continue;
      html += "<li>" + HtmlEscape(run.check) + ": " +
              (run.kept_from ? "showing its last good results, of " + HtmlEscape(FormatTimestamp(*run.kept_from))
                             : std::string("no successful run yet: its alerts are unknown")) +
              "</li>\n";
    }
    html += "</ul>\n";
  }
  html += "<p>Last check: " + HtmlEscape(latest->checked_at) + " — " +
          std::to_string(r.alerts.size()) + " alerts (" +
          std::to_string(r.Count(Severity::kCritical)) + " critical, " +
          std::to_string(r.Count(Severity::kWarning)) + " warning, " +
          std::to_string(r.Count(Severity::kInfo)) + " info)</p>\n";
  std::set<std::string> agents;
  for (Severity s : {Severity::kCritical, Severity::kWarning, Severity::kInfo}) {
    const std::string name(SeverityName(s));
    html += "<h2 class=\"" + name + "\">" + name + " (" + std::to_string(r.Count(s)) + ")</h2>\n";
    if (!r.Count(s)) continue;
    html += "<table><tr><th>alert</th><th>message</th><th>report</th></tr>\n";
    for (const Alert& a : r.alerts) {
      if (a.severity != s) continue;
      html += "<tr><td>" + HtmlEscape(a.id()) + "</td><td>" + HtmlEscape(a.message) + "</td><td>";
      if (a.agent) {
        agents.insert(*a.agent);
        html += "<a href=\"/api/failure-report/" + PercentEncode(*a.agent) + "\">" +
                HtmlEscape(*a.agent) + "</a>";
      }
      html += "</td></tr>\n";
    }
    html += "</table>\n";
  }
  html += "<h2>Failure reports</h2>\n<ul>\n";
  for (const auto& agent : exporter.KnownAgents()) {
    html += "<li><a href=\"/api/failure-report/" + PercentEncode(agent) + "\">" + HtmlEscape(agent) +
            "</a>" + (agents.count(agent) ? " <span class=\"warning\">(alerting)</span>" : "") +
            "</li>\n";
  }
  return html + "</ul>\n</body></html>\n";
}

}  // namespace argus
