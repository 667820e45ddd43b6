#include <map>
#include <set>

#include "../check.h"
#include "../format.h"
#include "registry.h"

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
  Millis Lookback() const override { return window_; }

  std::vector<Param> Params() override {
    return {
        {"window", Param::Kind::kDuration, &window_, "recent period judged"},
        {"min_reviews", Param::Kind::kCount, &min_reviews_,
         "a domain with fewer reviews in the window is not judged"},
        {"warning_ratio", Param::Kind::kRatio, &warning_ratio_,
         "rejected share of the domain's reviews for a warning"},
        {"critical_ratio", Param::Kind::kRatio, &critical_ratio_,
         "rejected share of the domain's reviews for a critical alert"},
        {"min_agents", Param::Kind::kCount, &min_agents_,
         "distinct agents with rejections needed"},
        {"top_reason_share", Param::Kind::kRatio, &top_reason_share_,
         "least share of the rejections that one reason must make"},
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
    };
  }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    struct Counts {
      double reviews = 0, rejections = 0;
      std::set<uint32_t> agents;
      std::map<uint32_t, double> reasons;
    };
    std::map<uint32_t, Counts> by_domain;
    const TimeRange window = snap.Window(window_);
    for (const ReviewEvent& r : snap.reviews) {
      if (!window.Contains(r.at)) continue;
      Counts& c = by_domain[r.domain];
      c.reviews += 1;
      if (r.approved) continue;
      c.rejections += 1;
      c.agents.insert(r.agent);
      c.reasons[r.reason] += 1;
    }
    for (const auto& [d, c] : by_domain) {
      const std::string& domain = snap.domains[d];
      // The most frequent reason; ties go to the name that sorts first.
      uint32_t top = kNoReason;
      double top_count = 0;
      for (const auto& [reason, n] : c.reasons) {
        if (n > top_count || (n == top_count && ReasonName(snap, reason) < ReasonName(snap, top))) {
          top = reason;
          top_count = n;
        }
      }
      const std::vector<std::pair<std::string, std::string>> labels = {{"domain", domain}};
      out->samples.push_back({"domain_reviews", labels, c.reviews});
      out->samples.push_back({"domain_rejections", labels, c.rejections});
      out->samples.push_back({"domain_rejecting_agents", labels, double(c.agents.size())});
      out->samples.push_back({"domain_top_reason_rejections", labels, top_count});
      if (!AtLeast(c.reviews, min_reviews_) || c.rejections == 0) continue;
      const double ratio = c.rejections / c.reviews;
      const double share = top_count / c.rejections;
      if (!AtLeast(ratio, warning_ratio_) || !AtLeast(double(c.agents.size()), min_agents_) ||
          !AtLeast(share, top_reason_share_)) {
        continue;
      }
      const bool critical = AtLeast(ratio, critical_ratio_);
      Alert alert = NewAlert(*this, snap, domain);
      alert.severity = critical ? Severity::kCritical : Severity::kWarning;
      alert.domain = domain;
      alert.title = "Domain " + domain + " rejects most work";
      alert.message = domain + ": " + Percent(ratio) + " of " + Num(c.reviews, 0) +
                      " reviews rejected in the last " + FormatDuration(window_) + " across " +
                      std::to_string(c.agents.size()) + " agents; " + Percent(share) +
                      " for " + ReasonName(snap, top);
      alert.value = ratio;
      alert.threshold = warning_ratio_;
      nlohmann::json agents = nlohmann::json::array();
      for (uint32_t a : c.agents) agents.push_back(snap.agents[a]);
      alert.details = {{"reviews", c.reviews},
                       {"rejections", c.rejections},
                       {"agents", agents},
                       {"top_reason", ReasonName(snap, top)},
                       {"top_reason_share", Round4(share)}};
      out->alerts.push_back(std::move(alert));
    }
  }


  std::vector<RuleSpec> Rules() const override {
    const std::string t = kPromTolerance;
    const std::string ratio = "argus_domain_rejections / argus_domain_reviews";
    const std::string guard =
        " and argus_domain_reviews >= " + PromNumber(min_reviews_) + " - " + t +
        " and argus_domain_rejecting_agents >= " + PromNumber(min_agents_) + " - " + t +
        " and argus_domain_top_reason_rejections / argus_domain_rejections >= " +
        PromNumber(top_reason_share_) + " - " + t;
    const std::string description =
        "{{ $value | humanizePercentage }} of the reviews in domain {{ $labels.domain }} were "
        "rejected in the last " +
        FormatDuration(window_) + ", by several agents and mostly for one reason.";
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
  static std::string ReasonName(const Snapshot& snap, uint32_t reason) {
    return reason == kNoReason ? std::string() : snap.reasons[reason];
  }

  Millis window_ = 24 * kHour;
  double min_reviews_ = 10;
  double warning_ratio_ = 0.5;
  double critical_ratio_ = 0.8;
  double min_agents_ = 2;
  double top_reason_share_ = 0.5;
};

}  // namespace

std::unique_ptr<Check> MakeDomainRejectionPatternCheck() {
  return std::make_unique<DomainRejectionPatternCheck>();
}

}  // namespace argus
