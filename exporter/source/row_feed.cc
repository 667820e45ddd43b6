#include "exporter/source/row_feed.h"

#include <algorithm>

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
    m.sink->Restart();
    m.caught_up = false;
  }
}

void RowFeed::SetError(TableErrors* errors, Table table, const Status& s) const {
  std::string& e = table == kSubmissionsTable ? errors->submissions
                   : table == kReviewsTable   ? errors->reviews
                                              : errors->costs;
  if (e.empty()) e = s.message();
}

Status RowFeed::ReadTable(Table table, Millis since, int64_t* cursor, int64_t up_to,
                          const std::vector<RowSink*>& sinks) {
  const int64_t limit = incremental_ ? batch_rows_ : 0;
  while (true) {
    ReadRequest request;
    request.range = {since, kAllTime};
    request.after_id = incremental_ ? *cursor : -1;
    request.limit = limit;
    ReadStats stats;
    auto wanted = [&](int64_t id) { return up_to < 0 || id <= up_to; };
    Status s;
    switch (table) {
      case kSubmissionsTable:
        s = source_.ReadSubmissions(request, [&](const SubmissionRow& r) {
          if (wanted(r.id)) for (RowSink* sink : sinks) sink->Submission(r);
        }, &stats);
        break;
      case kReviewsTable:
        s = source_.ReadReviews(request, [&](const ReviewRow& r) {
          if (wanted(r.id)) for (RowSink* sink : sinks) sink->Review(r);
        }, &stats);
        break;
      case kCostsTable:
        s = source_.ReadCosts(request, [&](const CostRow& r) {
          if (wanted(r.id)) for (RowSink* sink : sinks) sink->Cost(r);
        }, &stats);
        break;
    }
    if (!s.ok()) return s;
    for (RowSink* sink : sinks) sink->Skipped(stats.skipped);
    if (stats.max_id > *cursor) *cursor = stats.max_id;
    if (limit == 0 || stats.rows < limit || (up_to >= 0 && *cursor >= up_to)) return Status::Ok();
  }
}

std::string RowFeed::Replaced(const int64_t* max_ids) {
  std::string why;
  const std::string generation = source_.Generation();
  if (generation != generation_) {
    if (!generation_.empty()) why = "the database file was replaced";
    generation_ = generation;
  }
  for (int t = 0; why.empty() && max_ids && t < 3; ++t) {
    if (max_ids[t] < cursor_[t]) why = "ids went back: the database was replaced";
  }
  if (why.empty()) return why;
  ++replacements_;
  cursor_ = {-1, -1, -1};
  for (Member& m : members_) {
    m.sink->Restart();
    m.caught_up = false;
  }
  return why;
}

RowFeed::Result RowFeed::Read(Millis now) {
  Result result;
  // The largest ids, once read anything: a replaced database, and the
  // tables with nothing new.
  int64_t max_ids[3];
  const bool warm = std::any_of(cursor_.begin(), cursor_.end(), [](int64_t c) { return c >= 0; });
  const bool have_ids =
      incremental_ && warm && source_.MaxIds(&max_ids[0], &max_ids[1], &max_ids[2]).ok();
  if (!incremental_) {
    // Ids cannot be trusted: everything, every time.
    for (Member& m : members_) {
      m.sink->Restart();
      m.caught_up = false;
    }
    cursor_ = {-1, -1, -1};
  } else {
    result.replaced = Replaced(have_ids ? max_ids : nullptr);
  }
  const bool read_any = std::any_of(cursor_.begin(), cursor_.end(), [](int64_t c) { return c >= 0; });
  // Latecomers catch up alone on what the others have seen; one that
  // fails restarts and tries again next time, and meanwhile gets nothing.
  for (Member& m : members_) {
    if (m.caught_up) continue;
    if (!read_any) {
      m.caught_up = true;  // nothing read yet: the read below is all there is
      continue;
    }
    bool ok = true;
    for (Table t : {kReviewsTable, kSubmissionsTable, kCostsTable}) {
      if (cursor_[t] < 0) continue;
      int64_t cursor = -1;
      Status s = ReadTable(t, m.sink->Since(now), &cursor, cursor_[t], {m.sink});
      if (!s.ok()) {
        SetError(&result.errors, t, s);
        ok = false;
        break;
      }
    }
    if (ok) {
      m.caught_up = true;
    } else {
      m.sink->Restart();
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
  if (!sinks.empty()) {
    for (Table t : {kReviewsTable, kSubmissionsTable, kCostsTable}) {
      if (!fresh[t]) continue;
      Status s = ReadTable(t, since, &cursor_[t], -1, sinks);
      if (!s.ok()) SetError(&result.errors, t, s);
    }
  }
  for (const Member& m : members_) m.sink->EndOfRead();
  return result;
}

}  // namespace argus
