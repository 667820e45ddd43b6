#ifndef ARGUS_ENGINE_SEASONAL_H_
#define ARGUS_ENGINE_SEASONAL_H_

// The seasonal baselines of SPEC §3a, shared by the rate checks: when a
// pipeline has a rhythm, a window is compared with the same hours of the
// previous weeks or days instead of a flat baseline.

#include <cstdint>
#include <vector>

#include "exporter/base/timestamp.h"

namespace argus {

struct Snapshot;
class WindowState;

constexpr Millis kWeek = 7 * kDay;
constexpr int64_t kDailySlots = 7, kWeeklySlots = 4;
// Slots a seasonal baseline needs within the history.
constexpr size_t kMinSlots = 3;
// The buckets a rhythm is recognised in: 28 of 6 hours before the last 6.
constexpr Millis kRhythmBucket = 6 * kHour;
constexpr int kRhythmBuckets = 28;
// Variance over mean above which bucket counts show a rhythm: 28 Poisson
// counts exceed 2 about once in a thousand.
constexpr double kRhythmDispersion = 2;

// How far back a check with seasonal slots for `window` reads: the oldest
// weekly slot, and an hour more, so that a steady history reaches past it
// (rows are kept for ages below the lookback, never at it).
constexpr Millis SeasonalLookback(Millis window) { return kWeeklySlots * kWeek + window + kHour; }
// How far back the rhythm buckets reach; a pipeline with less history has
// no rhythm yet (its empty early buckets are no evidence of one).
constexpr Millis kRhythmHistory = (kRhythmBuckets + 1) * kRhythmBucket;

// A stretch before now: (now - to, now - from].
struct AgeRange {
  Millis from, to;
};

// Mean and population standard deviation.
std::pair<double, double> Moments(const std::vector<double>& values);

// Whether counts per bucket vary more than chance would: variance over
// mean above kRhythmDispersion, with `history` reaching past every bucket
// (`covered`: how far back they go).
bool HasRhythm(const std::vector<double>& buckets, Millis history, Millis covered);

// How far back the pipeline's reviews go, and whether they have a rhythm
// (HasRhythm over the RhythmRanges buckets): the same from the rows of a
// snapshot and from the aggregates of a window state.
struct PipelineRhythm {
  bool rhythmic = false;
  Millis history = 0;
};
PipelineRhythm RhythmOf(const Snapshot& snap);
PipelineRhythm RhythmOf(const WindowState& state);

// The window-long slots at the same hours of the previous kDailySlots days,
// then of the previous kWeeklySlots weeks.
std::vector<AgeRange> SeasonalRanges(Millis window);

// The rhythm buckets: (k * 6h, (k + 1) * 6h] for k = 1 .. 28.
std::vector<AgeRange> RhythmRanges();

// Which seasonal slots a baseline uses, given how far back the pipeline's
// history goes: the weekly ones if at least kMinSlots of them lie within
// it, else the daily ones likewise (not for a window longer than a day,
// which would overlap them); `period` 0 when neither.
struct SlotChoice {
  Millis period = 0;
  std::vector<size_t> slots;  // indices into SeasonalRanges
};
SlotChoice ChooseSlots(Millis window, Millis history);

}  // namespace argus

#endif  // ARGUS_ENGINE_SEASONAL_H_
