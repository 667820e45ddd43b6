#ifndef ARGUS_PIPELINE_TOTALS_H_
#define ARGUS_PIPELINE_TOTALS_H_

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>

#include "source.h"
#include "status.h"

namespace argus {

// Running totals of everything the pipeline has recorded, behind the
// argus_*_total counters. Each Update reads only the rows with ids above
// those already counted, in batches of a bounded size, so every read
// transaction stays short and a cycle costs what was added since the last.
// Rejection reasons get a label of their own up to `top_reasons` of them
// (the most frequent in the first update); the rest count as "other". A
// label, once given, never changes, so the counters only ever grow.
// Not thread-safe.
class PipelineTotals {
 public:
  explicit PipelineTotals(size_t top_reasons, int64_t batch_rows = 20000);

  // Reads the new rows. On failure the totals keep what was counted.
  Status Update(PipelineSource& source);
  // Forgets everything (the database was replaced).
  void Reset();

  using AgentDomain = std::pair<std::string, std::string>;
  std::map<AgentDomain, double> submissions;
  std::map<std::tuple<std::string, std::string, std::string>, double> reviews;  // +verdict
  std::map<std::tuple<std::string, std::string, std::string>, double> rejections;  // +reason
  std::map<std::pair<std::string, std::string>, double> cost_usd;  // agent, model
  SkippedRows skipped;

 private:
  const std::string& ReasonLabel(const std::string& reason);

  size_t top_reasons_;
  int64_t batch_rows_;
  int64_t last_submission_ = -1, last_review_ = -1, last_cost_ = -1;
  std::unordered_map<std::string, std::string> reason_labels_;
  size_t own_labels_ = 0;
};

}  // namespace argus

#endif  // ARGUS_PIPELINE_TOTALS_H_
