#include "exporter/engine/pipeline_totals.h"

#include <algorithm>
#include <vector>

namespace argus {

namespace {

constexpr const char* kOtherReason = "other";
constexpr const char* kNoReasonLabel = "none";

}  // namespace

PipelineTotals::PipelineTotals(size_t top_reasons) : top_reasons_(top_reasons) {}

void PipelineTotals::Restart(RestartCause cause) {
  if (cause != RestartCause::kRecount) {
    *this = PipelineTotals(top_reasons_);
    return;
  }
  // Counted again from nothing, with the labels given so far.
  before_recount_ = Counts{std::move(submissions), std::move(reviews), std::move(rejections),
                           std::move(cost_usd), skipped};
  submissions.clear();
  reviews.clear();
  rejections.clear();
  cost_usd.clear();
  unlabelled_.clear();
  skipped = SkippedRows();
}

const std::string& PipelineTotals::ReasonLabel(const std::string& reason) {
  auto it = reason_labels_.find(reason);
  if (it != reason_labels_.end()) return it->second;
  std::string label = reason.empty() ? kNoReasonLabel : reason;
  if (own_labels_ >= top_reasons_) {
    label = kOtherReason;
  } else {
    ++own_labels_;
  }
  return reason_labels_.emplace(reason, label).first->second;
}

void PipelineTotals::Submission(const SubmissionRow& r) { submissions[{r.agent, r.domain}] += 1; }

void PipelineTotals::Review(const ReviewRow& r) {
  reviews[{r.agent, r.domain, r.approved ? "approved" : "rejected"}] += 1;
  if (r.approved) return;
  if (labelled_) {
    rejections[{r.agent, r.domain, ReasonLabel(r.reason)}] += 1;
  } else {
    unlabelled_[{r.agent, r.domain, r.reason}] += 1;
  }
}

void PipelineTotals::Cost(const CostRow& r) { cost_usd[{r.agent, r.model}] += r.usd; }

void PipelineTotals::Skipped(const SkippedRows& rows) {
  skipped.submissions += rows.submissions;
  skipped.reviews += rows.reviews;
  skipped.costs += rows.costs;
}

void PipelineTotals::EndOfRead(const TableErrors& errors) {
  if (before_recount_) {
    Counts& before = *before_recount_;
    if (!errors.submissions.empty()) {
      submissions = std::move(before.submissions);
      skipped.submissions = before.skipped.submissions;
    }
    if (!errors.reviews.empty()) {
      reviews = std::move(before.reviews);
      rejections = std::move(before.rejections);
      unlabelled_.clear();
      skipped.reviews = before.skipped.reviews;
    }
    if (!errors.costs.empty()) {
      cost_usd = std::move(before.cost_usd);
      skipped.costs = before.skipped.costs;
    }
    before_recount_.reset();
  }
  // The first time the reviews were read, reasons are ranked over all of
  // them before any is given a label, so the most frequent get their own.
  if (labelled_ || !errors.reviews.empty()) return;
  labelled_ = true;
  std::map<std::string, double> by_reason;
  for (const auto& [key, n] : unlabelled_) by_reason[std::get<2>(key)] += n;
  std::vector<std::pair<std::string, double>> ranked(by_reason.begin(), by_reason.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [reason, n] : ranked) ReasonLabel(reason);
  for (const auto& [key, n] : unlabelled_) {
    rejections[{std::get<0>(key), std::get<1>(key), ReasonLabel(std::get<2>(key))}] += n;
  }
  unlabelled_.clear();
}

}  // namespace argus
