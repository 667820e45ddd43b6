#ifndef ARGUS_RULES_H_
#define ARGUS_RULES_H_

#include <functional>
#include <string>
#include <vector>

#include "exporter/base/alert.h"

namespace argus {

struct Config;

// One Prometheus alerting rule a check contributes: the generator adds the
// labels (severity, category, check) and the runbook_url.
struct RuleSpec {
  std::string alert;  // mixin style: ArgusStuckLoop
  Severity severity;
  std::string expr;   // PromQL over the gauges the check publishes
  std::string summary;
  std::string description;
};

// The threshold tolerance of the checks, as PromQL text.
inline constexpr const char* kPromTolerance = "1e-09";

// A number as PromQL reads it back exactly ("0.2", "6", "0.017857...").
std::string PromNumber(double value);

// The warning and critical rules of a spike check (cost, rejections): the
// gauge `metric` with window="current" is at least `minimum` and at least
// `factor` times the gauge `usual` (the usual amount per window), and
// `also` holds (an evidence condition; none when empty), warning below the
// critical factor. `describe(factor, critical)` words each rule's
// description from its own factor.
std::vector<RuleSpec> SpikeRules(const std::string& alert, const std::string& metric,
                                 double minimum, const std::string& usual,
                                 double warning_factor, double critical_factor,
                                 const std::string& also, const std::string& summary,
                                 const std::function<std::string(double, bool)>& describe);

// The alerting rules for `config`, as the YAML Prometheus loads
// (`argus_exporter rules`). Disabled checks contribute none.
std::string RulesYaml(const Config& config);

// `expr` with every argus_ metric selecting Prometheus job `job`, so that
// the rules see only the series of the Argus scrape, never a namesake's.
std::string SelectJob(const std::string& expr, const std::string& job);
// The same with any label matchers: `job="argus",pipeline="a"`.
std::string SelectSeries(const std::string& expr, const std::string& matchers);

// The anchor of an alert's section in docs/runbooks.md ("argusstuckloop").
std::string RunbookAnchor(const std::string& alert);

}  // namespace argus

#endif  // ARGUS_RULES_H_
