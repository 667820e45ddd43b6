#include <algorithm>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/window_state.h"

namespace argus {
namespace {

// An agent that was active in the last `lookback` (or is expected) and has
// been silent for `warning_after`: no submission and no cost row.
class DormantAgentCheck : public CheckBase<DormantAgentCheck> {
 public:
  std::string_view id() const override { return "dormant_agent"; }
  std::string_view category() const override { return "health"; }
  std::string_view summary() const override {
    return "an agent active recently (or expected) has had no activity for a while";
  }
  unsigned tables() const override { return kSubmissions | kCosts; }
  Millis Lookback() const override { return lookback_; }

  std::vector<Param> Params() override {
    return {
        {"lookback", Param::Kind::kDuration, &lookback_,
         "agents with any activity in this period are watched"},
        {"warning_after", Param::Kind::kDuration, &warning_after_,
         "idle time that raises a warning"},
        {"critical_after", Param::Kind::kDuration, &critical_after_,
         "idle time that raises a critical alert", "warning_after"},
        {"expected_agents", Param::Kind::kNames, &expected_,
         "agents that must be active; one never seen in the lookback is critical"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {
        {"agent_last_activity_timestamp_seconds",
         "Time of the agent's latest submission or cost row within the dormancy lookback.",
         {"agent"}},
        {"agent_idle_seconds",
         "Seconds from the agent's latest activity to the evaluation instant.",
         {"agent"}},
        {"agent_expected_missing",
         "1 for an expected agent with no activity in the dormancy lookback.",
         {"agent"}},
    };
  }

  // Activity is kept per agent whatever the windows; nothing to cut.
  StateNeeds Needs() const override { return {}; }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    std::vector<std::pair<std::string, std::optional<Millis>>> agents;
    for (uint32_t a = 0; a < snap.agents.size(); ++a) {
      agents.push_back({snap.agents[a], snap.last_activity[a]});
    }
    Judge(snap.now, agents, out);
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    std::vector<std::pair<std::string, std::optional<Millis>>> agents;
    for (uint32_t a = 0; a < state.agents.size(); ++a) {
      agents.push_back({state.agents[a], state.LastActivity(a)});
    }
    Judge(state.now(), agents, out);
  }

  // `agents`: every agent read, with its latest activity if any.
  void Judge(Millis now, const std::vector<std::pair<std::string, std::optional<Millis>>>& agents,
             CheckOutput* out) const {
    const Millis since = now - lookback_;
    for (const auto& [agent, last] : agents) {
      if (!last || *last <= since) continue;
      const Millis idle = now - *last;
      out->samples.push_back({"agent_last_activity_timestamp_seconds",
                              {{"agent", agent}},
                              static_cast<double>(*last) / kSecond});
      out->samples.push_back(
          {"agent_idle_seconds", {{"agent", agent}}, static_cast<double>(idle) / kSecond});
      if (idle < warning_after_) continue;
      const bool critical = idle >= critical_after_;
      Alert alert = NewAlert(*this, now, agent);
      alert.severity = critical ? Severity::kCritical : Severity::kWarning;
      alert.agent = agent;
      alert.title = "Agent " + agent + " is dormant";
      alert.message = agent + ": no activity for " + Num(double(idle) / kHour, 1) +
                      "h (last activity " + FormatTimestamp(*last) + ")";
      alert.value = double(idle) / kHour;
      alert.threshold = double(warning_after_) / kHour;
      alert.details = {{"last_activity", FormatTimestamp(*last)},
                       {"idle_seconds", idle / kSecond},
                       {"expected", IsExpected(agent)}};
      out->alerts.push_back(std::move(alert));
    }
    for (const std::string& agent : expected_) {
      auto seen = std::find_if(agents.begin(), agents.end(), [&](const auto& a) {
        return a.first == agent && a.second && *a.second > since;
      });
      if (seen != agents.end()) continue;
      out->samples.push_back({"agent_expected_missing", {{"agent", agent}}, 1});
      Alert alert = NewAlert(*this, now, agent);
      alert.severity = Severity::kCritical;
      alert.agent = agent;
      alert.title = "Expected agent " + agent + " has not been seen";
      alert.message = agent + ": expected, but no activity in the last " +
                      FormatDuration(lookback_);
      alert.threshold = double(lookback_) / kHour;
      alert.details = {{"last_activity", nullptr}, {"expected", true}};
      out->alerts.push_back(std::move(alert));
    }
  }

  std::vector<RuleSpec> Rules() const override {
    const std::string warn = PromNumber(double(warning_after_) / kSecond);
    const std::string crit = PromNumber(double(critical_after_) / kSecond);
    const std::string limits = " (warning after " + FormatDuration(warning_after_) +
                               ", critical after " + FormatDuration(critical_after_) + ").";
    const std::string description =
        "{{ $labels.agent }} has had no submission or cost row for {{ $value | humanizeDuration }}" +
        limits;
    return {
        {"ArgusAgentDormant", Severity::kWarning,
         "argus_agent_idle_seconds >= " + warn + " < " + crit,
         "Agent {{ $labels.agent }} is dormant", description},
        {"ArgusAgentDormant", Severity::kCritical, "argus_agent_idle_seconds >= " + crit,
         "Agent {{ $labels.agent }} is dormant", description},
        {"ArgusExpectedAgentMissing", Severity::kCritical, "argus_agent_expected_missing == 1",
         "Expected agent {{ $labels.agent }} has not been seen",
         "{{ $labels.agent }} is listed in expected_agents but has no activity in the last " +
             FormatDuration(lookback_) + "."},
    };
  }

 private:
  bool IsExpected(const std::string& agent) const {
    return std::find(expected_.begin(), expected_.end(), agent) != expected_.end();
  }

  Millis lookback_ = 7 * kDay;
  Millis warning_after_ = 6 * kHour;
  Millis critical_after_ = 24 * kHour;
  std::vector<std::string> expected_;
};

}  // namespace

std::unique_ptr<Check> MakeDormantAgentCheck() { return std::make_unique<DormantAgentCheck>(); }

}  // namespace argus
