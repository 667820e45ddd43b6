#include "pipeline_totals.h"

#include <algorithm>
#include <vector>

namespace argus {

namespace {

constexpr const char* kOtherReason = "other";
constexpr const char* kNoReason = "none";

// Reads everything above `*last_id` in batches; `visit` sees each row.
template <typename ReadFn>
Status ReadInBatches(int64_t batch_rows, int64_t* last_id, SkippedRows* skipped, ReadFn read) {
  while (true) {
    ReadRequest request;
    request.after_id = *last_id;
    request.limit = batch_rows;
    ReadStats stats;
    Status s = read(request, &stats);
    if (!s.ok()) return s;
    skipped->submissions += stats.skipped.submissions;
    skipped->reviews += stats.skipped.reviews;
    skipped->costs += stats.skipped.costs;
    if (stats.max_id > *last_id) *last_id = stats.max_id;
    if (stats.rows < batch_rows) return Status::Ok();
  }
}

}  // namespace

PipelineTotals::PipelineTotals(size_t top_reasons, int64_t batch_rows)
    : top_reasons_(top_reasons), batch_rows_(batch_rows) {}

void PipelineTotals::Reset() { *this = PipelineTotals(top_reasons_, batch_rows_); }

const std::string& PipelineTotals::ReasonLabel(const std::string& reason) {
  auto it = reason_labels_.find(reason);
  if (it != reason_labels_.end()) return it->second;
  std::string label = reason.empty() ? kNoReason : reason;
  if (own_labels_ >= top_reasons_) {
    label = kOtherReason;
  } else {
    ++own_labels_;
  }
  return reason_labels_.emplace(reason, label).first->second;
}

Status PipelineTotals::Update(PipelineSource& source) {
  Status s = ReadInBatches(batch_rows_, &last_submission_, &skipped,
                           [&](const ReadRequest& request, ReadStats* stats) {
                             return source.ReadSubmissions(
                                 request,
                                 [&](const SubmissionRow& r) {
                                   submissions[{r.agent, r.domain}] += 1;
                                 },
                                 stats);
                           });
  if (!s.ok()) return s;

  // The first time, reasons are ranked over everything read before any is
  // given a label, so the most frequent ones get their own.
  const bool first = reason_labels_.empty() && last_review_ < 0;
  std::map<std::tuple<std::string, std::string, std::string>, double> unlabelled;
  s = ReadInBatches(batch_rows_, &last_review_, &skipped,
                    [&](const ReadRequest& request, ReadStats* stats) {
                      return source.ReadReviews(
                          request,
                          [&](const ReviewRow& r) {
                            reviews[{r.agent, r.domain, r.approved ? "approved" : "rejected"}] += 1;
                            if (r.approved) return;
                            if (first) {
                              unlabelled[{r.agent, r.domain, r.reason}] += 1;
                            } else {
                              rejections[{r.agent, r.domain, ReasonLabel(r.reason)}] += 1;
                            }
                          },
                          stats);
                    });
  if (first) {
    std::map<std::string, double> by_reason;
    for (const auto& [key, n] : unlabelled) by_reason[std::get<2>(key)] += n;
    std::vector<std::pair<std::string, double>> ranked(by_reason.begin(), by_reason.end());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [reason, n] : ranked) ReasonLabel(reason);
    for (const auto& [key, n] : unlabelled) {
      rejections[{std::get<0>(key), std::get<1>(key), ReasonLabel(std::get<2>(key))}] += n;
    }
  }
  if (!s.ok()) return s;

  return ReadInBatches(batch_rows_, &last_cost_, &skipped,
                       [&](const ReadRequest& request, ReadStats* stats) {
                         return source.ReadCosts(
                             request,
                             [&](const CostRow& r) { cost_usd[{r.agent, r.model}] += r.usd; },
                             stats);
                       });
}

}  // namespace argus
