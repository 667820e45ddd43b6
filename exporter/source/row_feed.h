#ifndef ARGUS_SOURCE_ROW_FEED_H_
#define ARGUS_SOURCE_ROW_FEED_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "exporter/source/source.h"

namespace argus {

// Why a sink starts over.
enum class RestartCause {
  kReplaced,  // the data behind the source was replaced
  kRejoined,  // the sink alone (RowFeed::Rejoin, or its catch-up failed)
  kRecount,   // a source read whole every time, about to be read again
};

// Something that folds the pipeline's rows (the window state, the pipeline
// totals). Each row reaches it once, in no particular order.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // The earliest instant whose rows it wants, as of `now`.
  virtual Millis Since(Millis now) const = 0;
  virtual void Submission(const SubmissionRow& row) { (void)row; }
  virtual void Review(const ReviewRow& row) { (void)row; }
  virtual void Cost(const CostRow& row) { (void)row; }
  // Rows a read passed over (unreadable time or verdict).
  virtual void Skipped(const SkippedRows& rows) { (void)rows; }
  // Everything delivered so far is void: forget it.
  virtual void Restart(RestartCause cause) = 0;
  // A read it took part in is over; `errors` says which tables failed
  // (their rows up to the failure were delivered, the rest come later).
  virtual void EndOfRead(const TableErrors& errors) { (void)errors; }
};

// The one reader of new rows: it owns the id cursors, reads in bounded
// batches (every read transaction stays short), hands each row to every
// sink, and detects a replaced database (another file, or ids below those
// read), after which every sink restarts and everything is read again.
//
// A sink that joins late (a new window state after a reload, totals that
// must be recounted) first catches up alone on the rows the others have
// seen, then shares the feed. A source whose ids cannot be trusted to grow
// (`incremental` false: custom `sources:` queries) is read whole at every
// Read, each sink restarting first, so nothing is missed or counted twice.
// Not thread-safe: one Read at a time.
class RowFeed {
 public:
  RowFeed(PipelineSource& source, bool incremental, int64_t batch_rows = 20000);
  RowFeed(const RowFeed&) = delete;
  RowFeed& operator=(const RowFeed&) = delete;

  // `sink` receives rows from the next Read on, after catching up; it must
  // outlive the feed or leave first.
  void Join(RowSink* sink);
  void Leave(RowSink* sink);
  // Makes `sink` start over: restarted, it catches up again at the next
  // Read (its clock went back, say); the others are not disturbed.
  void Rejoin(RowSink* sink);

  struct Result {
    TableErrors errors;
    std::string replaced;  // why every sink restarted, or ""
  };
  // Hands every row added since the last Read to every sink.
  Result Read(Millis now);

  // How often the data was found replaced.
  int64_t replacements() const { return replacements_; }

 private:
  enum Table { kSubmissionsTable, kReviewsTable, kCostsTable };
  struct Member {
    RowSink* sink;
    bool caught_up;
  };
  // Reads `table`'s rows above `*cursor` up to `up_to` (all when
  // negative) and hands them to `to`, advancing `*cursor` to the largest
  // id read (on a failure, to the last row handed over: rows are read in
  // id order, and none is handed over twice).
  Status ReadTable(Table table, Millis since, int64_t* cursor, int64_t up_to, RowSink& to);
  // The same for several tables, each read on a thread of its own while
  // this one hands their rows, in bounded chunks, to `to`.
  void ReadConcurrently(const std::vector<Table>& tables, Millis since, RowSink& to,
                        TableErrors* errors);
  void SetError(TableErrors* errors, Table table, const Status& s) const;
  // Restarts everything when the data behind the source was replaced
  // (another generation, or `max_ids` below the cursors); says why.
  std::string Replaced(const int64_t* max_ids);
  // Forgets the cursors and restarts every sink, which then read again.
  void RestartAll(RestartCause cause);
  // Whether any row was read since the last restart.
  bool Warm() const;

  PipelineSource& source_;
  const bool incremental_;
  const int64_t batch_rows_;
  std::vector<Member> members_;
  std::array<int64_t, 3> cursor_ = {-1, -1, -1};
  std::string generation_;
  int64_t replacements_ = 0;
};

}  // namespace argus

#endif  // ARGUS_SOURCE_ROW_FEED_H_
