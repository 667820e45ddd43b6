#include <cmath>
#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/seasonal.h"
#include "exporter/engine/window_state.h"

namespace argus {
namespace {

// An agent spending much more in the last window than its baseline spend per
// window.
class CostSpikeCheck : public CheckBase<CostSpikeCheck> {
 public:
  std::string_view id() const override { return "cost_spike"; }
  std::string_view category() const override { return "health"; }
  std::string_view summary() const override {
    return "an agent's spend in the last day far exceeds its baseline daily spend";
  }
  // The reviews give the pipeline's rhythm (see Needs).
  unsigned tables() const override { return kCosts | kReviews; }
  Millis Lookback() const override {
    return std::max({window_ + baseline_, SeasonalLookback(window_), kRhythmHistory});
  }

  std::vector<Param> Params() override {
    return {
        {"window", Param::Kind::kDuration, &window_, "recent period whose spend counts"},
        {"baseline", Param::Kind::kDuration, &baseline_,
         "period before the window; its spend per window gives the baseline"},
        {"min_usd", Param::Kind::kFactor, &min_usd_,
         "least spend in the window, in USD, that can raise an alert"},
        {"warning_factor", Param::Kind::kFactor, &warning_factor_,
         "window spend >= this x baseline spend per window raises a warning"},
        {"critical_factor", Param::Kind::kFactor, &critical_factor_,
         "window spend >= this x baseline spend per window raises a critical alert", "warning_factor"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {{"agent_cost_usd",
             "The agent's spend in the cost-spike window (current) and its baseline.",
             {"agent", "window"}},
            {"agent_cost_baseline_usd",
             "The agent's usual spend per cost-spike window: the baseline's mean, or, when the "
             "pipeline has a rhythm, the mean of the same span of the previous weeks.",
             {"agent"}}};
  }

  // The same span as the window in each of the previous kWeeklySlots weeks.
  std::vector<AgeRange> WeeklyRanges() const {
    std::vector<AgeRange> ranges;
    for (int64_t k = 1; k <= kWeeklySlots; ++k) ranges.push_back({k * kWeek, k * kWeek + window_});
    return ranges;
  }

  StateNeeds Needs() const override {
    StateNeeds needs{.spend_edges = {window_, window_ + baseline_}};
    for (const AgeRange& r : WeeklyRanges()) {
      needs.spend_edges.push_back(r.from);
      needs.spend_edges.push_back(r.to);
    }
    // The pipeline's rhythm is read from its reviews (shared with the
    // other rate checks); without them, the flat baseline stays.
    for (const AgeRange& r : RhythmRanges()) {
      needs.review_edges.push_back(r.from);
      needs.review_edges.push_back(r.to);
    }
    return needs;
  }



  using Spend = SpendCounts;

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    const std::vector<AgeRange> weekly = WeeklyRanges();
    struct AgentSpend {
      Spend current, base;
      std::vector<int64_t> weeks;
    };
    std::map<uint32_t, AgentSpend> by_agent;
    const TimeRange window = snap.Window(window_);
    const TimeRange baseline = snap.Baseline(window_, baseline_);
    for (const CostEvent& c : snap.costs) {
      AgentSpend& a = by_agent[c.agent];
      if (a.weeks.empty()) a.weeks.assign(weekly.size(), 0);
      const int64_t nano = std::llround(c.usd * 1e9);
      const Millis age = snap.now - c.at;
      for (size_t i = 0; i < weekly.size(); ++i) {
        if (age >= weekly[i].from && age < weekly[i].to) a.weeks[i] += nano;
      }
      Spend* s = window.Contains(c.at) ? &a.current : baseline.Contains(c.at) ? &a.base : nullptr;
      if (!s) continue;
      s->rows += 1;
      s->nano_usd += nano;
    }
    const PipelineRhythm rhythm = RhythmOf(snap);
    for (const auto& [a, spend] : by_agent) {
      if (spend.current.rows + spend.base.rows == 0) continue;
      Judge(snap.now, snap.agents[a], spend.current.nano_usd, spend.base.nano_usd, spend.weeks,
            rhythm, out);
    }
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    const std::vector<AgeRange> weekly = WeeklyRanges();
    const PipelineRhythm rhythm = RhythmOf(state);
    for (uint32_t a = 0; a < state.agents.size(); ++a) {
      const Spend cur = state.AgentSpend(a, 0, window_);
      const Spend base = state.AgentSpend(a, window_, window_ + baseline_);
      if (cur.rows + base.rows == 0) continue;
      std::vector<int64_t> weeks;
      for (const AgeRange& r : weekly) weeks.push_back(state.AgentSpend(a, r.from, r.to).nano_usd);
      Judge(state.now(), state.agents[a], cur.nano_usd, base.nano_usd, weeks, rhythm, out);
    }
  }

  // With a rhythm and at least kMinSlots weeks of history, the usual spend
  // is the mean of the same span of the previous weeks; otherwise the
  // baseline's mean per window.
  void Judge(Millis now, const std::string& agent, int64_t current_nano, int64_t base_nano,
             const std::vector<int64_t>& weeks_nano, const PipelineRhythm& rhythm, CheckOutput* out) const {
    const double current = double(current_nano) / 1e9, base = double(base_nano) / 1e9;
    out->samples.push_back(
        {"agent_cost_usd", {{"agent", agent}, {"window", "current"}}, current});
    out->samples.push_back(
        {"agent_cost_usd", {{"agent", agent}, {"window", "baseline"}}, base});
    double mean = base / (double(baseline_) / double(window_));
    bool weekly = false;
    if (rhythm.rhythmic) {
      const std::vector<AgeRange> ranges = WeeklyRanges();
      int64_t sum = 0;
      size_t n = 0;
      for (size_t i = 0; i < ranges.size(); ++i) {
        if (ranges[i].to > rhythm.history) continue;
        sum += weeks_nano[i];
        ++n;
      }
      if (n >= kMinSlots) {
        mean = double(sum) / 1e9 / double(n);
        weekly = true;
      }
    }
    out->samples.push_back({"agent_cost_baseline_usd", {{"agent", agent}}, mean});
    if (!AtLeast(current, min_usd_) || !AtLeast(current, warning_factor_ * mean)) return;
    const bool critical = AtLeast(current, critical_factor_ * mean);
    Alert alert = NewAlert(*this, now, agent);
    alert.severity = critical ? Severity::kCritical : Severity::kWarning;
    alert.agent = agent;
    alert.title = "Agent " + agent + " cost spike";
    alert.message = agent + ": $" + Num(current) + " spent in the last " +
                    FormatDuration(window_) + " vs a baseline of $" + Num(mean) +
                    (weekly ? " for the same span of the previous weeks"
                            : " per " + FormatDuration(window_));
    alert.value = current;
    alert.threshold = std::max(min_usd_, warning_factor_ * mean);
    alert.details = {{"window_usd", Round4(current)},
                     {"baseline_usd", Round4(base)},
                     {"baseline_mean_usd", Round4(mean)},
                     {"baseline_period_seconds", weekly ? kWeek / kSecond : 0}};
    if (mean > 0) alert.details["ratio"] = Round4(current / mean);
    alert.rule = "ArgusCostSpike";
    alert.evidence = {"spend in the last " + FormatDuration(window_), Evidence::Unit::kUsd, current, mean,
                      alert.threshold};
    out->alerts.push_back(std::move(alert));
  }

  std::vector<RuleSpec> Rules() const override {
    auto describe = [&](double factor, bool critical) {
      return "{{ $labels.agent }} spent ${{ $value | printf \"%.2f\" }} in the last " +
             FormatDuration(window_) + ", at least " + PromNumber(factor) +
             "x its usual spend (its mean over the " + FormatDuration(baseline_) +
             " before, or over the same span of the previous weeks when the pipeline has a "
             "rhythm)" +
             (critical ? "." : " (critical at " + PromNumber(critical_factor_) + "x).");
    };
    return SpikeRules("ArgusCostSpike", "argus_agent_cost_usd", min_usd_,
                      "argus_agent_cost_baseline_usd", warning_factor_, critical_factor_, "",
                      "Agent {{ $labels.agent }} cost spike", describe);
  }

 private:
  Millis window_ = 24 * kHour;
  Millis baseline_ = 7 * kDay;
  double min_usd_ = 5;
  double warning_factor_ = 2;
  double critical_factor_ = 4;
};

}  // namespace

std::unique_ptr<Check> MakeCostSpikeCheck() { return std::make_unique<CostSpikeCheck>(); }

}  // namespace argus
