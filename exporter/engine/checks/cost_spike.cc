#include <cmath>
#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
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
  unsigned tables() const override { return kCosts; }
  Millis Lookback() const override { return window_ + baseline_; }

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
             {"agent", "window"}}};
  }

  StateNeeds Needs() const override { return {.spend_edges = {window_, window_ + baseline_}}; }

  using Spend = SpendCounts;

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    std::map<uint32_t, std::pair<Spend, Spend>> by_agent;  // window, baseline
    const TimeRange window = snap.Window(window_);
    const TimeRange baseline = snap.Baseline(window_, baseline_);
    for (const CostEvent& c : snap.costs) {
      Spend* s = window.Contains(c.at)     ? &by_agent[c.agent].first
                 : baseline.Contains(c.at) ? &by_agent[c.agent].second
                                           : nullptr;
      if (!s) continue;
      s->rows += 1;
      s->nano_usd += std::llround(c.usd * 1e9);
    }
    for (const auto& [a, spend] : by_agent) {
      Judge(snap.now, snap.agents[a], spend.first.nano_usd, spend.second.nano_usd, out);
    }
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    for (uint32_t a = 0; a < state.agents.size(); ++a) {
      const Spend cur = state.AgentSpend(a, 0, window_);
      const Spend base = state.AgentSpend(a, window_, window_ + baseline_);
      if (cur.rows + base.rows == 0) continue;
      Judge(state.now(), state.agents[a], cur.nano_usd, base.nano_usd, out);
    }
  }

  void Judge(Millis now, const std::string& agent, int64_t current_nano, int64_t base_nano,
             CheckOutput* out) const {
    const double current = double(current_nano) / 1e9, base = double(base_nano) / 1e9;
    out->samples.push_back(
        {"agent_cost_usd", {{"agent", agent}, {"window", "current"}}, current});
    out->samples.push_back(
        {"agent_cost_usd", {{"agent", agent}, {"window", "baseline"}}, base});
    const double windows_per_baseline = double(baseline_) / double(window_);
    const double mean = base / windows_per_baseline;
    if (!AtLeast(current, min_usd_) || !AtLeast(current, warning_factor_ * mean)) return;
    const bool critical = AtLeast(current, critical_factor_ * mean);
    Alert alert = NewAlert(*this, now, agent);
    alert.severity = critical ? Severity::kCritical : Severity::kWarning;
    alert.agent = agent;
    alert.title = "Agent " + agent + " cost spike";
    alert.message = agent + ": $" + Num(current) + " spent in the last " +
                    FormatDuration(window_) + " vs a baseline of $" + Num(mean) + " per " +
                    FormatDuration(window_);
    alert.value = current;
    alert.threshold = std::max(min_usd_, warning_factor_ * mean);
    alert.details = {{"window_usd", Round4(current)},
                     {"baseline_usd", Round4(base)},
                     {"baseline_mean_usd", Round4(mean)}};
    if (mean > 0) alert.details["ratio"] = Round4(current / mean);
    out->alerts.push_back(std::move(alert));
  }

  std::vector<RuleSpec> Rules() const override {
    auto describe = [&](double factor, bool critical) {
      return "{{ $labels.agent }} spent ${{ $value | printf \"%.2f\" }} in the last " +
             FormatDuration(window_) + ", at least " + PromNumber(factor) + "x its mean over the " +
             FormatDuration(baseline_) + " before" +
             (critical ? "." : " (critical at " + PromNumber(critical_factor_) + "x).");
    };
    return SpikeRules("ArgusCostSpike", "argus_agent_cost_usd", min_usd_,
                      double(baseline_) / double(window_), warning_factor_, critical_factor_,
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
