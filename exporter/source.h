#ifndef ARGUS_SOURCE_H_
#define ARGUS_SOURCE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "status.h"
#include "timestamp.h"

namespace argus {

// The half-open interval (from, to] of instants a read asks for.
struct TimeRange {
  Millis from = 0;  // exclusive
  Millis to = 0;    // inclusive
  bool Contains(Millis t) const { return t > from && t <= to; }
};

struct SubmissionRow {
  int64_t id = 0;
  Millis created_at = 0;
  std::string agent;
  std::string domain;
};

// A review joined with the submission it judges.
struct ReviewRow {
  int64_t id = 0;
  Millis reviewed_at = 0;
  bool approved = false;
  std::string reason;  // empty when approved or not given
  std::optional<double> score;
  std::string note;
  std::string agent;
  std::string domain;
  std::string item;
};

struct CostRow {
  int64_t id = 0;
  Millis incurred_at = 0;
  std::string agent;
  std::string model;  // empty when not recorded
  double usd = 0;
};

// How many rows a read passed over because their timestamp (or verdict)
// could not be read.
struct SkippedRows {
  int64_t submissions = 0;
  int64_t reviews = 0;
  int64_t costs = 0;
};

// Where the checks read the pipeline from. The only implementation that
// ships reads SQLite (sqlite_source.h); tests feed rows from memory. Reads
// visit rows whose timestamp lies in `range`, in no particular order, and
// add the rows they had to skip to `skipped`. Not thread-safe: one reader at
// a time per source.
class PipelineSource {
 public:
  virtual ~PipelineSource() = default;

  virtual Status ReadSubmissions(const TimeRange& range,
                                 const std::function<void(const SubmissionRow&)>& visit,
                                 SkippedRows* skipped) = 0;
  // With `agent`, only the reviews of that agent's submissions.
  virtual Status ReadReviews(const TimeRange& range, const std::string* agent,
                             const std::function<void(const ReviewRow&)>& visit,
                             SkippedRows* skipped) = 0;
  virtual Status ReadCosts(const TimeRange& range,
                           const std::function<void(const CostRow&)>& visit,
                           SkippedRows* skipped) = 0;
};

}  // namespace argus

#endif  // ARGUS_SOURCE_H_
