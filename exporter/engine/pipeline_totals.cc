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
  before_recount_ = std::move(counts_);
  counts_ = Counts();
  unlabelled_.clear();
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

void PipelineTotals::Submission(const SubmissionRow& r) {
  counts_.submissions[r.agent] += 1;
  counts_.domain_submissions[r.domain] += 1;
}

void PipelineTotals::Review(const ReviewRow& r) {
  const char* verdict = r.approved ? "approved" : "rejected";
  counts_.reviews[{r.agent, verdict}] += 1;
  counts_.domain_reviews[{r.domain, verdict}] += 1;
  if (r.approved) return;
  if (labelled_) {
    counts_.rejections[ReasonLabel(r.reason)] += 1;
  } else {
    unlabelled_[r.reason] += 1;
  }
}

void PipelineTotals::Cost(const CostRow& r) {
  counts_.cost_usd[r.agent] += r.usd;
  counts_.model_cost_usd[r.model] += r.usd;
}

void PipelineTotals::Skipped(const SkippedRows& rows) {
  counts_.skipped.submissions += rows.submissions;
  counts_.skipped.reviews += rows.reviews;
  counts_.skipped.costs += rows.costs;
}

std::vector<std::string> PipelineTotals::Agents() const {
  std::vector<std::string> agents;
  for (const auto& [agent, n] : counts_.submissions) agents.push_back(agent);
  return agents;
}

void PipelineTotals::EndOfRead(const TableErrors& errors) {
  if (before_recount_) {
    Counts& before = *before_recount_;
    if (!errors.submissions.empty()) {
      counts_.submissions = std::move(before.submissions);
      counts_.domain_submissions = std::move(before.domain_submissions);
      counts_.skipped.submissions = before.skipped.submissions;
    }
    if (!errors.reviews.empty()) {
      counts_.reviews = std::move(before.reviews);
      counts_.domain_reviews = std::move(before.domain_reviews);
      counts_.rejections = std::move(before.rejections);
      unlabelled_.clear();
      counts_.skipped.reviews = before.skipped.reviews;
    }
    if (!errors.costs.empty()) {
      counts_.cost_usd = std::move(before.cost_usd);
      counts_.model_cost_usd = std::move(before.model_cost_usd);
      counts_.skipped.costs = before.skipped.costs;
    }
    before_recount_.reset();
  }
  // The first time the reviews were read, reasons are ranked over all of
  // them before any is given a label, so the most frequent get their own.
  if (labelled_ || !errors.reviews.empty()) return;
  labelled_ = true;
  std::vector<std::pair<std::string, double>> ranked(unlabelled_.begin(), unlabelled_.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [reason, n] : ranked) counts_.rejections[ReasonLabel(reason)] += n;
  unlabelled_.clear();
}

}  // namespace argus
