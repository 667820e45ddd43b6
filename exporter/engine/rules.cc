#include "exporter/engine/rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
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
             // A pipeline of several has its pages under pipelines/NAME/
             // (its name needs no escaping).
             "{{ with $labels.pipeline }}pipelines/{{ . }}/{{ end }}"
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

// A detection's verdict across replicas of Argus (the same configuration,
// different `instance` labels): one alert, without `instance`, which
// Alertmanager then deduplicates across Prometheus replicas too. The
// verdicts of the replicas that read the pipeline in their last cycle
// (`up`, argus_up, is 1) count; a replica that cannot read keeps serving
// its last good gauges, which must not keep an incident open that a
// reading replica has seen end. Only when no replica of the pipeline
// reads do the kept verdicts stand (so that a blind Argus neither resolves
// nor pages again). A replica that stops leaves the others' series to carry
// the alert.
std::string AcrossReplicas(const std::string& expr, const std::string& up) {
  return "max without(instance) ((" + expr + ") and on(job, instance, pipeline) " + up +
         " == 1) or max without(instance) ((" + expr + ") unless on(job, pipeline) max by (job, pipeline) (" +
         up + ") == 1)";
}

bool IdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
}

}  // namespace

std::string SelectJob(const std::string& expr, const std::string& job) {
  return SelectSeries(expr, "job=\"" + job + "\"");
}

std::string SelectSeries(const std::string& expr, const std::string& matcher) {
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
       "max by (job) (up{" + job + "}) == 0 or max by (job, pipeline) (argus_up{" + job + "}) == 0",
       "2m", "No Argus replica can watch the pipeline",
       "Every Argus exporter of job {{ $labels.job }} is down or cannot read the pipeline "
       "{{ with $labels.pipeline }}{{ . }} {{ end }}database: the detection alerts show the last "
       "verdicts, and no new incident can be raised."},
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

  // The detections of the top level's check settings, and one group more
  // for each pipeline that sets its checks otherwise (`pipelines:`), each
  // selecting its own series by the pipeline label.
  std::vector<std::string> own;  // pipelines with settings of their own
  for (const Config& p : config.pipelines) {
    for (size_t i = 0; i < p.checks.size(); ++i) {
      if (!SameSettings(*p.checks[i], *config.checks[i])) {
        own.push_back(p.pipeline);
        break;
      }
    }
  }
  const std::string job_matcher = "job=\"" + config.prometheus_job + "\"";
  auto detections = [&](const Config& settings, const std::string& group, const std::string& matchers) {
    const std::string up = "argus_up{" + matchers + "}";
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << group;
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (const auto& check : settings.checks) {
      if (!check->enabled) continue;
      for (const RuleSpec& r : check->Rules()) {
        EmitRule(out, config, r.alert, AcrossReplicas(SelectSeries(r.expr, matchers), up), "",
                 kKeepFiringFor, r.severity, std::string(check->category()),
                 std::string(check->id()), r.summary, r.description);
      }
    }
    out << YAML::EndSeq << YAML::EndMap;
  };
  std::string others;
  for (const std::string& name : own) others += (others.empty() ? "" : "|") + name;
  detections(config, "argus-detections",
             own.empty() ? job_matcher : job_matcher + ",pipeline!~\"" + others + "\"");
  for (const Config& p : config.pipelines) {
    if (std::find(own.begin(), own.end(), p.pipeline) == own.end()) continue;
    detections(p, "argus-detections-" + p.pipeline, job_matcher + ",pipeline=\"" + p.pipeline + "\"");
  }

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
