#include "exporter/engine/rules.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "exporter/engine/config.h"

namespace argus {

std::string PromNumber(double value) {
  char buf[64];
  if (value == static_cast<double>(static_cast<long long>(value)) && std::abs(value) < 1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  return buf;
}

std::vector<RuleSpec> SpikeRules(const std::string& alert, const std::string& metric,
                                 double minimum, const std::string& usual,
                                 double warning_factor, double critical_factor,
                                 const std::string& also, const std::string& summary,
                                 const std::function<std::string(double, bool)>& describe) {
  const std::string t = kPromTolerance;
  const std::string cur = metric + "{window=\"current\"}";
  auto fires = [&](double factor) {
    // A comparison matched ignoring(window) drops the label, so the `and`
    // must ignore it too.
    std::string expr = "max without(window) (" + cur + " >= " + PromNumber(minimum) + " - " + t +
                       " and ignoring(window) " + cur + " >= ignoring(window) (" +
                       PromNumber(factor) + " * " + usual + " - " + t + "))";
    if (!also.empty()) expr = "(" + expr + " and " + also + ")";
    return expr;
  };
  return {
      {alert, Severity::kWarning, fires(warning_factor) + " unless " + fires(critical_factor),
       summary, describe(warning_factor, false)},
      {alert, Severity::kCritical, fires(critical_factor), summary, describe(critical_factor, true)},
  };
}

std::string RunbookAnchor(const std::string& alert) {
  std::string anchor;
  for (char c : alert) anchor += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return anchor;
}

namespace {

struct HealthRule {
  const char* alert;
  Severity severity;
  std::string expr;
  const char* for_duration;
  const char* summary;
  std::string description;
};

void EmitRule(YAML::Emitter& out, const Config& config, const std::string& alert,
              const std::string& expr, const std::string& for_duration,
              const std::string& keep_firing_for, Severity severity,
              const std::string& category, const std::string& check, const std::string& summary,
              const std::string& description) {
  out << YAML::BeginMap;
  out << YAML::Key << "alert" << YAML::Value << alert;
  out << YAML::Key << "expr" << YAML::Value << expr;
  if (!for_duration.empty()) out << YAML::Key << "for" << YAML::Value << for_duration;
  if (!keep_firing_for.empty()) {
    out << YAML::Key << "keep_firing_for" << YAML::Value << keep_firing_for;
  }
  out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "severity" << YAML::Value << std::string(SeverityName(severity));
  out << YAML::Key << "category" << YAML::Value << category;
  out << YAML::Key << "check" << YAML::Value << check;
  out << YAML::EndMap;
  out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "summary" << YAML::Value << summary;
  out << YAML::Key << "description" << YAML::Value << description;
  out << YAML::Key << "runbook_url" << YAML::Value
      << config.runbook_base_url + "#" + RunbookAnchor(alert);
  out << YAML::Key << "dashboard_url" << YAML::Value << config.dashboard_url;
  // Argus's page for the alert: the agent's failure report, or the status
  // page.
  out << YAML::Key << "status_url" << YAML::Value
      << config.external_url +
             // urlquery writes a space as '+', which a path keeps as a plus.
             "{{ if $labels.agent }}agents/{{ $labels.agent | urlquery | reReplaceAll \"\\\\+\" \"%20\" }}"
             "{{ end }}";
  out << YAML::EndMap;
  out << YAML::EndMap;
}

// How long a detection alert keeps firing once its expression stops
// returning it: longer than ArgusExporterDown's `for: 2m` plus
// Alertmanager's group_wait (30s), so that an exporter that cannot be
// scraped (its series gone stale) does not resolve every incident before
// the outage alert exists to say why, and a value hovering at a threshold
// does not fire and resolve every cycle.
constexpr const char* kKeepFiringFor = "3m";

bool IdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

}  // namespace

std::string SelectJob(const std::string& expr, const std::string& job) {
  const std::string matcher = "job=\"" + job + "\"";
  std::string out;
  size_t i = 0;
  while (i < expr.size()) {
    // Strings (label values) are copied as they are.
    const size_t quote = expr.find('"', i);
    size_t at = expr.find("argus_", i);
    if (quote != std::string::npos && (at == std::string::npos || quote < at)) {
      size_t close = quote + 1;
      while (close < expr.size() && expr[close] != '"') close += expr[close] == '\\' ? 2 : 1;
      close = std::min(close + 1, expr.size());
      out.append(expr, i, close - i);
      i = close;
      continue;
    }
    if (at == std::string::npos || (at > 0 && IdentifierChar(expr[at - 1]))) {
      const size_t end = at == std::string::npos ? expr.size() : at + 6;
      out.append(expr, i, end - i);
      i = end;
      continue;
    }
    size_t end = at;
    while (end < expr.size() && IdentifierChar(expr[end])) ++end;
    out.append(expr, i, end - i);
    size_t brace = end;
    while (brace < expr.size() && expr[brace] == ' ') ++brace;
    if (brace < expr.size() && expr[brace] == '{') {
      out += "{" + matcher + ",";
      end = brace + 1;
    } else {
      out += "{" + matcher + "}";
    }
    i = end;
  }
  return out;
}

std::string RulesYaml(const Config& config) {
  const std::string job = "job=\"" + config.prometheus_job + "\"";
  const double stale_after = 3.0 * static_cast<double>(config.interval) / kSecond;
  const HealthRule health[] = {
      {"ArgusExporterDown", Severity::kCritical, "up{" + job + "} == 0", "2m",
       "Argus exporter {{ $labels.instance }} is down",
       "Prometheus cannot scrape Argus at {{ $labels.instance }}: no detection is running."},
      // 2m, like ArgusExporterDown: it must fire (and inhibit) before the
      // detections' keep_firing_for runs out.
      {"ArgusExporterAbsent", Severity::kCritical, "absent(up{" + job + "})", "2m",
       "Prometheus has no Argus target",
       "Prometheus knows no target of job " + config.prometheus_job +
           ": the job was renamed or the target left service discovery, so nothing "
           "watches the pipeline and ArgusExporterDown cannot fire."},
      // Every replica of the job down or unable to read: the detections
      // are blind (their alerts keep the last verdicts). Info: it pages
      // nobody (the alerts above do); Alertmanager mutes the detections
      // by it.
      {"ArgusDetectionsBlind", Severity::kInfo,
       "max by (job) (up{" + job + "}) == 0 or max by (job) (argus_up{" + job + "}) == 0", "2m",
       "No Argus replica can watch the pipeline",
       "Every Argus exporter of job {{ $labels.job }} is down or cannot read the pipeline "
       "database: the detection alerts show the last verdicts, and no new incident can be "
       "raised."},
      {"ArgusDatabaseUnreadable", Severity::kCritical, "argus_up{" + job + "} == 0", "2m",
       "Argus cannot read the pipeline database",
       "Argus at {{ $labels.instance }} could not read the pipeline database in its last cycle; "
       "the detections are blind. /check shows the error."},
      {"ArgusChecksStale", Severity::kWarning,
       "time() - argus_last_success_timestamp_seconds{" + job + "} > " + PromNumber(stale_after),
       "5m", "Argus checks are stale",
       "The last error-free check cycle of Argus at {{ $labels.instance }} finished "
       "{{ $value | humanizeDuration }} ago (the interval is " +
           FormatDuration(config.interval) + ")."},
      {"ArgusConfigReloadFailed", Severity::kWarning,
       "argus_config_last_reload_successful{" + job + "} == 0", "10m",
       "Argus could not reload its configuration",
       "The last configuration reload of Argus at {{ $labels.instance }} was refused; it still "
       "runs the previous configuration. The log (level=error) says why."},
  };

  YAML::Emitter out;
  out << YAML::Comment(
      "Generated by `argus_exporter rules` from the configuration; do not edit by hand.\n"
      "Each detection rule reproduces the exporter's own verdict from the gauges of the\n"
      "last cycle, so it needs no Prometheus history. Runbooks: docs/runbooks.md.");
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;

  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "argus-detections";
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const auto& check : config.checks) {
    if (!check->enabled) continue;
    for (const RuleSpec& r : check->Rules()) {
      // Replicas of Argus with the same configuration publish the same
      // verdicts under different `instance` labels: aggregated away, they
      // make one alert, which Alertmanager then deduplicates across
      // Prometheus replicas too. A replica that stops leaves the others'
      // series to carry it.
      EmitRule(out, config, r.alert,
               "max without(instance) (" + SelectJob(r.expr, config.prometheus_job) + ")", "",
               kKeepFiringFor, r.severity,
               std::string(check->category()), std::string(check->id()), r.summary,
               r.description);
    }
  }
  out << YAML::EndSeq << YAML::EndMap;

  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "argus-exporter";
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const HealthRule& h : health) {
    EmitRule(out, config, h.alert, h.expr, h.for_duration, "", h.severity, "exporter",
             "exporter", h.summary, h.description);
  }
  out << YAML::EndSeq << YAML::EndMap;

  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace argus
