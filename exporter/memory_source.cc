#include "memory_source.h"

#include <unordered_map>

namespace argus {

int64_t MemorySource::AddSubmission(const std::string& created_at, const std::string& agent,
                                    const std::string& domain, const std::string& item) {
  int64_t id = static_cast<int64_t>(submissions_.size()) + 1;
  submissions_.push_back({id, created_at, agent, domain, item});
  return id;
}

void MemorySource::AddReview(int64_t submission_id, const std::string& reviewed_at,
                             const std::string& verdict, const std::string& reason,
                             const std::string& note) {
  int64_t id = static_cast<int64_t>(reviews_.size()) + 1;
  reviews_.push_back({id, submission_id, reviewed_at, verdict, reason, std::nullopt, note});
}

void MemorySource::AddCost(const std::string& incurred_at, const std::string& agent,
                           const std::string& model, double usd) {
  int64_t id = static_cast<int64_t>(costs_.size()) + 1;
  costs_.push_back({id, incurred_at, agent, model, usd});
}

Status MemorySource::ReadSubmissions(const TimeRange& range,
                                     const std::function<void(const SubmissionRow&)>& visit,
                                     SkippedRows* skipped) {
  if (fail_submissions) return Status::Error("submissions: injected read failure");
  for (const auto& s : submissions_) {
    auto t = ParseTimestamp(s.created_at);
    if (!t) {
      ++skipped->submissions;
    } else if (range.Contains(*t)) {
      visit({s.id, *t, s.agent, s.domain});
    }
  }
  return Status::Ok();
}

Status MemorySource::ReadReviews(const TimeRange& range, const std::string* agent,
                                 const std::function<void(const ReviewRow&)>& visit,
                                 SkippedRows* skipped) {
  if (fail_reviews) return Status::Error("reviews: injected read failure");
  std::unordered_map<int64_t, const Submission*> by_id;
  for (const auto& s : submissions_) by_id[s.id] = &s;
  for (const auto& r : reviews_) {
    auto it = by_id.find(r.submission_id);
    if (it == by_id.end()) continue;  // an orphan review joins nothing
    const Submission& s = *it->second;
    if (agent && s.agent != *agent) continue;
    auto t = ParseTimestamp(r.reviewed_at);
    if (t && !range.Contains(*t)) continue;
    if (!t || (r.verdict != "approved" && r.verdict != "rejected")) {
      ++skipped->reviews;
      continue;
    }
    visit({r.id, *t, r.verdict == "approved", r.reason, r.score, r.note, s.agent, s.domain,
           s.item});
  }
  return Status::Ok();
}

Status MemorySource::ReadCosts(const TimeRange& range,
                               const std::function<void(const CostRow&)>& visit,
                               SkippedRows* skipped) {
  if (fail_costs) return Status::Error("costs: injected read failure");
  for (const auto& c : costs_) {
    auto t = ParseTimestamp(c.incurred_at);
    if (!t) {
      ++skipped->costs;
    } else if (range.Contains(*t)) {
      visit({c.id, *t, c.agent, c.model, c.usd});
    }
  }
  return Status::Ok();
}

}  // namespace argus
