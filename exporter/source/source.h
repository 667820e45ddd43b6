#ifndef ARGUS_SOURCE_H_
#define ARGUS_SOURCE_H_

#include <array>
#include <cstdint>
#include <climits>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "exporter/base/status.h"
#include "exporter/base/timestamp.h"

namespace argus {

class NameMap;

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

// Why a read passed over a row: its timestamp (or verdict) could not be
// read; a text field was longer than kMaxValueBytes; a value is impossible
// (a cost that is negative, not finite, or above kMaxCostUsd).
enum class SkipReason { kUnreadable, kTooLarge, kInvalidValue };
constexpr const char* kSkipReasonNames[] = {"unreadable", "too_large", "invalid_value"};

// Rows passed over in one table, by reason.
struct SkipCounts {
  std::array<int64_t, 3> by_reason{};
  int64_t& operator[](SkipReason r) { return by_reason[static_cast<size_t>(r)]; }
  int64_t operator[](SkipReason r) const { return by_reason[static_cast<size_t>(r)]; }
  int64_t total() const { return by_reason[0] + by_reason[1] + by_reason[2]; }
  SkipCounts& operator+=(const SkipCounts& o) {
    for (size_t i = 0; i < by_reason.size(); ++i) by_reason[i] += o.by_reason[i];
    return *this;
  }
};

// How many rows reads passed over, per table.
struct SkippedRows {
  SkipCounts submissions, reviews, costs;
  bool any() const { return submissions.total() || reviews.total() || costs.total(); }
};

// A text field longer than this makes SQLite refuse to load it (the row is
// skipped as too_large), so no row, however large, is held in memory whole.
constexpr int kMaxValueBytes = 1 << 20;
// A cost above this (US dollars for one call) is taken for a broken row.
constexpr double kMaxCostUsd = 1e6;
// Whether a cost can be added up: finite, from 0 to kMaxCostUsd.
inline bool ValidCost(double usd) { return usd >= 0 && usd <= kMaxCostUsd; }

// Why each table could not be read ("" when it was).
struct TableErrors {
  std::string submissions, reviews, costs;
  // The first error, or "".
  const std::string& Any() const {
    return !reviews.empty() ? reviews : !submissions.empty() ? submissions : costs;
  }
};

constexpr Millis kAllTime = INT64_MAX / 4;

// Which rows a read visits: those whose timestamp lies in `range`, whose id
// is above `after_id` (and at most `up_to_id`), and (for reviews) of `agent`'s submissions. With a
// `limit`, at most that many rows in id order (skipped rows included), so
// that a long read can be cut into short transactions.
struct ReadRequest {
  TimeRange range{-kAllTime, kAllTime};
  int64_t after_id = -1;
  int64_t up_to_id = -1;  // and at most this id; -1: no bound
  const std::string* agent = nullptr;
  int64_t limit = 0;  // 0: no limit
  // false: reviews come without their note and score, which SQLite then
  // does not even decode (nothing that folds rows reads them).
  bool details = true;
  // true: only each row's id and time (and a review's verdict) are wanted;
  // a source may leave names and amounts empty, and reviews unjoined.
  bool times_only = false;
  // true: the reader keeps an id cursor (RowFeed, incremental): a row must
  // not be stepped over because it was not yet visible (see PostgresSource).
  bool cursor = false;
};

// What a read saw besides the rows it visited.
struct ReadStats {
  SkippedRows skipped;  // added to, per table
  int64_t rows = 0;     // rows returned by the query, skipped ones included
  int64_t max_id = -1;  // largest id among them
};

// The SQL each table is read through. The defaults read the reference
// schema; a pipeline with other names replaces a table by a query returning
// the same columns (config key `sources:`).
struct SourceQueries {
  std::string submissions = "SELECT id, created_at, agent, domain, item FROM submissions";
  std::string reviews =
      "SELECT id, submission_id, reviewed_at, verdict, reason, score, note FROM reviews";
  // Only the columns Argus reads: a table without the optional token
  // columns is read the same. Empty: the pipeline records no costs.
  std::string costs = "SELECT id, incurred_at, agent, model, usd FROM costs";
  bool operator==(const SourceQueries&) const = default;
};

// `query` as a subquery: "(query\n)", without the trailing semicolon a
// hand-written query often has.
inline std::string SubqueryOf(const std::string& query) {
  std::string q = query;
  while (!q.empty() && (q.back() == ';' || q.back() == ' ' || q.back() == '\n' ||
                        q.back() == '\t' || q.back() == '\r')) {
    q.pop_back();
  }
  return "(" + q + "\n)";
}

// Where the checks read the pipeline from: SQLite (sqlite_source.h) or
// PostgreSQL (postgres_source.h); tests feed rows from memory. Rows
// are visited in no particular order unless `limit` is set. Not
// thread-safe: one reader at a time per source.
class PipelineSource {
 public:
  virtual ~PipelineSource() = default;

  virtual Status ReadSubmissions(const ReadRequest& request,
                                 const std::function<void(const SubmissionRow&)>& visit,
                                 ReadStats* stats) = 0;
  virtual Status ReadReviews(const ReadRequest& request,
                             const std::function<void(const ReviewRow&)>& visit,
                             ReadStats* stats) = 0;
  virtual Status ReadCosts(const ReadRequest& request,
                           const std::function<void(const CostRow&)>& visit,
                           ReadStats* stats) = 0;

  // The largest id of each table (-1 when empty): an id lower than one
  // already read means the data was replaced.
  virtual Status MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) = 0;

  // Whether reads may run on several threads at once.
  virtual bool concurrent_reads() const { return false; }

  // How the names read are mapped (config `labels:`), if they are: set
  // before the first read; a source that cannot map names ignores it.
  virtual void SetNames(std::shared_ptr<NameMap> names) { (void)names; }
  virtual const NameMap* names() const { return nullptr; }

  // Connects and prepares every source query once, so that a misspelt
  // table or column, or a refused login, is reported before the first cycle.
  virtual Status Validate() { return Status::Ok(); }

  // Names the data behind the source; it changes when the database file is
  // replaced by another, which invalidates anything counted from the old one.
  virtual std::string Generation() { return ""; }
};

}  // namespace argus

#endif  // ARGUS_SOURCE_H_
