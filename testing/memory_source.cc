#include "testing/memory_source.h"

#include <algorithm>
#include <unordered_map>

namespace argus {
namespace {

// Walks `rows` as SQLite would answer `request`: ids above after_id, in id
// order, at most `limit` rows that `visit` reports as matching.
template <typename Row, typename Fn>
void Walk(const std::vector<Row>& rows, const ReadRequest& request, ReadStats* stats, Fn visit) {
  int64_t matched = 0;
  for (const Row& row : rows) {
    if (row.id <= request.after_id) continue;
    if (request.up_to_id >= 0 && row.id > request.up_to_id) continue;
    if (request.limit > 0 && matched >= request.limit) break;
    if (!visit(row)) continue;
    ++matched;
    ++stats->rows;
    stats->max_id = std::max(stats->max_id, row.id);
  }
}

}  // namespace

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

Status MemorySource::ReadSubmissions(const ReadRequest& request,
                                     const std::function<void(const SubmissionRow&)>& visit,
                                     ReadStats* stats) {
  if (fail_submissions) return Status::Error("submissions: injected read failure");
  Walk(submissions_, request, stats, [&](const Submission& s) {
    auto t = ParseTimestamp(s.created_at);
    if (t && !request.range.Contains(*t)) return false;
    if (!t) {
      ++stats->skipped.submissions[SkipReason::kUnreadable];
    } else {
      visit({s.id, *t, s.agent, s.domain});
    }
    return true;
  });
  return Status::Ok();
}

Status MemorySource::ReadReviews(const ReadRequest& request,
                                 const std::function<void(const ReviewRow&)>& visit,
                                 ReadStats* stats) {
  if (fail_reviews) return Status::Error("reviews: injected read failure");
  std::unordered_map<int64_t, const Submission*> by_id;
  for (const auto& s : submissions_) by_id[s.id] = &s;
  Walk(reviews_, request, stats, [&](const Review& r) {
    auto it = by_id.find(r.submission_id);
    if (it == by_id.end()) return false;  // an orphan review joins nothing
    const Submission& s = *it->second;
    if (request.agent && s.agent != *request.agent) return false;
    auto t = ParseTimestamp(r.reviewed_at);
    if (t && !request.range.Contains(*t)) return false;
    if (!t || (r.verdict != "approved" && r.verdict != "rejected")) {
      ++stats->skipped.reviews[SkipReason::kUnreadable];
      return true;
    }
    visit({r.id, *t, r.verdict == "approved", r.reason, r.score, r.note, s.agent, s.domain,
           s.item});
    return true;
  });
  return Status::Ok();
}

Status MemorySource::ReadCosts(const ReadRequest& request,
                               const std::function<void(const CostRow&)>& visit,
                               ReadStats* stats) {
  if (fail_costs) return Status::Error("costs: injected read failure");
  Walk(costs_, request, stats, [&](const Cost& c) {
    auto t = ParseTimestamp(c.incurred_at);
    if (t && !request.range.Contains(*t)) return false;
    if (!t) {
      ++stats->skipped.costs[SkipReason::kUnreadable];
    } else if (!ValidCost(c.usd)) {
      ++stats->skipped.costs[SkipReason::kInvalidValue];
    } else {
      visit({c.id, *t, c.agent, c.model, c.usd});
    }
    return true;
  });
  return Status::Ok();
}

Status MemorySource::MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) {
  if (fail_submissions || fail_reviews || fail_costs) return Status::Error("injected read failure");
  *submissions = submissions_.empty() ? -1 : submissions_.back().id;
  *reviews = reviews_.empty() ? -1 : reviews_.back().id;
  *costs = costs_.empty() ? -1 : costs_.back().id;
  return Status::Ok();
}

void MemorySource::Clear() {
  submissions_.clear();
  reviews_.clear();
  costs_.clear();
}

}  // namespace argus
