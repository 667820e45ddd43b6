#include "exporter/serve/metrics.h"

#include "exporter/base/version.h"

#include "exporter/base/format.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <set>
#include <sstream>


namespace argus {
namespace {

using prometheus::Labels;

// A registry whose every family carries the same constant labels (the
// pipeline's, when the configuration lists several).
struct Registry {
  prometheus::Registry& registry;
  const Labels& constant;
};

prometheus::Family<prometheus::Gauge>& Gauge(Registry& r, const std::string& name,
                                             const std::string& help) {
  return prometheus::BuildGauge().Name("argus_" + name).Help(help).Labels(r.constant).Register(r.registry);
}

prometheus::Family<prometheus::Counter>& Counter(Registry& r, const std::string& name,
                                                 const std::string& help) {
  return prometheus::BuildCounter().Name("argus_" + name).Help(help).Labels(r.constant).Register(r.registry);
}

void AddExporterMetrics(Registry& r, const Config& config, const CycleResult& cycle,
                        const PipelineTotals& totals, const ExporterStats& stats) {
  Gauge(r, "up", "1 when the pipeline database could be read in the last cycle.")
      .Add({})
      .Set(stats.up ? 1 : 0);
  Gauge(r, "exporter_build_info", "Argus version and revision; always 1.")
      .Add({{"version", Version()}, {"revision", Revision()}})
      .Set(1);
  Gauge(r, "last_run_timestamp_seconds", "When the last cycle finished (Unix time).")
      .Add({})
      .Set(stats.last_run_seconds);
  // Absent until a cycle succeeds: 0 would read as "stale since 1970".
  auto& last_success = Gauge(r, "last_success_timestamp_seconds",
                             "When the last cycle without any error finished (Unix time).");
  if (stats.last_success_seconds > 0) last_success.Add({}).Set(stats.last_success_seconds);
  // Per check: when it last ran (its evaluation instant, Unix time). A check
  // that cannot run serves the alerts and gauges of that run meanwhile.
  auto& check_success = Gauge(r, "check_last_success_timestamp_seconds",
                              "Evaluation instant of the check's last run without error (Unix time); "
                              "while it cannot run, its gauges and alerts are those of that run.");
  for (const auto& [check, at] : stats.check_last_success) {
    check_success.Add({{"check", check}}).Set(static_cast<double>(at) / kSecond);
  }
  Gauge(r, "evaluation_timestamp_seconds",
        "The instant the last cycle evaluated the checks as of (the clock, or --now).")
      .Add({})
      .Set(static_cast<double>(cycle.now) / kSecond);
  Gauge(r, "cycle_duration_seconds", "How long the last cycle took.")
      .Add({})
      .Set(cycle.duration_seconds);
  Counter(r, "cycles_total", "Check cycles run since start.").Add({}).Increment(stats.cycles);
  Counter(r, "database_reloads_total",
          "Times the database file was found replaced and its totals read again.")
      .Add({})
      .Increment(stats.database_reloads);
  Gauge(r, "config_last_reload_successful",
        "1 when the last configuration reload was taken (or none was asked for), 0 when it was "
        "refused and the previous configuration is still in force.")
      .Add({})
      .Set(stats.config_reload_ok ? 1 : 0);
  Gauge(r, "config_last_reload_success_timestamp_seconds",
        "When the configuration in force was loaded (Unix time).")
      .Add({})
      .Set(stats.config_reload_success_seconds);
  auto& reloads = Counter(r, "config_reloads_total",
                          "Configuration reloads asked for (SIGHUP or POST /-/reload), by result.");
  reloads.Add({{"result", "success"}}).Increment(stats.config_reloads_taken);
  reloads.Add({{"result", "failure"}}).Increment(stats.config_reloads_refused);
  auto& kept = Gauge(r, "label_values",
                     "Distinct names kept per label (agent, domain, reason, model); beyond "
                     "labels.max_values of the config, names read as 'other'.");
  auto& folded = Counter(r, "label_values_folded_total",
                         "Rows whose name was read as 'other' because its label already had "
                         "labels.max_values distinct names.");
  for (size_t k = 0; k < kNameKinds.size(); ++k) {
    kept.Add({{"label", kNameKinds[k]}}).Set(static_cast<double>(stats.names[k].kept));
    folded.Add({{"label", kNameKinds[k]}}).Increment(static_cast<double>(stats.names[k].folded_rows));
  }
  auto& skipped = Counter(r, "rows_skipped_total",
                          "Rows passed over, by table and reason: unreadable (timestamp or "
                          "verdict), too_large (a text field over 1 MiB), invalid_value (an "
                          "impossible cost).");
  const std::pair<const char*, const SkipCounts*> tables[] = {
      {"submissions", &totals.counts().skipped.submissions},
      {"reviews", &totals.counts().skipped.reviews},
      {"costs", &totals.counts().skipped.costs}};
  for (const auto& [table, counts] : tables) {
    for (size_t i = 0; i < counts->by_reason.size(); ++i) {
      skipped.Add({{"table", table}, {"reason", kSkipReasonNames[i]}})
          .Increment(static_cast<double>(counts->by_reason[i]));
    }
  }

  auto& duration = Gauge(r, "check_duration_seconds", "How long each check took in the last cycle.");
  auto& success = Gauge(r, "check_success", "1 when the check ran in the last cycle, 0 when it failed.");
  auto& errors = Counter(r, "check_errors_total", "Cycles in which the check could not run.");
  for (const auto& check : config.checks) {
    const std::string id(check->id());
    auto it = stats.check_errors.find(id);
    errors.Add({{"check", id}}).Increment(it == stats.check_errors.end() ? 0 : it->second);
  }
  for (const CheckRun& run : cycle.runs) {
    duration.Add({{"check", run.check}}).Set(run.duration_seconds);
    success.Add({{"check", run.check}}).Set(run.error.empty() ? 1 : 0);
  }
}

void AddPipelineTotals(Registry& r, const PipelineTotals& totals) {
  const PipelineTotals::Counts& t = totals.counts();
  // One dimension each (and the verdict): the series add up, never multiply.
  auto by = [&](const char* name, const char* help, const char* label,
                const std::map<std::string, double>& counts, const char* empty) {
    auto& family = Counter(r, name, help);
    for (const auto& [value, n] : counts) {
      family.Add({{label, value.empty() ? std::string(empty) : ValidUtf8(value)}}).Increment(n);
    }
  };
  auto by_verdict = [&](const char* name, const char* help, const char* label,
                        const std::map<PipelineTotals::Verdict, double>& counts) {
    auto& family = Counter(r, name, help);
    for (const auto& [key, n] : counts) {
      family.Add({{label, ValidUtf8(key.first)}, {"verdict", key.second}}).Increment(n);
    }
  };
  by("submissions_total", "Submissions handed in, by agent.", "agent", t.submissions, "");
  by("submissions_by_domain_total", "Submissions handed in, by domain.", "domain", t.domain_submissions, "");
  by_verdict("reviews_total", "Reviews, by agent and verdict.", "agent", t.reviews);
  by_verdict("reviews_by_domain_total", "Reviews, by domain and verdict.", "domain", t.domain_reviews);
  by("rejections_total", "Rejections, by reason (beyond the top reasons: other).", "reason", t.rejections,
     "none");
  by("cost_usd_total", "Spend in US dollars, by agent.", "agent", t.cost_usd, "");
  by("cost_usd_by_model_total", "Spend in US dollars, by model (unknown when not recorded).", "model",
     t.model_cost_usd, "unknown");
}

void AddDetectionGauges(Registry& r, const Config& config, const CycleResult& cycle) {
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> families;
  for (const auto& check : config.checks) {
    for (const GaugeInfo& g : check->Gauges()) families[g.metric] = &Gauge(r, g.metric, g.help);
  }
  for (const Sample& s : cycle.samples) {
    auto it = families.find(s.metric);
    if (it == families.end()) continue;
    Labels labels;
    for (const auto& [name, value] : s.labels) labels[name] = ValidUtf8(value);
    it->second->Add(labels).Set(s.value);
  }
  auto& alerts = Gauge(r, "alerts", "Alerts raised in the last cycle, by check and severity.");
  for (const auto& check : config.checks) {
    if (!check->enabled) continue;
    for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kCritical}) {
      alerts.Add({{"check", std::string(check->id())}, {"severity", std::string(SeverityName(s))}});
    }
  }
  for (const Alert& a : cycle.alerts) {
    alerts.Add({{"check", a.check}, {"severity", std::string(SeverityName(a.severity))}})
        .Increment();
  }
  // The numbers the rules were generated from, for dashboards to draw
  // thresholds with: every numeric setting of every enabled check.
  auto& settings = Gauge(r, "check_setting",
                         "Each numeric setting of each enabled check in the configuration in "
                         "force: durations in seconds, ratios as fractions.");
  for (const auto& check : config.checks) {
    if (!check->enabled) continue;
    // Params() only hands out pointers to members; nothing is written here.
    for (const Param& p : const_cast<Check&>(*check).Params()) {
      double value;
      if (auto* d = std::get_if<double*>(&p.target)) {
        value = **d;
      } else if (auto* m = std::get_if<Millis*>(&p.target)) {
        value = static_cast<double>(**m) / kSecond;
      } else {
        continue;  // lists of names
      }
      settings.Add({{"check", std::string(check->id())}, {"setting", p.key}}).Set(value);
    }
  }
}

}  // namespace

std::vector<prometheus::MetricFamily> CollectMetrics(const Config& config, const CycleResult& cycle,
                                                     const PipelineTotals& totals,
                                                     const ExporterStats& stats) {
  prometheus::Registry registry;
  Labels constant;
  if (!config.pipeline.empty()) constant["pipeline"] = config.pipeline;
  Registry r{registry, constant};
  AddExporterMetrics(r, config, cycle, totals, stats);
  AddPipelineTotals(r, totals);
  AddDetectionGauges(r, config, cycle);
  return registry.Collect();
}

std::string SerializeMetrics(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

std::string RenderMetrics(const Config& config, const CycleResult& cycle,
                          const PipelineTotals& totals, const ExporterStats& stats) {
  return SerializeMetrics(CollectMetrics(config, cycle, totals, stats));
}

std::string MergedMetricsText(const std::vector<const std::vector<prometheus::MetricFamily>*>& parts) {
  // The families of every pipeline under one HELP and TYPE each, in the
  // order they first appear; their series differ by the pipeline label.
  std::vector<prometheus::MetricFamily> merged;
  std::map<std::string, size_t> at;
  for (const auto* part : parts) {
    for (const prometheus::MetricFamily& family : *part) {
      auto [it, fresh] = at.emplace(family.name, merged.size());
      if (fresh) {
        merged.push_back(family);
      } else {
        auto& metrics = merged[it->second].metric;
        metrics.insert(metrics.end(), family.metric.begin(), family.metric.end());
      }
    }
  }
  return SerializeMetrics(merged);
}

}  // namespace argus
