#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/evidence.h"
#include "exporter/engine/window_state.h"

namespace argus {
namespace {

// An agent whose approval ratio over the window fell well below the ratio of
// the baseline before it.
class QualityRegressionCheck : public CheckBase<QualityRegressionCheck> {
 public:
  std::string_view id() const override { return "quality_regression"; }
  std::string_view category() const override { return "quality"; }
  std::string_view summary() const override {
    return "an agent's approval ratio dropped against its own baseline";
  }
  unsigned tables() const override { return kReviews; }
  Millis Lookback() const override { return window_ + baseline_; }

  std::vector<Param> Params() override {
    return {
        {"window", Param::Kind::kDuration, &window_, "recent period whose ratio is judged"},
        {"baseline", Param::Kind::kDuration, &baseline_,
         "period before the window the ratio is compared with"},
        {"min_window_reviews", Param::Kind::kCount, &min_window_,
         "fewer reviews in the window and the agent is not judged"},
        {"min_baseline_reviews", Param::Kind::kCount, &min_baseline_,
         "fewer reviews in the baseline and the agent is not judged"},
        {"warning_drop", Param::Kind::kRatio, &warning_drop_,
         "drop of the approval ratio (baseline minus window) for a warning"},
        {"critical_drop", Param::Kind::kRatio, &critical_drop_,
         "drop of the approval ratio for a critical alert", "warning_drop"},
        {"evidence_level", Param::Kind::kRatio, &evidence_level_,
         "an alert needs the chance of so few approvals at the baseline ratio (binomial) at "
         "most this: about one chance-only warning per agent per year"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {
        {"agent_reviews", "Reviews of the agent's work in the quality window (current) "
                          "and its baseline.",
         {"agent", "window"}},
        {"agent_approval_ratio", "Approved share of the agent's reviews in the quality window "
                                 "(current) and its baseline.",
         {"agent", "window"}},
        {"agent_approval_p_value",
         "Chance of the quality window's approvals or fewer if the agent still worked at its "
         "baseline approval ratio (binomial, baseline share smoothed as (a+1)/(n+2)).",
         {"agent"}},
    };
  }

  StateNeeds Needs() const override { return {.review_edges = {window_, window_ + baseline_}}; }

  struct Counts {
    int64_t reviews = 0, approved = 0;
  };

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    std::map<uint32_t, std::pair<Counts, Counts>> by_agent;  // window, baseline
    const TimeRange window = snap.Window(window_);
    const TimeRange baseline = snap.Baseline(window_, baseline_);
    for (const ReviewEvent& r : snap.reviews) {
      Counts* c = window.Contains(r.at)     ? &by_agent[r.agent].first
                  : baseline.Contains(r.at) ? &by_agent[r.agent].second
                                            : nullptr;
      if (!c) continue;
      c->reviews += 1;
      c->approved += r.approved ? 1 : 0;
    }
    for (const auto& [a, counts] : by_agent) Judge(snap.now, snap.agents[a], counts.first, counts.second, out);
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    for (uint32_t a = 0; a < state.agents.size(); ++a) {
      const SegmentCounts cur = state.Agent(a, 0, window_);
      const SegmentCounts base = state.Agent(a, window_, window_ + baseline_);
      if (cur.reviews + base.reviews == 0) continue;
      Judge(state.now(), state.agents[a], {cur.reviews, cur.approved}, {base.reviews, base.approved}, out);
    }
  }

  void Judge(Millis now, const std::string& agent, const Counts& cur, const Counts& base,
             CheckOutput* out) const {
    Publish(out, agent, "current", cur.reviews, cur.approved);
    Publish(out, agent, "baseline", base.reviews, base.approved);
    double chance = 1;
    if (cur.reviews > 0) {
      chance = BinomialAtMost(cur.approved, cur.reviews, SmoothedShare(base.approved, base.reviews));
      out->samples.push_back({"agent_approval_p_value", {{"agent", agent}}, chance});
    }
    if (cur.reviews < min_window_ || base.reviews < min_baseline_) return;
    const double now_ratio = double(cur.approved) / double(cur.reviews);
    const double base_ratio = double(base.approved) / double(base.reviews);
    const double drop = base_ratio - now_ratio;
    if (!AtLeast(drop, warning_drop_) || !AtMost(chance, evidence_level_)) return;
    const bool critical = AtLeast(drop, critical_drop_);
    Alert alert = NewAlert(*this, now, agent);
    alert.severity = critical ? Severity::kCritical : Severity::kWarning;
    alert.agent = agent;
    alert.title = "Agent " + agent + " approval ratio dropped";
    alert.message = agent + ": approval " + Percent(now_ratio) + " in the last " +
                    FormatDuration(window_) + " vs " + Percent(base_ratio) + " baseline (" +
                    std::to_string(cur.reviews) + " reviews)";
    alert.value = drop;
    alert.threshold = warning_drop_;
    alert.details = {{"window_reviews", cur.reviews},
                     {"window_approval_ratio", Round4(now_ratio)},
                     {"baseline_reviews", base.reviews},
                     {"baseline_approval_ratio", Round4(base_ratio)},
                     {"p_value", chance}};
    alert.rule = "ArgusQualityRegression";
    alert.evidence = {"approval ratio in the last " + FormatDuration(window_), Evidence::Unit::kRatio,
                      now_ratio, base_ratio, base_ratio - warning_drop_};
    out->alerts.push_back(std::move(alert));
  }

  std::vector<RuleSpec> Rules() const override {
    const std::string drop =
        "(argus_agent_approval_ratio{window=\"baseline\"} - ignoring(window) "
        "argus_agent_approval_ratio{window=\"current\"})";
    const std::string guard =
        " and ignoring(window) argus_agent_reviews{window=\"current\"} >= " +
        PromNumber(min_window_) +
        " and ignoring(window) argus_agent_reviews{window=\"baseline\"} >= " +
        PromNumber(min_baseline_) + " and ignoring(window) argus_agent_approval_p_value <= " +
        PromNumber(evidence_level_) + " + " + kPromTolerance;
    const std::string warn = PromNumber(warning_drop_) + " - " + kPromTolerance;
    const std::string crit = PromNumber(critical_drop_) + " - " + kPromTolerance;
    // The value is a difference of two ratios: percentage points.
    auto points = [](double drop) { return PromNumber(drop * 100); };
    const std::string description =
        "The approval ratio of {{ $labels.agent }} over the last " + FormatDuration(window_) +
        " is {{ $value | humanizePercentage }} points below its " + FormatDuration(baseline_) +
        " baseline (percentage points, the difference of the ratios; warning at " +
        points(warning_drop_) + " points, critical at " + points(critical_drop_) +
        "; chance alone would give so few approvals at most " + PromNumber(evidence_level_) +
        " of the time).";
    return {
        {"ArgusQualityRegression", Severity::kWarning, drop + " >= " + warn + " < " + crit + guard,
         "Agent {{ $labels.agent }} approval ratio dropped", description},
        {"ArgusQualityRegression", Severity::kCritical, drop + " >= " + crit + guard,
         "Agent {{ $labels.agent }} approval ratio dropped", description},
    };
  }

 private:
  static void Publish(CheckOutput* out, const std::string& agent, const char* window,
                      int64_t reviews, int64_t approved) {
    out->samples.push_back(
        {"agent_reviews", {{"agent", agent}, {"window", window}}, double(reviews)});
    if (reviews > 0) {
      out->samples.push_back({"agent_approval_ratio",
                              {{"agent", agent}, {"window", window}},
                              double(approved) / double(reviews)});
    }
  }

  Millis window_ = 24 * kHour;
  Millis baseline_ = 7 * kDay;
  double min_window_ = 10;
  double min_baseline_ = 20;
  double warning_drop_ = 0.20;
  double critical_drop_ = 0.40;
  // One 24-hour window a day: 0.003 x 365 = about 1 chance-only warning a
  // year.
  double evidence_level_ = 0.003;
};

}  // namespace

std::unique_ptr<Check> MakeQualityRegressionCheck() {
  return std::make_unique<QualityRegressionCheck>();
}

}  // namespace argus
