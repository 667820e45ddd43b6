#include <algorithm>
#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/seasonal.h"
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
  Millis Lookback() const override {
    return std::max({window_ + baseline_, SeasonalLookback(window_), kRhythmHistory});
  }

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
         "an alert needs the chance of so many rejections, at the usual rate (Poisson) and at "
         "the usual rejected share of the window's reviews (binomial), at most this: about one "
         "chance-only warning per agent per year"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {{"agent_rejections",
             "Rejections of the agent's work in the rejection-spike window (current) and "
             "its baseline.",
             {"agent", "window"}},
            {"agent_rejections_baseline_rate",
             "Rejections the agent usually has in a rejection-spike window: the baseline's "
             "per window, or, when the pipeline has a rhythm, the mean of the same hours of "
             "the previous weeks (or days).",
             {"agent"}},
            {"agent_rejections_p_value",
             "Chance of the rejection-spike window's rejections or more: the larger of that at "
             "the usual rate (Poisson, smoothed by one) and that at the baseline's rejected share "
             "of the window's reviews (binomial, smoothed as (r+1)/(n+2)).",
             {"agent"}}};
  }

  StateNeeds Needs() const override {
    StateNeeds needs{.review_edges = {window_, window_ + baseline_}};
    for (const auto& ranges : {SeasonalRanges(window_), RhythmRanges()}) {
      for (const AgeRange& r : ranges) {
        needs.review_edges.push_back(r.from);
        needs.review_edges.push_back(r.to);
      }
    }
    return needs;
  }

  // One agent's rejections: in the window, in the flat baseline, and in each
  // seasonal slot.
  struct Counts {
    int64_t current = 0, base = 0;  // rejections
    int64_t current_reviews = 0, base_reviews = 0;
    std::vector<double> slots;
    bool judged = false;  // reviewed in the window or the baseline
  };

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    const std::vector<AgeRange> seasonal = SeasonalRanges(window_);
    std::map<uint32_t, Counts> by_agent;
    const TimeRange window = snap.Window(window_);
    const TimeRange baseline = snap.Baseline(window_, baseline_);
    for (const ReviewEvent& r : snap.reviews) {
      const Millis age = snap.now - r.at;
      const bool in_window = window.Contains(r.at), in_baseline = baseline.Contains(r.at);
      Counts& c = by_agent[r.agent];
      if (c.slots.empty()) c.slots.assign(seasonal.size(), 0);
      if (in_window || in_baseline) c.judged = true;
      if (in_window) c.current_reviews += 1;
      if (in_baseline) c.base_reviews += 1;
      if (r.approved) continue;
      if (in_window) c.current += 1;
      if (in_baseline) c.base += 1;
      for (size_t i = 0; i < seasonal.size(); ++i) {
        if (age >= seasonal[i].from && age < seasonal[i].to) c.slots[i] += 1;
      }
    }
    const PipelineRhythm rhythm = RhythmOf(snap);
    for (const auto& [a, counts] : by_agent) {
      if (counts.judged) Judge(snap.now, snap.agents[a], counts, rhythm, out);
    }
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    const std::vector<AgeRange> seasonal = SeasonalRanges(window_);
    const PipelineRhythm rhythm = RhythmOf(state);
    for (uint32_t a = 0; a < state.agents.size(); ++a) {
      const SegmentCounts cur = state.Agent(a, 0, window_);
      const SegmentCounts base = state.Agent(a, window_, window_ + baseline_);
      if (cur.reviews + base.reviews == 0) continue;
      Counts c{cur.reviews - cur.approved, base.reviews - base.approved, cur.reviews,
               base.reviews, {}, true};
      for (const AgeRange& r : seasonal) {
        const SegmentCounts slot = state.Agent(a, r.from, r.to);
        c.slots.push_back(double(slot.reviews - slot.approved));
      }
      Judge(state.now(), state.agents[a], c, rhythm, out);
    }
  }

  void Judge(Millis now, const std::string& agent, const Counts& c, const PipelineRhythm& rhythm,
             CheckOutput* out) const {
    const double current = double(c.current), base = double(c.base);
    out->samples.push_back(
        {"agent_rejections", {{"agent", agent}, {"window", "current"}}, current});
    out->samples.push_back(
        {"agent_rejections", {{"agent", agent}, {"window", "baseline"}}, base});
    // The usual rejections per window, and their count and the windows
    // they came from for the evidence test (smoothed by one).
    double windows = double(baseline_) / double(window_), seen = base;
    Millis period = 0;
    if (rhythm.rhythmic) {
      const SlotChoice choice = ChooseSlots(window_, rhythm.history);
      if (choice.period) {
        period = choice.period;
        windows = double(choice.slots.size());
        seen = 0;
        for (size_t i : choice.slots) seen += c.slots[i];
      }
    }
    const double rate = seen / windows;
    // Chance must be unlikely to give so many rejections both at the usual
    // rate and, given the window's own reviews, at the usual rejected share:
    // a surge of work brings its share of rejections, which is no spike.
    const double chance =
        std::max(PoissonAtLeast(c.current, (seen + 1) / windows),
                 BinomialAtLeast(c.current, c.current_reviews,
                                 SmoothedShare(c.base, c.base_reviews)));
    out->samples.push_back({"agent_rejections_baseline_rate", {{"agent", agent}}, rate});
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
    const std::string against = period == kWeek  ? " at this hour of the previous weeks"
                                : period == kDay ? " at this hour of the previous days"
                                                 : " per " + FormatDuration(window_);
    alert.message = agent + ": " + Num(current, 0) + " rejections in the last " +
                    FormatDuration(window_) + " vs a baseline of " + Num(rate) + against;
    alert.value = current;
    alert.threshold = std::max(min_rejections_, warning_factor_ * rate);
    alert.details = {{"window_rejections", current},
                     {"baseline_rejections", base},
                     {"baseline_rate", Round4(rate)},
                     {"baseline_period_seconds", period / kSecond},
                     {"p_value", chance}};
    if (rate > 0) alert.details["ratio"] = Round4(current / rate);
    alert.rule = "ArgusRejectionSpike";
    alert.evidence = {"rejections in the last " + FormatDuration(window_), Evidence::Unit::kCount, current,
                      rate, alert.threshold};
    out->alerts.push_back(std::move(alert));
  }

  std::vector<RuleSpec> Rules() const override {
    auto describe = [&](double factor, bool critical) {
      return "{{ $labels.agent }} had {{ $value }} rejections in the last " + FormatDuration(window_) +
             ", at least " + PromNumber(factor) +
             "x its usual rate (the same hour of the previous weeks or days when the pipeline has "
             "a rhythm, else the " + FormatDuration(baseline_) + " before)" +
             (critical ? "" : " (critical at " + PromNumber(critical_factor_) + "x)") +
             "; chance alone would give so many at most " + PromNumber(evidence_level_) +
             " of the time.";
    };
    return SpikeRules("ArgusRejectionSpike", "argus_agent_rejections", min_rejections_,
                      "argus_agent_rejections_baseline_rate", warning_factor_, critical_factor_,
                      "argus_agent_rejections_p_value <= " + PromNumber(evidence_level_) + " + " +
                          kPromTolerance,
                      "Agent {{ $labels.agent }} rejection spike", describe);
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
