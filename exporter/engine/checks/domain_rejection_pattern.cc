#include <map>
#include <set>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/evidence.h"
#include "exporter/engine/window_state.h"

namespace argus {
namespace {

// A domain where most work is rejected, by several agents, mostly for one
// reason: a problem with the domain (or its evaluator), not with one agent.
class DomainRejectionPatternCheck : public CheckBase<DomainRejectionPatternCheck> {
 public:
  std::string_view id() const override { return "domain_rejection_pattern"; }
  std::string_view category() const override { return "failure_pattern"; }
  std::string_view summary() const override {
    return "most of a domain's work is rejected, across agents, mostly for one reason";
  }
  unsigned tables() const override { return kReviews; }
  Millis Lookback() const override { return window_ + baseline_; }

  std::vector<Param> Params() override {
    return {
        {"window", Param::Kind::kDuration, &window_, "recent period judged"},
        {"min_reviews", Param::Kind::kCount, &min_reviews_,
         "a domain with fewer reviews in the window is not judged"},
        {"warning_ratio", Param::Kind::kRatio, &warning_ratio_,
         "rejected share of the domain's reviews for a warning"},
        {"critical_ratio", Param::Kind::kRatio, &critical_ratio_,
         "rejected share of the domain's reviews for a critical alert", "warning_ratio"},
        {"min_agents", Param::Kind::kCount, &min_agents_,
         "distinct agents with rejections needed"},
        {"top_reason_share", Param::Kind::kRatio, &top_reason_share_,
         "least share of the rejections that one reason must make"},
        {"baseline", Param::Kind::kDuration, &baseline_,
         "period before the window whose rejected share the evidence test takes for normal"},
        {"min_baseline_reviews", Param::Kind::kCount, &min_baseline_,
         "a domain with fewer reviews in its baseline is held to the whole pipeline's"},
        {"evidence_level", Param::Kind::kRatio, &evidence_level_,
         "an alert needs the chance of so many rejections at the baseline's rejected share "
         "(binomial) at most this: about one chance-only warning per domain per year"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {
        {"domain_reviews", "Reviews in the domain in the domain-pattern window.", {"domain"}},
        {"domain_rejections", "Rejections in the domain in the domain-pattern window.",
         {"domain"}},
        {"domain_rejecting_agents",
         "Distinct agents with a rejection in the domain in the domain-pattern window.",
         {"domain"}},
        {"domain_top_reason_rejections",
         "Rejections in the domain for its most frequent reason in the domain-pattern window.",
         {"domain"}},
        {"domain_rejections_p_value",
         "Chance of the domain-pattern window's rejections or more at the rejected share of "
         "its baseline, or the pipeline's when the domain has too few baseline reviews "
         "(binomial, the share smoothed as (r+1)/(n+2)).",
         {"domain"}},
    };
  }

  StateNeeds Needs() const override {
    return {.review_edges = {window_, window_ + baseline_}, .domain_windows = {window_}};
  }

  // One domain's window, with names (so both evaluations order alike).
  struct Facts {
    int64_t reviews = 0, rejections = 0;
    int64_t baseline_reviews = 0, baseline_rejections = 0;
    std::set<std::string> agents;             // with a rejection
    std::map<std::string, int64_t> reasons;   // rejections by reason ("" when none)
  };

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    std::map<uint32_t, Facts> by_domain;
    Facts pipeline;  // its baseline counts
    const TimeRange window = snap.Window(window_);
    const TimeRange baseline = snap.Baseline(window_, baseline_);
    for (const ReviewEvent& r : snap.reviews) {
      if (baseline.Contains(r.at)) {
        Facts& f = by_domain[r.domain];
        f.baseline_reviews += 1;
        f.baseline_rejections += r.approved ? 0 : 1;
        pipeline.baseline_reviews += 1;
        pipeline.baseline_rejections += r.approved ? 0 : 1;
        continue;
      }
      if (!window.Contains(r.at)) continue;
      Facts& f = by_domain[r.domain];
      f.reviews += 1;
      if (r.approved) continue;
      f.rejections += 1;
      f.agents.insert(snap.agents[r.agent]);
      f.reasons[r.reason == kNoReason ? std::string() : snap.reasons[r.reason]] += 1;
    }
    for (const auto& [d, facts] : by_domain) {
      if (facts.reviews > 0) Judge(snap.now, snap.domains[d], facts, pipeline, out);
    }
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    std::map<uint32_t, Facts> by_domain;
    Facts pipeline;
    for (uint32_t d = 0; d < state.domains.size(); ++d) {
      const SegmentCounts b = state.Domain(d, window_, window_ + baseline_);
      pipeline.baseline_reviews += b.reviews;
      pipeline.baseline_rejections += b.reviews - b.approved;
      const SegmentCounts c = state.Domain(d, 0, window_);
      if (c.reviews == 0) continue;
      by_domain[d].reviews = c.reviews;
      by_domain[d].rejections = c.reviews - c.approved;
      by_domain[d].baseline_reviews = b.reviews;
      by_domain[d].baseline_rejections = b.reviews - b.approved;
    }
    const DomainIndex& index = state.domain_rejections(window_);
    for (const auto& [key, n] : index.agent_rejections()) {
      if (by_domain.count(key.first)) by_domain[key.first].agents.insert(state.agents[key.second]);
    }
    for (const auto& [key, n] : index.reason_rejections()) {
      if (!by_domain.count(key.first)) continue;
      by_domain[key.first].reasons[key.second == kNoReason ? std::string() : state.reasons[key.second]] += n;
    }
    for (const auto& [d, facts] : by_domain) {
      Judge(state.now(), state.domains[d], facts, pipeline, out);
    }
  }

  // `pipeline`: the baseline of all domains together, the normal of a
  // domain with too little history of its own.
  void Judge(Millis now, const std::string& domain, const Facts& c, const Facts& pipeline,
             CheckOutput* out) const {
    // The most frequent reason; ties go to the name that sorts first.
    std::string top;
    int64_t top_count = 0;
    for (const auto& [reason, n] : c.reasons) {
      if (n > top_count) {
        top = reason;
        top_count = n;
      }
    }
    const std::vector<std::pair<std::string, std::string>> labels = {{"domain", domain}};
    out->samples.push_back({"domain_reviews", labels, double(c.reviews)});
    out->samples.push_back({"domain_rejections", labels, double(c.rejections)});
    out->samples.push_back({"domain_rejecting_agents", labels, double(c.agents.size())});
    out->samples.push_back({"domain_top_reason_rejections", labels, double(top_count)});
    const Facts& normal = AtLeast(double(c.baseline_reviews), min_baseline_) ? c : pipeline;
    const double chance =
        BinomialAtLeast(c.rejections, c.reviews,
                        SmoothedShare(normal.baseline_rejections, normal.baseline_reviews));
    out->samples.push_back({"domain_rejections_p_value", labels, chance});
    if (!AtLeast(double(c.reviews), min_reviews_) || c.rejections == 0) return;
    const double ratio = double(c.rejections) / double(c.reviews);
    const double share = double(top_count) / double(c.rejections);
    if (!AtLeast(ratio, warning_ratio_) || !AtLeast(double(c.agents.size()), min_agents_) ||
        !AtLeast(share, top_reason_share_) || !AtMost(chance, evidence_level_)) {
      return;
    }
    const bool critical = AtLeast(ratio, critical_ratio_);
    Alert alert = NewAlert(*this, now, domain);
    alert.severity = critical ? Severity::kCritical : Severity::kWarning;
    alert.domain = domain;
    alert.title = "Domain " + domain + " rejects most work";
    alert.message = domain + ": " + Percent(ratio) + " of " + std::to_string(c.reviews) +
                    " reviews rejected in the last " + FormatDuration(window_) + " across " +
                    std::to_string(c.agents.size()) + " agents; " + Percent(share) + " for " + top;
    alert.value = ratio;
    alert.threshold = warning_ratio_;
    alert.details = {{"reviews", c.reviews},
                     {"rejections", c.rejections},
                     {"agents", c.agents},
                     {"top_reason", top},
                     {"top_reason_share", Round4(share)},
                     {"baseline_reviews", c.baseline_reviews},
                     {"baseline_rejections", c.baseline_rejections},
                     {"p_value", chance}};
    alert.rule = "ArgusDomainRejectionPattern";
    alert.evidence = {"rejected share in the last " + FormatDuration(window_), Evidence::Unit::kRatio, ratio,
                      c.baseline_reviews > 0 ? std::optional<double>(double(c.baseline_rejections) /
                                                                     double(c.baseline_reviews))
                                             : std::nullopt,
                      warning_ratio_};
    out->alerts.push_back(std::move(alert));
  }

  std::vector<RuleSpec> Rules() const override {
    const std::string t = kPromTolerance;
    const std::string ratio = "argus_domain_rejections / argus_domain_reviews";
    const std::string guard =
        " and argus_domain_reviews >= " + PromNumber(min_reviews_) + " - " + t +
        " and argus_domain_rejecting_agents >= " + PromNumber(min_agents_) + " - " + t +
        " and argus_domain_top_reason_rejections / argus_domain_rejections >= " +
        PromNumber(top_reason_share_) + " - " + t + " and argus_domain_rejections_p_value <= " +
        PromNumber(evidence_level_) + " + " + t;
    const std::string description =
        "{{ $value | humanizePercentage }} of the reviews in domain {{ $labels.domain }} were "
        "rejected in the last " +
        FormatDuration(window_) + ", by several agents and mostly for one reason; chance "
        "alone would give so many rejections at the rejected share of the " +
        FormatDuration(baseline_) + " before at most " + PromNumber(evidence_level_) +
        " of the time.";
    return {
        {"ArgusDomainRejectionPattern", Severity::kWarning,
         ratio + " >= " + PromNumber(warning_ratio_) + " - " + t + " < " +
             PromNumber(critical_ratio_) + " - " + t + guard,
         "Domain {{ $labels.domain }} rejects most work", description},
        {"ArgusDomainRejectionPattern", Severity::kCritical,
         ratio + " >= " + PromNumber(critical_ratio_) + " - " + t + guard,
         "Domain {{ $labels.domain }} rejects most work", description},
    };
  }

 private:
  Millis window_ = 24 * kHour;
  double min_reviews_ = 10;
  double warning_ratio_ = 0.5;
  double critical_ratio_ = 0.8;
  double min_agents_ = 2;
  double top_reason_share_ = 0.5;
  Millis baseline_ = 7 * kDay;
  double min_baseline_ = 20;
  // One 24-hour window a day: about one chance-only warning a year.
  double evidence_level_ = 0.003;
};

}  // namespace

std::unique_ptr<Check> MakeDomainRejectionPatternCheck() {
  return std::make_unique<DomainRejectionPatternCheck>();
}

}  // namespace argus
