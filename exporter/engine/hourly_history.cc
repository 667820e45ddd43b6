#include "exporter/engine/hourly_history.h"

namespace argus {

void HourlyHistory::Review(const ReviewRow& row) {
  const int64_t hour = FloorHour(row.reviewed_at);
  for (Hours* scope : {&pipeline_, &domains_[row.domain], &agents_[row.agent]}) {
    Counts& c = (*scope)[hour];
    ++c.reviews;
    if (!row.approved) ++c.rejections;
  }
}

void HourlyHistory::Cost(const CostRow& row) { agents_[row.agent][FloorHour(row.incurred_at)].usd += row.usd; }

void HourlyHistory::Restart(RestartCause) {
  pipeline_.clear();
  domains_.clear();
  agents_.clear();
}

void HourlyHistory::Forget(Millis now) {
  const int64_t first = FloorHour(now) - kHours + 1;
  auto forget = [first](Hours& hours) { hours.erase(hours.begin(), hours.lower_bound(first)); };
  forget(pipeline_);
  for (auto* scopes : {&domains_, &agents_}) {
    for (auto it = scopes->begin(); it != scopes->end();) {
      forget(it->second);
      it = it->second.empty() ? scopes->erase(it) : std::next(it);
    }
  }
}

HourlySeries SeriesOf(const HourlyHistory::Hours& hours, Millis now, int step) {
  HourlySeries s;
  s.step = step;
  const size_t points = HourlyHistory::kHours / step;
  s.reviews.assign(points, 0);
  s.rejections.assign(points, 0);
  s.usd.assign(points, 0);
  const int64_t last = FloorHour(now), first = last - HourlyHistory::kHours + 1;
  for (auto it = hours.lower_bound(first); it != hours.end() && it->first <= last; ++it) {
    const size_t i = static_cast<size_t>(it->first - first) / step;
    s.reviews[i] += static_cast<double>(it->second.reviews);
    s.rejections[i] += static_cast<double>(it->second.rejections);
    s.usd[i] += it->second.usd;
  }
  return s;
}

HistoryView ViewOf(const HourlyHistory& history, Millis now) {
  HistoryView view;
  view.now = now;
  view.pipeline = SeriesOf(history.pipeline(), now);
  for (const auto& [domain, hours] : history.domains()) view.domains[domain] = SeriesOf(hours, now);
  for (const auto& [agent, hours] : history.agents()) view.agents[agent] = SeriesOf(hours, now, HistoryView::kAgentStep);
  return view;
}

}  // namespace argus
