#ifndef ARGUS_ENGINE_HOURLY_HISTORY_H_
#define ARGUS_ENGINE_HOURLY_HISTORY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "exporter/source/row_feed.h"
#include "exporter/source/snapshot.h"

namespace argus {

// The pipeline's last days hour by hour, as the status page draws them:
// reviews of the whole pipeline and of each domain; reviews, rejections and
// spend of each agent. A sink of the row feed, so that a page view never
// reads the database. Memory: one entry per scope and hour with rows, for
// the hours kept (and rows ahead of the clock until they come into view).
// Not thread-safe: the cycle fills it and takes a HistoryView copy to
// publish.
class HourlyHistory : public RowSink {
 public:
  static constexpr int kHours = 8 * 24;

  struct Counts {
    int64_t reviews = 0, rejections = 0;
    double usd = 0;
  };
  using Hours = std::map<int64_t, Counts>;  // by FloorHour

  Millis Since(Millis now) const override { return (FloorHour(now) - kHours) * kHour; }
  void Review(const ReviewRow& row) override;
  void Cost(const CostRow& row) override;
  void Restart(RestartCause) override;

  // Forgets the hours before the kHours that end with the one holding `now`.
  void Forget(Millis now);

  const Hours& pipeline() const { return pipeline_; }
  const std::map<std::string, Hours>& domains() const { return domains_; }
  const std::map<std::string, Hours>& agents() const { return agents_; }

 private:
  Hours pipeline_;
  std::map<std::string, Hours> domains_, agents_;
};

// Counts of the kHours hours ending with the one that holds `now`, oldest
// first, summed `step` hours a point: what a chart of one scope draws.
struct HourlySeries {
  int step = 1;
  std::vector<double> reviews, rejections, usd;
};
HourlySeries SeriesOf(const HourlyHistory::Hours& hours, Millis now, int step = 1);

// What the status page draws, taken at the end of a cycle: the pipeline
// and domains hour by hour, agents kAgentStep hours a point (a small chart
// each, and a copy per cycle that stays small with many agents).
struct HistoryView {
  static constexpr int kAgentStep = 4;
  Millis now = 0;
  HourlySeries pipeline;
  std::map<std::string, HourlySeries> domains, agents;
};
HistoryView ViewOf(const HourlyHistory& history, Millis now);

}  // namespace argus

#endif  // ARGUS_ENGINE_HOURLY_HISTORY_H_
