#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/evidence.h"
#include "exporter/engine/window_state.h"

namespace argus {
namespace {

// An agent with many more rejections in the last window than its baseline
// rate per window.
class RejectionSpikeCheck : public CheckBase<RejectionSpikeCheck> {
 public:
  std::string_view id() const override { return "rejection_spike"; }
  std::string_view category() const override { return "quality"; }
  std::string_view summary() const override {
    return "an agent's rejections in the last hour far exceed its baseline rate";
  }
  unsigned tables() const override { return kReviews; }
  Millis Lookback() const override { return window_ + baseline_; }

  std::vector<Param> Params() override {
    return {
        {"window", Param::Kind::kDuration, &window_, "recent period whose rejections count"},
        {"baseline", Param::Kind::kDuration, &baseline_,
         "period before the window; its rejections per window give the baseline rate"},
        {"min_rejections", Param::Kind::kCount, &min_rejections_,
         "fewest rejections in the window that can raise an alert"},
        {"warning_factor", Param::Kind::kFactor, &warning_factor_,
         "window rejections >= this x baseline rate raise a warning"},
        {"critical_factor", Param::Kind::kFactor, &critical_factor_,
         "window rejections >= this x baseline rate raise a critical alert", "warning_factor"},
        {"evidence_level", Param::Kind::kRatio, &evidence_level_,
         "an alert needs the chance of so many rejections at the baseline rate (Poisson) at "
         "most this: about one chance-only warning per agent per year"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {{"agent_rejections",
             "Rejections of the agent's work in the rejection-spike window (current) and "
             "its baseline.",
             {"agent", "window"}},
            {"agent_rejections_p_value",
             "Chance of the rejection-spike window's rejections or more at the baseline rate "
             "(Poisson, the baseline count smoothed by one).",
             {"agent"}}};
  }

  StateNeeds Needs() const override { return {.review_edges = {window_, window_ + baseline_}}; }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    std::map<uint32_t, std::pair<int64_t, int64_t>> by_agent;  // window, baseline
    const TimeRange window = snap.Window(window_);
    const TimeRange baseline = snap.Baseline(window_, baseline_);
    for (const ReviewEvent& r : snap.reviews) {
      if (window.Contains(r.at)) {
        by_agent[r.agent].first += r.approved ? 0 : 1;
      } else if (baseline.Contains(r.at)) {
        by_agent[r.agent].second += r.approved ? 0 : 1;
      }
    }
    for (const auto& [a, counts] : by_agent) {
      Judge(snap.now, snap.agents[a], counts.first, counts.second, out);
    }
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    for (uint32_t a = 0; a < state.agents.size(); ++a) {
      const SegmentCounts cur = state.Agent(a, 0, window_);
      const SegmentCounts base = state.Agent(a, window_, window_ + baseline_);
      if (cur.reviews + base.reviews == 0) continue;
      Judge(state.now(), state.agents[a], cur.reviews - cur.approved, base.reviews - base.approved,
            out);
    }
  }

  void Judge(Millis now, const std::string& agent, int64_t current_count, int64_t base_count,
             CheckOutput* out) const {
    const double current = double(current_count), base = double(base_count);
    out->samples.push_back(
        {"agent_rejections", {{"agent", agent}, {"window", "current"}}, current});
    out->samples.push_back(
        {"agent_rejections", {{"agent", agent}, {"window", "baseline"}}, base});
    const double windows_per_baseline = double(baseline_) / double(window_);
    const double rate = base / windows_per_baseline;
    const double chance = PoissonAtLeast(current_count, (base + 1) / windows_per_baseline);
    out->samples.push_back({"agent_rejections_p_value", {{"agent", agent}}, chance});
    if (!AtLeast(current, min_rejections_) || !AtLeast(current, warning_factor_ * rate) ||
        !AtMost(chance, evidence_level_)) {
      return;
    }
    const bool critical = AtLeast(current, critical_factor_ * rate);
    Alert alert = NewAlert(*this, now, agent);
    alert.severity = critical ? Severity::kCritical : Severity::kWarning;
    alert.agent = agent;
    alert.title = "Agent " + agent + " rejection spike";
    alert.message = agent + ": " + Num(current, 0) + " rejections in the last " +
                    FormatDuration(window_) + " vs a baseline of " + Num(rate) + " per " +
                    FormatDuration(window_);
    alert.value = current;
    alert.threshold = std::max(min_rejections_, warning_factor_ * rate);
    alert.details = {{"window_rejections", current},
                     {"baseline_rejections", base},
                     {"baseline_rate", Round4(rate)},
                     {"p_value", chance}};
    if (rate > 0) alert.details["ratio"] = Round4(current / rate);
    out->alerts.push_back(std::move(alert));
  }

  std::vector<RuleSpec> Rules() const override {
    auto describe = [&](double factor, bool critical) {
      return "{{ $labels.agent }} had {{ $value }} rejections in the last " + FormatDuration(window_) +
             ", at least " + PromNumber(factor) + "x its rate over the " + FormatDuration(baseline_) +
             " before" + (critical ? "" : " (critical at " + PromNumber(critical_factor_) + "x)") +
             "; chance alone would give so many at most " + PromNumber(evidence_level_) +
             " of the time.";
    };
    std::vector<RuleSpec> rules =
        SpikeRules("ArgusRejectionSpike", "argus_agent_rejections", min_rejections_,
                   double(baseline_) / double(window_), warning_factor_, critical_factor_,
                   "Agent {{ $labels.agent }} rejection spike", describe);
    for (RuleSpec& r : rules) {
      r.expr = "(" + r.expr + ") and ignoring(window) argus_agent_rejections_p_value <= " +
               PromNumber(evidence_level_) + " + " + kPromTolerance;
    }
    return rules;
  }


 private:
  Millis window_ = kHour;
  Millis baseline_ = 7 * kDay;
  double min_rejections_ = 5;
  double warning_factor_ = 3;
  double critical_factor_ = 6;
  // One 1-hour window an hour: 0.0001 x 8760 = about 0.9 chance-only
  // warnings a year.
  double evidence_level_ = 0.0001;
};

}  // namespace

std::unique_ptr<Check> MakeRejectionSpikeCheck() {
  return std::make_unique<RejectionSpikeCheck>();
}

}  // namespace argus
