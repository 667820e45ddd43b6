#ifndef ARGUS_ENGINE_PIPELINE_TOTALS_H_
#define ARGUS_ENGINE_PIPELINE_TOTALS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <unordered_map>

#include "exporter/source/row_feed.h"

namespace argus {

// Running totals of everything the pipeline has recorded, behind the
// argus_*_total counters: a sink of the row feed that wants every row ever
// written, each once. Each total has one dimension besides the verdict, so
// that the series add up (agents + domains + reasons + models), never
// multiply (agents x domains x reasons). Rejection reasons get a label of
// their own up to `top_reasons` of them (the most frequent in the first read
// whose reviews were read); the rest count as "other". A label, once given,
// never changes, so the counters only ever grow (until the data is replaced
// and everything restarts). A source read whole every cycle is counted
// afresh each time with the same labels, and a table that then fails keeps
// the counts of the last read. Not thread-safe.
class PipelineTotals : public RowSink {
 public:
  explicit PipelineTotals(size_t top_reasons);

  Millis Since(Millis) const override { return -kAllTime; }
  void Submission(const SubmissionRow& row) override;
  void Review(const ReviewRow& row) override;
  void Cost(const CostRow& row) override;
  void Skipped(const SkippedRows& rows) override;
  void Restart(RestartCause cause) override;
  void EndOfRead(const TableErrors& errors) override;

  using Verdict = std::pair<std::string, std::string>;  // (agent or domain, verdict)
  struct Counts {
    std::map<std::string, double> submissions, domain_submissions;  // by agent; by domain
    std::map<Verdict, double> reviews, domain_reviews;              // (agent | domain, verdict)
    std::map<std::string, double> rejections;                       // by reason label
    std::map<std::string, double> cost_usd, model_cost_usd;         // by agent; by model
    SkippedRows skipped;
  };
  const Counts& counts() const { return counts_; }
  // The agents with a submission, sorted.
  std::vector<std::string> Agents() const;

 private:
  const std::string& ReasonLabel(const std::string& reason);

  Counts counts_;
  // The counts before a recount, for the tables it fails to read.
  std::optional<Counts> before_recount_;
  size_t top_reasons_;
  // Until the first read ends, rejections wait here (by raw reason) for
  // their labels.
  bool labelled_ = false;
  std::map<std::string, double> unlabelled_;
  std::unordered_map<std::string, std::string> reason_labels_;
  size_t own_labels_ = 0;
};

}  // namespace argus

#endif  // ARGUS_ENGINE_PIPELINE_TOTALS_H_
