#include <algorithm>
#include <array>
#include <set>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/window_state.h"

namespace argus {
namespace {

// When an agent usually works, learnt from the hours it was active in
// after now - kActivityProfileSpan: with a week of its history or more,
// the hours of the week it was active in (in any of those weeks) and the
// hour on either side of each; with three days or more, the hours of the day
// likewise; with less, or fewer than kMinProfileHours active hours, every
// hour.
struct UsualHours {
  static constexpr size_t kMinProfileHours = 24;

  enum Kind { kEveryHour = 0, kDaily = 1, kWeekly = 2 } kind = kEveryHour;
  std::array<bool, 168> usual{};

  UsualHours(Millis now, const ActivityHours& active) {
    usual.fill(true);
    // Only hours after now - span count (the window state forgets the rest;
    // a snapshot may hold more).
    auto first = active.hours.upper_bound(FloorHour(now - kActivityProfileSpan));
    if (first == active.hours.end() || *first * kHour > now) return;
    const Millis history = now - *first * kHour;
    // The counts without the hours the set holds up to now - span (a
    // snapshot's; the window state has forgotten them).
    std::array<int32_t, 168> counts = active.per_hour_of_week;
    size_t before = 0;
    for (auto it = active.hours.begin(); it != first; ++it, ++before) --counts[HourOfWeek(*it)];
    // Too few active hours say nothing of a rhythm.
    if (history < 3 * kDay || active.hours.size() - before < kMinProfileHours) return;
    kind = history >= 7 * kDay ? kWeekly : kDaily;
    usual.fill(false);
    const int period = kind == kWeekly ? 168 : 24;
    std::array<bool, 168> seen{};
    for (int i = 0, slot = 0; i < 168; ++i, slot = slot + 1 == period ? 0 : slot + 1) {
      seen[slot] = seen[slot] || counts[i] > 0;
    }
    for (int slot = 0; slot < period; ++slot) {
      if (!seen[slot]) continue;
      usual[slot == 0 ? period - 1 : slot - 1] = true;
      usual[slot] = true;
      usual[slot + 1 == period ? 0 : slot + 1] = true;
    }
    if (kind == kDaily) {
      for (int i = 24; i < 168; ++i) usual[i] = usual[i - 24];
    }
  }

  int PerWeek() const { return static_cast<int>(std::count(usual.begin(), usual.end(), true)); }

  // How much of (from, to] falls in usual hours.
  Millis Within(Millis from, Millis to) const {
    Millis total = 0;
    for (int64_t h = FloorHour(from); h * kHour < to; ++h) {
      if (!usual[HourOfWeek(h)]) continue;
      total += std::min(to, (h + 1) * kHour) - std::max(from, h * kHour);
    }
    return total;
  }
};

// An agent that was active in the last `lookback` (or is expected) and has
// been silent for `warning_after`: no submission and no cost row.
class DormantAgentCheck : public CheckBase<DormantAgentCheck> {
 public:
  std::string_view id() const override { return "dormant_agent"; }
  std::string_view category() const override { return "health"; }
  std::string_view summary() const override {
    return "an agent active recently (or expected) has had no activity for a while of the "
           "hours it usually works";
  }
  unsigned tables() const override { return kSubmissions | kCosts; }
  // The watch period, and the span its usual hours are learnt from.
  Millis Lookback() const override { return std::max(lookback_, kActivityProfileSpan); }

  std::vector<Param> Params() override {
    return {
        {"lookback", Param::Kind::kDuration, &lookback_,
         "agents with any activity in this period are watched"},
        {"warning_after", Param::Kind::kDuration, &warning_after_,
         "idle time, counted in the hours the agent usually works, that raises a warning"},
        {"critical_after", Param::Kind::kDuration, &critical_after_,
         "idle time in usual hours that raises a critical alert", "warning_after"},
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
        {"agent_idle_usual_seconds",
         "Of those, the seconds in hours the agent usually works (what dormancy is judged on).",
         {"agent"}},
        {"agent_usual_week_share",
         "Share of the week's hours the agent usually works, as learnt from its last 28 days "
         "(1 until it has 3 days of history).",
         {"agent"}},
        {"agent_expected_missing",
         "1 for an expected agent with no activity in the dormancy lookback.",
         {"agent"}},
    };
  }

  // Activity is kept per agent whatever the windows; nothing to cut.
  StateNeeds Needs() const override { return {}; }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    std::vector<AgentActivity> agents;
    for (uint32_t a = 0; a < snap.agents.size(); ++a) {
      agents.push_back({snap.agents[a], snap.last_activity[a], &snap.active_hours[a]});
    }
    Judge(snap.now, agents, out);
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    std::vector<AgentActivity> agents;
    for (uint32_t a = 0; a < state.agents.size(); ++a) {
      agents.push_back({state.agents[a], state.LastActivity(a), &state.ActiveHours(a)});
    }
    Judge(state.now(), agents, out);
  }

  struct AgentActivity {
    std::string agent;
    std::optional<Millis> last;
    const ActivityHours* hours;
  };

  // `agents`: every agent read, with its latest activity if any.
  void Judge(Millis now, const std::vector<AgentActivity>& agents, CheckOutput* out) const {
    const Millis since = now - lookback_;
    for (const auto& [agent, last, hours] : agents) {
      if (!last || *last <= since) continue;
      const Millis idle = now - *last;
      const UsualHours usual(now, *hours);
      const Millis usual_idle = usual.Within(*last, now);
      out->samples.push_back({"agent_last_activity_timestamp_seconds",
                              {{"agent", agent}},
                              static_cast<double>(*last) / kSecond});
      out->samples.push_back(
          {"agent_idle_seconds", {{"agent", agent}}, static_cast<double>(idle) / kSecond});
      out->samples.push_back({"agent_idle_usual_seconds",
                              {{"agent", agent}},
                              static_cast<double>(usual_idle) / kSecond});
      out->samples.push_back(
          {"agent_usual_week_share", {{"agent", agent}}, double(usual.PerWeek()) / 168});
      if (usual_idle < warning_after_) continue;
      const bool critical = usual_idle >= critical_after_;
      Alert alert = NewAlert(*this, now, agent);
      alert.severity = critical ? Severity::kCritical : Severity::kWarning;
      alert.agent = agent;
      alert.title = "Agent " + agent + " is dormant";
      alert.message = agent + ": no activity for " + Num(double(idle) / kHour, 1) + "h" +
                      (usual_idle == idle ? std::string()
                                          : ", " + Num(double(usual_idle) / kHour, 1) +
                                                "h of them in its usual working hours") +
                      " (last activity " + FormatTimestamp(*last) + ")";
      alert.value = double(usual_idle) / kHour;
      alert.threshold = double(warning_after_) / kHour;
      alert.details = {{"last_activity", FormatTimestamp(*last)},
                       {"idle_seconds", idle / kSecond},
                       {"idle_usual_seconds", usual_idle / kSecond},
                       {"usual_hours_per_week", usual.PerWeek()},
                       {"expected", IsExpected(agent)}};
      alert.rule = "ArgusAgentDormant";
      alert.evidence = {"idle hours in its usual working hours", Evidence::Unit::kHours, *alert.value,
                        std::nullopt, alert.threshold};
      out->alerts.push_back(std::move(alert));
    }
    for (const std::string& agent : expected_) {
      auto seen = std::find_if(agents.begin(), agents.end(), [&](const auto& a) {
        return a.agent == agent && a.last && *a.last > since;
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
      alert.rule = "ArgusExpectedAgentMissing";
      out->alerts.push_back(std::move(alert));
    }
  }

  std::vector<RuleSpec> Rules() const override {
    const std::string warn = PromNumber(double(warning_after_) / kSecond);
    const std::string crit = PromNumber(double(critical_after_) / kSecond);
    const std::string limits = " (warning after " + FormatDuration(warning_after_) +
                               ", critical after " + FormatDuration(critical_after_) + ").";
    const std::string description =
        "{{ $labels.agent }} has had no submission or cost row for {{ $value | humanizeDuration }} "
        "of the hours it usually works" + limits;
    return {
        {"ArgusAgentDormant", Severity::kWarning,
         "argus_agent_idle_usual_seconds >= " + warn + " < " + crit,
         "Agent {{ $labels.agent }} is dormant", description},
        {"ArgusAgentDormant", Severity::kCritical, "argus_agent_idle_usual_seconds >= " + crit,
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
