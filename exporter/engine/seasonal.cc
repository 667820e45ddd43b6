#include "exporter/engine/seasonal.h"

#include <cmath>

#include "exporter/engine/window_state.h"
#include "exporter/source/snapshot.h"

namespace argus {

std::pair<double, double> Moments(const std::vector<double>& values) {
  if (values.empty()) return {0, 0};
  double mean = 0, var = 0;
  for (double v : values) mean += v;
  mean /= double(values.size());
  for (double v : values) var += (v - mean) * (v - mean);
  return {mean, std::sqrt(var / double(values.size()))};
}

bool HasRhythm(const std::vector<double>& buckets, Millis history, Millis covered) {
  if (history < covered) return false;
  const auto [mean, stddev] = Moments(buckets);
  return mean > 0 && stddev * stddev > kRhythmDispersion * mean;
}

PipelineRhythm RhythmOf(const Snapshot& snap) {
  const std::vector<AgeRange> ranges = RhythmRanges();
  std::vector<double> buckets(ranges.size(), 0);
  for (const ReviewEvent& r : snap.reviews) {
    const Millis age = snap.now - r.at;
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (age >= ranges[i].from && age < ranges[i].to) buckets[i] += 1;
    }
  }
  const Millis history = snap.reviews.empty() ? 0 : snap.now - snap.reviews.front().at;
  return {HasRhythm(buckets, history, kRhythmHistory), history};
}

PipelineRhythm RhythmOf(const WindowState& state) {
  std::vector<double> buckets;
  for (const AgeRange& r : RhythmRanges()) buckets.push_back(double(state.PipelineReviews(r.from, r.to)));
  const std::optional<Millis> earliest = state.EarliestReview();
  const Millis history = earliest ? state.now() - *earliest : 0;
  return {HasRhythm(buckets, history, kRhythmHistory), history};
}

std::vector<AgeRange> SeasonalRanges(Millis window) {
  std::vector<AgeRange> ranges;
  for (int64_t k = 1; k <= kDailySlots; ++k) ranges.push_back({k * kDay, k * kDay + window});
  for (int64_t k = 1; k <= kWeeklySlots; ++k) ranges.push_back({k * kWeek, k * kWeek + window});
  return ranges;
}

std::vector<AgeRange> RhythmRanges() {
  std::vector<AgeRange> ranges;
  for (int k = 1; k <= kRhythmBuckets; ++k) {
    ranges.push_back({k * kRhythmBucket, (k + 1) * kRhythmBucket});
  }
  return ranges;
}

SlotChoice ChooseSlots(Millis window, Millis history) {
  const std::vector<AgeRange> ranges = SeasonalRanges(window);
  for (Millis period : {kWeek, kDay}) {
    if (period == kDay && window > kDay) continue;
    SlotChoice choice;
    choice.period = period;
    const size_t first = period == kWeek ? kDailySlots : 0;
    const size_t n = period == kWeek ? kWeeklySlots : kDailySlots;
    for (size_t i = first; i < first + n; ++i) {
      if (ranges[i].to <= history) choice.slots.push_back(i);
    }
    if (choice.slots.size() >= kMinSlots) return choice;
  }
  return {};
}

}  // namespace argus
