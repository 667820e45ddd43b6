#ifndef ARGUS_SNAPSHOT_H_
#define ARGUS_SNAPSHOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <array>
#include <set>
#include <vector>

#include "exporter/base/names.h"
#include "exporter/source/source.h"
#include "exporter/base/status.h"

namespace argus {

// One review as the checks see it: who, where, what, and the verdict.
struct ReviewEvent {
  Millis at;
  int64_t id;
  uint32_t agent;
  uint32_t domain;
  uint32_t item;
  uint32_t reason;  // index into Snapshot::reasons; kNoReason when none
  bool approved;
};

struct CostEvent {
  Millis at;
  uint32_t agent;
  uint32_t model;
  double usd;
};

constexpr uint32_t kNoReason = UINT32_MAX;

// Hour of the week of hour number `h` (Unix time / 1 h), Monday 00:00 UTC
// being 0: 1 January 1970 was a Thursday.
inline int HourOfWeek(int64_t h) { return static_cast<int>(((h + 72) % 168 + 168) % 168); }
// The hour number of `at` (Unix time / 1 h), rounded down, before 1970 too.
inline int64_t FloorHour(Millis at) { return at >= 0 ? at / kHour : (at - kHour + 1) / kHour; }

// The hours (Unix time / 1 h) an agent was active in, and how many of them
// fall in each hour of the week, kept together so that the week's profile
// costs 168 reads however long the history.
struct ActivityHours {
  std::set<int64_t> hours;
  std::array<int32_t, 168> per_hour_of_week{};
  // The hour added last, if still in `hours`.
  static constexpr int64_t kNoHour = INT64_MIN;
  int64_t last_added = kNoHour;

  void Add(int64_t h) {
    if (h == last_added) return;  // rows mostly come in time order
    last_added = h;
    if (hours.insert(h).second) ++per_hour_of_week[HourOfWeek(h)];
  }
  // Forgets every hour h with h * 1 h <= `until`.
  void ForgetUpTo(Millis until) {
    while (!hours.empty() && *hours.begin() * kHour <= until) {
      --per_hour_of_week[HourOfWeek(*hours.begin())];
      if (*hours.begin() == last_added) last_added = kNoHour;
      hours.erase(hours.begin());
    }
  }
};

// Everything the checks read, as of one evaluation instant: the rows of the
// last `lookback` (the longest window any enabled check needs), interned.
// Built once per cycle by LoadSnapshot, then shared read-only by all checks.
struct Snapshot {
  Millis now = 0;
  Names agents, domains, items, reasons, models;
  std::vector<ReviewEvent> reviews;  // ordered by (at, id)
  std::vector<CostEvent> costs;      // ordered by time
  // Latest submission or cost per agent (indexed like `agents`), or nothing
  // when the agent only appears through reviews.
  std::vector<std::optional<Millis>> last_activity;
  // The hours with a submission or cost of each agent.
  std::vector<ActivityHours> active_hours;
  SkippedRows skipped;
  // Empty when the table was read; otherwise why not. A check that needs a
  // table that failed reports that error and nothing else.
  std::string submissions_error, reviews_error, costs_error;

  TimeRange Window(Millis length) const { return {now - length, now}; }
  // The baseline of a window: the `length` that ends where the window starts.
  TimeRange Baseline(Millis window, Millis length) const {
    return {now - window - length, now - window};
  }
};

// Reads (now - lookback, now] from `source` into a snapshot. Never fails as
// a whole: a table that cannot be read leaves its error in the snapshot.
Snapshot LoadSnapshot(PipelineSource& source, Millis now, Millis lookback);

}  // namespace argus

#endif  // ARGUS_SNAPSHOT_H_
