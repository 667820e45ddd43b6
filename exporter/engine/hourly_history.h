#ifndef ARGUS_ENGINE_HOURLY_HISTORY_H_
#define ARGUS_ENGINE_HOURLY_HISTORY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "exporter/source/row_feed.h"
#include "exporter/source/snapshot.h"

namespace argus {

// The pipeline's last days as the status page draws them: reviews of the
// whole pipeline and of each domain hour by hour; reviews, rejections and
// spend of each agent kAgentStep hours a point. A sink of the row feed, so
// that a page view never reads the database. Memory: one entry per scope
// and slot with rows (at most kHours of them per domain, kHours /
// kAgentStep per agent), plus rows up to a day ahead of the clock; rows
// further ahead are left out (a clock that far wrong is drawn as a gap).
// Not thread-safe: the cycle fills it and takes a HistoryView to publish.
class HourlyHistory : public RowSink {
 public:
  static constexpr int kHours = 8 * 24;
  static constexpr int kAgentStep = 4;
  static constexpr int kAheadHours = 24;

  struct Counts {
    int64_t reviews = 0, rejections = 0;
    double usd = 0;
  };
  // By slot: FloorHour / step, the step of the scope's kind.
  using Slots = std::map<int64_t, Counts>;

  Millis Since(Millis now) const override { return (FloorHour(now) - kHours) * kHour; }
  void Review(const ReviewRow& row) override;
  void Cost(const CostRow& row) override;
  void Restart(RestartCause) override;

  // Forgets the slots before the kHours that end with the one holding
  // `now`, and those over kAheadHours after it; `now` also bounds what the
  // next rows may add.
  void Forget(Millis now);

  const Slots& pipeline() const { return pipeline_; }
  const std::map<std::string, Slots>& domains() const { return domains_; }
  const std::map<std::string, Slots>& agents() const { return agents_; }

 private:
  bool TooFarAhead(Millis at) const { return FloorHour(at) > now_hour_ + kAheadHours; }

  int64_t now_hour_ = INT64_MAX / 2;
  Slots pipeline_;
  std::map<std::string, Slots> domains_, agents_;
};

// The slots of the kHours that end with the hour holding `now`, oldest
// first, `step` hours each: what a chart of one scope draws.
struct HourlySeries {
  int step = 1;
  std::vector<double> reviews, rejections, usd;
};
HourlySeries SeriesOf(const HourlyHistory::Slots& slots, Millis now, int step);

// What the status page draws, taken at the end of a cycle: the pipeline
// and each domain hour by hour (reviews), each agent with any row in the 8
// days kAgentStep hours a point (reviews, rejections, spend).
struct HistoryView {
  Millis now = 0;
  HourlySeries pipeline;
  std::map<std::string, HourlySeries> domains, agents;
};
HistoryView ViewOf(const HourlyHistory& history, Millis now);

}  // namespace argus

#endif  // ARGUS_ENGINE_HOURLY_HISTORY_H_
