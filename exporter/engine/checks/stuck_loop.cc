#include "exporter/engine/checks/stuck_loop.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/window_state.h"

namespace argus {

std::vector<StuckItem> FindStuckItems(const std::vector<LoopReview>& reviews,
                                      int min_attempts) {
  struct State {
    StuckItem item;
    bool approved = false;
  };
  std::map<std::string_view, State> items;
  for (const LoopReview& r : reviews) {
    State& s = items[*r.item];
    if (r.approved) {
      s.approved = true;
      continue;
    }
    s.item.item = *r.item;
    s.item.domain = *r.domain;
    s.item.attempts += 1;
    s.item.last_reason = *r.reason;
    s.item.last_rejected_at = r.at;
  }
  std::vector<StuckItem> stuck;
  for (auto& [key, s] : items) {
    if (!s.approved && s.item.attempts >= min_attempts) stuck.push_back(std::move(s.item));
  }
  std::stable_sort(stuck.begin(), stuck.end(), [](const StuckItem& a, const StuckItem& b) {
    return a.attempts != b.attempts ? a.attempts > b.attempts
                                    : a.last_rejected_at > b.last_rejected_at;
  });
  return stuck;
}

RejectionStreak TrailingStreak(const std::vector<LoopReview>& reviews) {
  RejectionStreak streak;
  for (auto it = reviews.rbegin(); it != reviews.rend(); ++it) {
    if (it->approved) break;
    if (streak.length == 0) {
      streak.reason = *it->reason;
    } else if (*it->reason != streak.reason) {
      break;
    }
    ++streak.length;
  }
  return streak;
}

namespace {

nlohmann::json StuckItemJson(const StuckItem& s) {
  return {{"item", s.item},
          {"domain", s.domain},
          {"attempts", s.attempts},
          {"last_reason", s.last_reason},
          {"last_rejected_at", FormatTimestamp(s.last_rejected_at)}};
}

// An agent retrying the same item without success, or failing over and over
// for one reason.
class StuckLoopCheck : public CheckBase<StuckLoopCheck> {
 public:
  std::string_view id() const override { return "stuck_loop"; }
  std::string_view category() const override { return "health"; }
  std::string_view summary() const override {
    return "an agent keeps failing one item, or keeps failing for one reason";
  }
  unsigned tables() const override { return kReviews; }
  Millis Lookback() const override { return window_; }

  std::vector<Param> Params() override {
    return {
        {"window", Param::Kind::kDuration, &window_, "recent period the loop is looked for in"},
        {"item_rejections", Param::Kind::kCount, &item_warning_,
         "rejections of one item, with no approval, for a warning"},
        {"item_rejections_critical", Param::Kind::kCount, &item_critical_,
         "rejections of one item, with no approval, for a critical alert", "item_rejections"},
        {"streak", Param::Kind::kCount, &streak_warning_,
         "trailing rejections with one reason for a warning"},
        {"streak_critical", Param::Kind::kCount, &streak_critical_,
         "trailing rejections with one reason for a critical alert", "streak"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {
        {"agent_stuck_item_rejections",
         "Most rejections of one item with no approval, in the stuck-loop window.",
         {"agent"}},
        {"agent_rejection_streak",
         "Rejections with one reason that the agent's reviews in the stuck-loop window end in.",
         {"agent"}},
    };
  }

  StateNeeds Needs() const override { return {.item_windows = {window_}}; }

  bool AttachesFailureReport() const override { return true; }

  // The report's stuck_items: the agent's items rejected at least the
  // warning number of times in the report's period and never approved.
  void AddToReport(const std::vector<ReviewRow>& reviews, nlohmann::json* report) const override {
    std::vector<LoopReview> loop;
    loop.reserve(reviews.size());
    for (const ReviewRow& r : reviews) {
      loop.push_back({r.reviewed_at, r.approved, &r.item, &r.domain, &r.reason});
    }
    nlohmann::json stuck = nlohmann::json::array();
    for (const StuckItem& item : FindStuckItems(loop, static_cast<int>(std::ceil(item_warning_)))) {
      stuck.push_back(StuckItemJson(item));
    }
    (*report)["stuck_items"] = std::move(stuck);
  }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    static const std::string kNone;
    std::map<uint32_t, std::vector<LoopReview>> by_agent;
    const TimeRange window = snap.Window(window_);
    for (const ReviewEvent& r : snap.reviews) {  // already in time order
      if (!window.Contains(r.at)) continue;
      by_agent[r.agent].push_back({r.at, r.approved, &snap.items[r.item],
                                   &snap.domains[r.domain],
                                   r.reason == kNoReason ? &kNone : &snap.reasons[r.reason]});
    }
    for (const auto& [a, reviews] : by_agent) {
      std::vector<StuckItem> stuck = FindStuckItems(reviews, 1);
      const int worst = stuck.empty() ? 0 : stuck.front().attempts;
      while (!stuck.empty() && !AtLeast(stuck.back().attempts, item_warning_)) stuck.pop_back();
      Judge(snap.now, snap.agents[a], stuck, worst, TrailingStreak(reviews), out);
    }
  }

  // Reads only what is kept per agent: the items never approved, and the
  // tail of its reviews as far as the streak goes.
  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    const ItemIndex& index = state.items(window_);
    for (const auto& [a, recent] : index.reviews()) {
      RejectionStreak streak;
      uint32_t streak_reason = kNoReason;
      for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
        const StateReview& r = **it;
        if (r.approved || (streak.length > 0 && r.reason != streak_reason)) break;
        streak_reason = r.reason;
        ++streak.length;
      }
      if (streak.length > 0 && streak_reason != kNoReason) streak.reason = state.reasons[streak_reason];
      std::vector<StuckItem> stuck;
      int worst = 0;
      if (const ItemIndex::AgentItems* items = index.Items(a)) {
        if (!items->unapproved.empty()) worst = int(items->unapproved.rbegin()->first);
        for (auto it = items->unapproved.rbegin();
             it != items->unapproved.rend() && AtLeast(double(it->first), item_warning_); ++it) {
          const StateReview& last = **items->items.at(it->second).rejections.rbegin();
          stuck.push_back({it->second, state.domains[last.domain], int(it->first),
                           last.reason == kNoReason ? std::string() : state.reasons[last.reason],
                           last.at});
        }
      }
      std::sort(stuck.begin(), stuck.end(), [](const StuckItem& x, const StuckItem& y) {
        if (x.attempts != y.attempts) return x.attempts > y.attempts;
        if (x.last_rejected_at != y.last_rejected_at) return x.last_rejected_at > y.last_rejected_at;
        return x.item < y.item;
      });
      Judge(state.now(), state.agents[a], stuck, worst, streak, out);
    }
  }

  // `stuck`: the agent's items at the warning level or above, worst first;
  // `worst`: the most rejections of any item never approved.
  void Judge(Millis now, const std::string& agent, const std::vector<StuckItem>& stuck, int worst,
             const RejectionStreak& streak, CheckOutput* out) const {
    out->samples.push_back({"agent_stuck_item_rejections", {{"agent", agent}}, double(worst)});
    out->samples.push_back({"agent_rejection_streak", {{"agent", agent}}, double(streak.length)});
    Report(now, out, agent, stuck, worst, streak);
  }

  std::vector<RuleSpec> Rules() const override {
    const std::string t = kPromTolerance;
    auto loop = [&](double item, double streak) {
      return "max without() (argus_agent_stuck_item_rejections >= " + PromNumber(item) + " - " +
             t + " or argus_agent_rejection_streak >= " + PromNumber(streak) + " - " + t + ")";
    };
    const std::string description =
        "{{ $labels.agent }} keeps failing in the last " + FormatDuration(window_) +
        ": one item rejected at least " + PromNumber(item_warning_) +
        " times with no approval, or at least " + PromNumber(streak_warning_) +
        " rejections in a row for one reason (critical at " + PromNumber(item_critical_) + " and " +
        PromNumber(streak_critical_) + "). See /api/failure-report/{{ $labels.agent }}.";
    return {
        {"ArgusStuckLoop", Severity::kWarning,
         loop(item_warning_, streak_warning_) + " unless " + loop(item_critical_, streak_critical_),
         "Agent {{ $labels.agent }} is stuck in a loop", description},
        {"ArgusStuckLoop", Severity::kCritical, loop(item_critical_, streak_critical_),
         "Agent {{ $labels.agent }} is stuck in a loop", description},
    };
  }

 private:
  void Report(Millis now, CheckOutput* out, const std::string& agent,
              const std::vector<StuckItem>& candidates, double worst,
              const RejectionStreak& streak) const {
    const bool item_fires = AtLeast(worst, item_warning_);
    const bool streak_fires = AtLeast(streak.length, streak_warning_);
    if (!item_fires && !streak_fires) return;
    const bool item_critical = item_fires && AtLeast(worst, item_critical_);
    const bool streak_critical = streak_fires && AtLeast(streak.length, streak_critical_);

    Alert alert = NewAlert(*this, now, agent);
    alert.severity =
        item_critical || streak_critical ? Severity::kCritical : Severity::kWarning;
    alert.agent = agent;
    alert.title = "Agent " + agent + " is stuck in a loop";
    nlohmann::json items = nlohmann::json::array();
    for (const StuckItem& s : candidates) {
      if (!AtLeast(s.attempts, item_warning_)) break;
      items.push_back(StuckItemJson(s));
    }
    alert.details = {{"stuck_items", items},
                     {"streak", {{"length", streak.length}, {"reason", streak.reason}}}};
    // The message names the cause behind the severity: the item when it is
    // at least as bad as the streak.
    const bool lead_with_item = item_fires && (item_critical || !streak_critical);
    if (lead_with_item) {
      const StuckItem& s = candidates.front();
      alert.message = agent + ": item " + s.item + " rejected " + std::to_string(s.attempts) +
                      " times in " + FormatDuration(window_) + " (last reason: " +
                      s.last_reason + ")";
      alert.value = s.attempts;
      alert.threshold = item_warning_;
    } else {
      alert.message = agent + ": last " + std::to_string(streak.length) +
                      " reviews rejected for " + streak.reason + " in " +
                      FormatDuration(window_);
      alert.value = streak.length;
      alert.threshold = streak_warning_;
    }
    alert.rule = "ArgusStuckLoop";
    alert.evidence = {lead_with_item ? "rejections of one item, never approved"
                                     : "rejections in a row for one reason",
                      Evidence::Unit::kCount, *alert.value, std::nullopt, alert.threshold};
    out->alerts.push_back(std::move(alert));
  }

  Millis window_ = 6 * kHour;
  double item_warning_ = 3;
  double item_critical_ = 5;
  double streak_warning_ = 5;
  double streak_critical_ = 8;
};

}  // namespace

std::unique_ptr<Check> MakeStuckLoopCheck() { return std::make_unique<StuckLoopCheck>(); }

}  // namespace argus
