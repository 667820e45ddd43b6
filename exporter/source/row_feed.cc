#include "exporter/source/row_feed.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

namespace argus {

RowFeed::RowFeed(PipelineSource& source, bool incremental, int64_t batch_rows)
    : source_(source), incremental_(incremental), batch_rows_(batch_rows) {}

void RowFeed::Join(RowSink* sink) { members_.push_back({sink, false}); }

void RowFeed::Leave(RowSink* sink) {
  std::erase_if(members_, [&](const Member& m) { return m.sink == sink; });
}

void RowFeed::Rejoin(RowSink* sink) {
  for (Member& m : members_) {
    if (m.sink != sink) continue;
    m.sink->Restart(RestartCause::kRejoined);
    m.caught_up = false;
  }
}

void RowFeed::SetError(TableErrors* errors, Table table, const Status& s) const {
  std::string& e = table == kSubmissionsTable ? errors->submissions
                   : table == kReviewsTable   ? errors->reviews
                                              : errors->costs;
  if (e.empty()) e = s.message();
}

Status RowFeed::ReadTable(Table table, Millis since, int64_t* cursor, int64_t up_to, RowSink& to) {
  const int64_t limit = incremental_ ? batch_rows_ : 0;
  while (true) {
    ReadRequest request;
    request.range = {since, kAllTime};
    request.after_id = incremental_ ? *cursor : -1;
    request.cursor = incremental_;
    request.up_to_id = up_to;
    request.limit = limit;
    request.details = false;
    ReadStats stats;
    int64_t delivered = -1;  // the largest id handed over
    Status s;
    switch (table) {
      case kSubmissionsTable:
        s = source_.ReadSubmissions(request, [&](const SubmissionRow& r) {
          to.Submission(r);
          delivered = std::max(delivered, r.id);
        }, &stats);
        break;
      case kReviewsTable:
        s = source_.ReadReviews(request, [&](const ReviewRow& r) {
          to.Review(r);
          delivered = std::max(delivered, r.id);
        }, &stats);
        break;
      case kCostsTable:
        s = source_.ReadCosts(request, [&](const CostRow& r) {
          to.Cost(r);
          delivered = std::max(delivered, r.id);
        }, &stats);
        break;
    }
    if (!s.ok()) {
      // What was handed over stays handed over; the next read goes on
      // after it. (Rows skipped before the failure are counted again then.)
      if (incremental_ && delivered > *cursor) *cursor = delivered;
      return s;
    }
    to.Skipped(stats.skipped);
    if (stats.max_id > *cursor) *cursor = stats.max_id;
    if (limit == 0 || stats.rows < limit || (up_to >= 0 && *cursor >= up_to)) return Status::Ok();
  }
}

namespace {

// Hands every row to each of several sinks.
class Fanout : public RowSink {
 public:
  explicit Fanout(std::vector<RowSink*> sinks) : sinks_(std::move(sinks)) {}
  Millis Since(Millis) const override { return -kAllTime; }
  void Submission(const SubmissionRow& r) override {
    for (RowSink* s : sinks_) s->Submission(r);
  }
  void Review(const ReviewRow& r) override {
    for (RowSink* s : sinks_) s->Review(r);
  }
  void Cost(const CostRow& r) override {
    for (RowSink* s : sinks_) s->Cost(r);
  }
  void Skipped(const SkippedRows& rows) override {
    for (RowSink* s : sinks_) s->Skipped(rows);
  }
  void Restart(RestartCause) override {}

 private:
  std::vector<RowSink*> sinks_;
};

// Rows on their way from a reading thread to the delivering one.
struct Chunk {
  std::vector<SubmissionRow> submissions;
  std::vector<ReviewRow> reviews;
  std::vector<CostRow> costs;
  SkippedRows skipped;
  size_t size() const { return submissions.size() + reviews.size() + costs.size(); }
};

// A bounded queue of chunks: readers wait while it is full, so the rows in
// flight never exceed kChunks × kChunkRows whatever a read returns.
class ChunkQueue {
 public:
  static constexpr size_t kChunks = 16, kChunkRows = 256;
  explicit ChunkQueue(int producers) : producers_(producers) {}

  void Push(Chunk&& chunk) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return chunks_.size() < kChunks; });
    chunks_.push_back(std::move(chunk));
    not_empty_.notify_one();
  }
  void Done() {
    std::lock_guard lock(mu_);
    --producers_;
    not_empty_.notify_one();
  }
  // The next chunk, or nothing once every reader is done and all is taken.
  std::optional<Chunk> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !chunks_.empty() || producers_ == 0; });
    if (chunks_.empty()) return std::nullopt;
    Chunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    not_full_.notify_one();
    return chunk;
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Chunk> chunks_;
  int producers_;
};

// A reading thread's sink: collects rows into chunks for the queue.
class ChunkWriter : public RowSink {
 public:
  explicit ChunkWriter(ChunkQueue& queue) : queue_(queue) {}
  ~ChunkWriter() override { Flush(); }
  Millis Since(Millis) const override { return -kAllTime; }
  void Submission(const SubmissionRow& r) override { Add(chunk_.submissions, r); }
  void Review(const ReviewRow& r) override { Add(chunk_.reviews, r); }
  void Cost(const CostRow& r) override { Add(chunk_.costs, r); }
  void Skipped(const SkippedRows& rows) override {
    chunk_.skipped.submissions += rows.submissions;
    chunk_.skipped.reviews += rows.reviews;
    chunk_.skipped.costs += rows.costs;
  }
  void Restart(RestartCause) override {}
  void Flush() {
    if (chunk_.size() > 0 || chunk_.skipped.any()) {
      queue_.Push(std::move(chunk_));
    }
    chunk_ = Chunk();
  }

 private:
  template <typename Row>
  void Add(std::vector<Row>& rows, const Row& r) {
    if (rows.empty()) rows.reserve(ChunkQueue::kChunkRows);
    rows.push_back(r);
    if (rows.size() >= ChunkQueue::kChunkRows) Flush();
  }

  ChunkQueue& queue_;
  Chunk chunk_;
};

}  // namespace

void RowFeed::ReadConcurrently(const std::vector<Table>& tables, Millis since, RowSink& to,
                               TableErrors* errors) {
  ChunkQueue queue(static_cast<int>(tables.size()));
  std::vector<Status> status(tables.size());
  std::vector<std::thread> readers;
  size_t launched = 0;
  for (; launched < tables.size(); ++launched) {
    try {
      readers.emplace_back([&, i = launched] {
        {
          ChunkWriter writer(queue);
          status[i] = ReadTable(tables[i], since, &cursor_[tables[i]], -1, writer);
        }  // flushed
        queue.Done();
      });
    } catch (const std::system_error&) {
      break;  // no thread to be had: the rest is read here, afterwards
    }
  }
  for (size_t i = launched; i < tables.size(); ++i) queue.Done();
  while (std::optional<Chunk> chunk = queue.Pop()) {
    for (const ReviewRow& r : chunk->reviews) to.Review(r);
    for (const SubmissionRow& r : chunk->submissions) to.Submission(r);
    for (const CostRow& r : chunk->costs) to.Cost(r);
    to.Skipped(chunk->skipped);
  }
  for (std::thread& t : readers) t.join();
  for (size_t i = launched; i < tables.size(); ++i) {
    status[i] = ReadTable(tables[i], since, &cursor_[tables[i]], -1, to);
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    if (!status[i].ok()) SetError(errors, tables[i], status[i]);
  }
}

std::string RowFeed::Replaced(const int64_t* max_ids) {
  std::string why;
  const std::string generation = source_.Generation();
  // A file that cannot be seen at all (moved away for a moment) is not
  // another file: the read fails, and the file that comes back is judged
  // by its own identity.
  if (!generation.empty() && generation != generation_) {
    if (!generation_.empty()) why = "the database file was replaced";
    generation_ = generation;
  }
  for (int t = 0; why.empty() && max_ids && t < 3; ++t) {
    if (max_ids[t] < cursor_[t]) why = "ids went back: the database was replaced";
  }
  if (why.empty()) return why;
  ++replacements_;
  RestartAll(RestartCause::kReplaced);
  return why;
}

void RowFeed::RestartAll(RestartCause cause) {
  cursor_ = {-1, -1, -1};
  for (Member& m : members_) {
    m.sink->Restart(cause);
    m.caught_up = false;
  }
}

bool RowFeed::Warm() const {
  return std::any_of(cursor_.begin(), cursor_.end(), [](int64_t c) { return c >= 0; });
}

RowFeed::Result RowFeed::Read(Millis now) {
  Result result;
  // The largest ids, once read anything: a replaced database, and the
  // tables with nothing new.
  int64_t max_ids[3];
  const bool have_ids =
      incremental_ && Warm() && source_.MaxIds(&max_ids[0], &max_ids[1], &max_ids[2]).ok();
  if (!incremental_) {
    RestartAll(RestartCause::kRecount);  // ids cannot be trusted: everything, every time
  } else {
    result.replaced = Replaced(have_ids ? max_ids : nullptr);
  }
  const bool read_any = Warm();
  // Latecomers catch up alone on what the others have seen; one that
  // fails restarts and tries again next time, and meanwhile gets nothing.
  for (Member& m : members_) {
    if (m.caught_up) continue;
    if (!read_any) {
      m.caught_up = true;  // nothing read yet: the read below is all there is
      continue;
    }
    Status failed;
    for (Table t : {kReviewsTable, kSubmissionsTable, kCostsTable}) {
      if (cursor_[t] < 0) continue;
      int64_t cursor = -1;
      failed = ReadTable(t, m.sink->Since(now), &cursor, cursor_[t], *m.sink);
      if (!failed.ok()) break;
    }
    if (failed.ok()) {
      m.caught_up = true;
    } else {
      // It starts over, with nothing: it has none of the tables.
      m.sink->Restart(RestartCause::kRejoined);
      for (Table t : {kReviewsTable, kSubmissionsTable, kCostsTable}) {
        SetError(&result.errors, t, Status::Error("catching up: " + failed.message()));
      }
    }
  }

  std::vector<RowSink*> sinks;
  Millis since = kAllTime;
  for (const Member& m : members_) {
    if (!m.caught_up) continue;
    sinks.push_back(m.sink);
    since = std::min(since, m.sink->Since(now));
  }
  // Tables without ids above those read are not read at all.
  bool fresh[3] = {true, true, true};
  if (have_ids && result.replaced.empty()) {
    for (int t = 0; t < 3; ++t) fresh[t] = max_ids[t] > cursor_[t];
  }
  std::vector<Table> tables;
  for (Table t : {kReviewsTable, kCostsTable, kSubmissionsTable}) {
    if (fresh[t]) tables.push_back(t);
  }
  Fanout to(sinks);
  if (sinks.empty()) {
    // Nobody to read for.
  } else if (!read_any && tables.size() > 1 && source_.concurrent_reads()) {
    // A first read is long: the tables are read side by side.
    ReadConcurrently(tables, since, to, &result.errors);
  } else {
    for (Table t : tables) {
      Status s = ReadTable(t, since, &cursor_[t], -1, to);
      if (!s.ok()) SetError(&result.errors, t, s);
    }
  }
  for (const Member& m : members_) {
    if (m.caught_up) m.sink->EndOfRead(result.errors);
  }
  return result;
}

}  // namespace argus
