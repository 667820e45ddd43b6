#include "exporter/engine/hourly_history.h"

#include <algorithm>

namespace argus {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }

}  // namespace

void HourlyHistory::Review(const ReviewRow& row) {
  if (TooFarAhead(row.reviewed_at)) return;
  const int64_t hour = FloorHour(row.reviewed_at);
  for (Counts* c : {&pipeline_[hour], &domains_[row.domain][hour],
                    &agents_[row.agent][FloorDiv(hour, kAgentStep)]}) {
    ++c->reviews;
    if (!row.approved) ++c->rejections;
  }
}

void HourlyHistory::Cost(const CostRow& row) {
  if (TooFarAhead(row.incurred_at)) return;
  agents_[row.agent][FloorDiv(FloorHour(row.incurred_at), kAgentStep)].usd += row.usd;
}

void HourlyHistory::Restart(RestartCause) {
  pipeline_.clear();
  domains_.clear();
  agents_.clear();
}

void HourlyHistory::Forget(Millis now) {
  now_hour_ = FloorHour(now);
  const int64_t first = now_hour_ - kHours + 1, last = now_hour_ + kAheadHours;
  auto forget = [](Slots& slots, int64_t from, int64_t to) {
    slots.erase(slots.begin(), slots.lower_bound(from));
    slots.erase(slots.upper_bound(to), slots.end());
  };
  forget(pipeline_, first, last);
  for (auto& [scopes, step] : {std::pair{&domains_, int64_t{1}}, std::pair{&agents_, int64_t{kAgentStep}}}) {
    for (auto it = scopes->begin(); it != scopes->end();) {
      forget(it->second, FloorDiv(first, step), FloorDiv(last, step));
      it = it->second.empty() ? scopes->erase(it) : std::next(it);
    }
  }
}

HourlySeries SeriesOf(const HourlyHistory::Slots& slots, Millis now, int step) {
  HourlySeries s;
  s.step = step;
  const int64_t last = FloorDiv(FloorHour(now), step);
  const int64_t points = HourlyHistory::kHours / step, first = last - points + 1;
  s.reviews.assign(points, 0);
  s.rejections.assign(points, 0);
  s.usd.assign(points, 0);
  for (auto it = slots.lower_bound(first); it != slots.end() && it->first <= last; ++it) {
    const size_t i = static_cast<size_t>(it->first - first);
    s.reviews[i] = static_cast<double>(it->second.reviews);
    s.rejections[i] = static_cast<double>(it->second.rejections);
    s.usd[i] = it->second.usd;
  }
  return s;
}

HistoryView ViewOf(const HourlyHistory& history, Millis now) {
  HistoryView view;
  view.now = now;
  auto empty = [](const HourlySeries& s) {
    return std::all_of(s.reviews.begin(), s.reviews.end(), [](double v) { return v == 0; }) &&
           std::all_of(s.usd.begin(), s.usd.end(), [](double v) { return v == 0; });
  };
  view.pipeline = SeriesOf(history.pipeline(), now, 1);
  view.pipeline.rejections.clear();  // drawn: reviews only
  view.pipeline.usd.clear();
  for (const auto& [domain, slots] : history.domains()) {
    HourlySeries s = SeriesOf(slots, now, 1);
    if (empty(s)) continue;  // rows only ahead of the clock
    s.rejections.clear();
    s.usd.clear();
    view.domains.emplace(domain, std::move(s));
  }
  for (const auto& [agent, slots] : history.agents()) {
    HourlySeries s = SeriesOf(slots, now, HourlyHistory::kAgentStep);
    if (!empty(s)) view.agents.emplace(agent, std::move(s));
  }
  return view;
}

}  // namespace argus
