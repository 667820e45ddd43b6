#ifndef ARGUS_ENGINE_PIPELINE_TOTALS_H_
#define ARGUS_ENGINE_PIPELINE_TOTALS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>

#include "exporter/source/row_feed.h"

namespace argus {

// Running totals of everything the pipeline has recorded, behind the
// argus_*_total counters: a sink of the row feed that wants every row ever
// written, each once. Rejection reasons get a label of their own up to
// `top_reasons` of them (the most frequent in the first read whose reviews
// were read); the rest count as "other". A label, once given, never
// changes, so the counters only ever grow (until the data is replaced and
// everything restarts). A source read whole every cycle is counted afresh
// each time with the same labels, and a table that then fails keeps the
// counts of the last read. Not thread-safe.
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

  using AgentDomain = std::pair<std::string, std::string>;
  std::map<AgentDomain, double> submissions;
  std::map<std::tuple<std::string, std::string, std::string>, double> reviews;  // +verdict
  std::map<std::tuple<std::string, std::string, std::string>, double> rejections;  // +reason
  std::map<std::pair<std::string, std::string>, double> cost_usd;  // agent, model
  SkippedRows skipped;

 private:
  // The counts before a recount, for the tables it fails to read.
  struct Counts {
    std::map<AgentDomain, double> submissions;
    std::map<std::tuple<std::string, std::string, std::string>, double> reviews, rejections;
    std::map<std::pair<std::string, std::string>, double> cost_usd;
    SkippedRows skipped;
  };
  std::optional<Counts> before_recount_;

  const std::string& ReasonLabel(const std::string& reason);

  size_t top_reasons_;
  // Until the first read ends, rejections wait here for their labels.
  bool labelled_ = false;
  std::map<std::tuple<std::string, std::string, std::string>, double> unlabelled_;
  std::unordered_map<std::string, std::string> reason_labels_;
  size_t own_labels_ = 0;
};

}  // namespace argus

#endif  // ARGUS_ENGINE_PIPELINE_TOTALS_H_
