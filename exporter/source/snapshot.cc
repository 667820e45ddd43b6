#include "exporter/source/snapshot.h"

#include <algorithm>

namespace argus {

namespace {

void NoteActivity(Snapshot& snap, uint32_t agent, Millis at) {
  if (snap.last_activity.size() <= agent) snap.last_activity.resize(agent + 1);
  if (snap.active_hours.size() <= agent) snap.active_hours.resize(agent + 1);
  auto& last = snap.last_activity[agent];
  if (!last || *last < at) last = at;
  snap.active_hours[agent].Add(FloorHour(at));
}

}  // namespace

Snapshot LoadSnapshot(PipelineSource& source, Millis now, Millis lookback) {
  Snapshot snap;
  snap.now = now;
  ReadRequest request;
  request.range = snap.Window(lookback);
  ReadStats stats;

  Status s = source.ReadReviews(
      request,
      [&](const ReviewRow& r) {
        ReviewEvent e;
        e.at = r.reviewed_at;
        e.id = r.id;
        e.agent = snap.agents.Intern(r.agent);
        e.domain = snap.domains.Intern(r.domain);
        e.item = snap.items.Intern(r.item);
        e.reason = r.approved || r.reason.empty() ? kNoReason : snap.reasons.Intern(r.reason);
        e.approved = r.approved;
        snap.reviews.push_back(e);
      },
      &stats);
  if (!s.ok()) {
    snap.reviews_error = s.message();
    snap.reviews.clear();
  }
  std::sort(snap.reviews.begin(), snap.reviews.end(),
            [](const ReviewEvent& a, const ReviewEvent& b) {
              return a.at != b.at ? a.at < b.at : a.id < b.id;
            });

  s = source.ReadSubmissions(
      request,
      [&](const SubmissionRow& r) {
        NoteActivity(snap, snap.agents.Intern(r.agent), r.created_at);
        snap.domains.Intern(r.domain);
      },
      &stats);
  if (!s.ok()) snap.submissions_error = s.message();

  s = source.ReadCosts(
      request,
      [&](const CostRow& r) {
        uint32_t agent = snap.agents.Intern(r.agent);
        NoteActivity(snap, agent, r.incurred_at);
        snap.costs.push_back({r.incurred_at, agent, snap.models.Intern(r.model), r.usd});
      },
      &stats);
  if (!s.ok()) {
    snap.costs_error = s.message();
    snap.costs.clear();
  }
  std::sort(snap.costs.begin(), snap.costs.end(),
            [](const CostEvent& a, const CostEvent& b) { return a.at < b.at; });
  snap.last_activity.resize(snap.agents.size());
  snap.active_hours.resize(snap.agents.size());
  snap.skipped = stats.skipped;
  return snap;
}

}  // namespace argus
