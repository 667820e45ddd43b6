#include "exporter/source/sqlite_source.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "exporter/base/format.h"
#include "exporter/source/seek.h"
#include "exporter/source/sqlite_connection.h"
#include "schema.h"

namespace argus {
namespace {

std::string_view ColumnView(sqlite3_stmt* s, int col) {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
  return text ? std::string_view(text, sqlite3_column_bytes(s, col)) : std::string_view();
}

// Into a row that is reused for every result row, so that its strings keep
// their buffers; in the form SafeName gives names.
void AssignName(sqlite3_stmt* s, int col, std::string* out) {
  const std::string_view raw = ColumnView(s, col);
  if (IsKeptAsIs(raw)) {
    out->assign(raw);  // the common case, without a new string
  } else {
    *out = SafeName(raw);
  }
}

std::optional<Millis> ColumnTime(sqlite3_stmt* s, int col) {
  return ValueTime(sqlite3_column_value(s, col));
}

// The first id worth reading in `table`, whose rows carry their time in
// `column` (SeekFirstId, by index probes of the primary key).
int64_t SeekInTable(sqlite3* db, const char* table, const char* column, Millis from) {
  const std::string sql = std::string("SELECT id, ") + column + " FROM " + table +
                          " WHERE id >= ?1 ORDER BY id LIMIT 1";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return 0;
  Stmt stmt(raw);
  int64_t max_id = INT64_MAX / 2 - 1;
  if (sqlite3_prepare_v2(db, (std::string("SELECT max(id) FROM ") + table).c_str(), -1, &raw,
                         nullptr) == SQLITE_OK) {
    Stmt max_stmt(raw);
    if (sqlite3_step(raw) == SQLITE_ROW) max_id = sqlite3_column_int64(raw, 0);
  }
  raw = stmt.get();
  return SeekFirstId(max_id, from, [&](int64_t id, int64_t* found, std::optional<Millis>* at) {
    sqlite3_reset(raw);
    sqlite3_bind_int64(raw, 1, id);
    if (sqlite3_step(raw) != SQLITE_ROW) return false;
    *found = sqlite3_column_int64(raw, 0);
    *at = ColumnTime(raw, 1);
    return true;
  });
}

const std::string kBegin = "BEGIN", kCommit = "COMMIT";

// How much of an over-long value a clipped row keeps.
constexpr int kClipBytes = 4000;

// One value of row `rowid` of a reference table, bound to parameter `index`
// of `out`: a text or blob through sqlite3_blob, of which at most
// kClipBytes are read (followed by " [truncated: N bytes]"), anything else
// as it is.
Status BindClipped(sqlite3* db, const std::string& table, const std::string& column,
                   int64_t rowid, sqlite3_stmt* out, int index) {
  const std::string sql = "SELECT typeof(" + column + "), CASE WHEN typeof(" + column +
                          ") IN ('text', 'blob') THEN NULL ELSE " + column + " END FROM " + table +
                          " WHERE id = ?1";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return DbError(db, table, "cannot read an over-long row");
  }
  Stmt stmt(raw);
  sqlite3_bind_int64(raw, 1, rowid);
  if (sqlite3_step(raw) != SQLITE_ROW) return DbError(db, table, "cannot read an over-long row");
  const std::string_view type = ColumnView(raw, 0);
  if (type != "text" && type != "blob") {
    sqlite3_bind_value(out, index, sqlite3_column_value(raw, 1));
    return Status::Ok();
  }
  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(db, "main", table.c_str(), column.c_str(), rowid, 0, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    return DbError(db, table, "cannot read an over-long value");
  }
  const int total = sqlite3_blob_bytes(blob);
  std::string text(std::min(total, kClipBytes), '\0');
  const int rc = sqlite3_blob_read(blob, text.data(), static_cast<int>(text.size()), 0);
  sqlite3_blob_close(blob);
  if (rc != SQLITE_OK) return DbError(db, table, "cannot read an over-long value");
  if (total > kClipBytes) {
    // Cut at a character, as BoundedNote would.
    size_t n = text.size();
    while (n > 0 && (static_cast<unsigned char>(text[n - 1]) & 0xC0) == 0x80) --n;
    if (n > 0 && static_cast<unsigned char>(text[n - 1]) >= 0xC0) --n;
    text.resize(n);
    text += " [truncated: " + std::to_string(total) + " bytes]";
  }
  sqlite3_bind_text(out, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return Status::Ok();
}

// The row `rowid` of a reference table (`table`, read under the alias its
// first letter gives: r, s or c) as the one row of a statement with the
// columns of `select` ("SELECT r.id, NULL, s.agent, ..."), each over-long
// value clipped (BindClipped), so that it is counted like any other row
// without being loaded whole. A review's submission columns come from its
// submission.
Status ClippedRow(sqlite3* db, const std::string& select, const std::string& table,
                  int64_t rowid, Stmt* out) {
  int64_t submission = rowid;
  if (table == "reviews") {
    sqlite3_stmt* raw = nullptr;
    sqlite3_prepare_v2(db, "SELECT submission_id FROM reviews WHERE id = ?1", -1, &raw, nullptr);
    Stmt lookup(raw);
    sqlite3_bind_int64(raw, 1, rowid);
    if (!raw || sqlite3_step(raw) != SQLITE_ROW) return DbError(db, table, "cannot read an over-long row");
    submission = sqlite3_column_int64(raw, 0);
  }
  std::vector<std::string> columns;
  std::string_view list = std::string_view(select).substr(7);  // after "SELECT "
  while (!list.empty()) {
    const size_t comma = list.find(", ");
    columns.emplace_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 2);
  }
  std::string placeholders = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) placeholders += (i ? ", ?" : "?") + std::to_string(i + 1);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, placeholders.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return DbError(db, table, "cannot read an over-long row");
  }
  out->reset(raw);
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& c = columns[i];
    if (c == "NULL") continue;
    const bool of_submission = c[0] == 's' && table == "reviews";
    const std::string& from = of_submission ? std::string("submissions") : table;
    if (Status st = BindClipped(db, from, c.substr(2), of_submission ? submission : rowid, raw,
                                static_cast<int>(i + 1));
        !st.ok()) {
      return st;
    }
  }
  if (sqlite3_step(raw) != SQLITE_ROW) return DbError(db, table, "cannot read an over-long row");
  return Status::Ok();
}

// Opens the database and reads `request` through `select` (the result
// columns, the first being the row's id) over `from` (everything after
// them, up to and including the WHERE conditions): ?1 and ?2 bind the time
// range, ?4 the id rows must exceed, ?5 the limit, ?6 the largest id. Rows
// come in id order. With a `seek_table` and a bounded range, reading starts
// where SeekFirstId says. Calls `row` for each result row. (An agent filter
// is the visitor's: comparing names in SQL would load every name, however
// long.)
//
// A row holding a text field over kMaxValueBytes makes SQLite stop with
// SQLITE_TOOBIG rather than load it. The read then finds the first row
// after the last one read (its id alone, no text loaded), reads that one
// row again by its id, and goes on after it: a row that comes back is
// handed over; one that is too big again is read with its over-long values
// clipped (ClippedRow) when it is a row of `clip_table` (the reference
// schema), and otherwise skipped and counted as too_large.
template <typename RowFn>
Status Run(ConnectionPool* pool, const std::string& path, const std::string& select,
           std::string from, const char* id_column, const ReadRequest& request,
           ReadStats* stats, SkipCounts* skipped, RowFn row, const char* seek_table,
           const char* seek_column, const char* clip_table) {
  // Where the primary-key seek applies, the rows read are those of the
  // window already: the time filter moves out of SQL into the visitor, so
  // each timestamp is parsed once.
  const bool seek = seek_table && request.range.from > -kAllTime;
  if (seek) {
    const std::string keep = "argus_keep(";
    const size_t at = from.find(keep);
    const size_t end = from.find("!= 0 AND", at);
    from.replace(at, end + 8 - at, "");
  }
  if (request.up_to_id >= 0) {
    from += " AND ";
    from += id_column;
    from += " <= ?6";
  }
  const std::string order = std::string(" ORDER BY ") + id_column;
  const std::string sql = select + " " + from + order + (request.limit > 0 ? " LIMIT ?5" : "");
  Lease db(pool, path);
  if (Status s = db.Acquire(); !s.ok()) return s;
  Lease::Borrowed stmt, begin, commit;
  const std::pair<const std::string*, Lease::Borrowed*> statements[] = {
      {&sql, &stmt}, {&kBegin, &begin}, {&kCommit, &commit}};
  for (auto [text, out] : statements) {
    if (Status s = db.Statement(*text, out); !s.ok()) {
      db.Fail();
      return s;
    }
  }
  auto fail = [&](Status error) {
    stmt.reset();
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    db.Fail();
    return error;
  };
  // Seeking and reading share one read transaction, so the file cannot
  // change between them.
  sqlite3_step(begin.get());
  int64_t after = request.after_id;
  // Seek only on a first read: a read after an id starts there already.
  if (seek && request.after_id < 0) {
    after = std::max(after, SeekInTable(db.get(), seek_table, seek_column, request.range.from) - 1);
  }
  auto bind = [&](sqlite3_stmt* q, int64_t after_id, int64_t limit) {
    sqlite3_bind_int64(q, 1, request.range.from);
    sqlite3_bind_int64(q, 2, request.range.to);
    sqlite3_bind_int64(q, 4, after_id);
    if (limit > 0) sqlite3_bind_int64(q, 5, limit);
    if (request.up_to_id >= 0) sqlite3_bind_int64(q, 6, request.up_to_id);
  };
  // Statements of the over-long-row path, prepared when first needed (and
  // not through the connection's cache, which may drop statements).
  Stmt probe, one;
  auto prepare = [&](const std::string& text, Stmt* out) {
    return *out ? Status::Ok() : Prepare(db.get(), path, text, out);
  };
  int64_t read = 0;  // rows of this request, skipped ones included
  for (;;) {
    bind(stmt.get(), after, request.limit > 0 ? request.limit - read : 0);
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      ++read;
      ++stats->rows;
      after = sqlite3_column_int64(stmt.get(), 0);
      stats->max_id = std::max<int64_t>(stats->max_id, after);
      row(stmt.get());
    }
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_TOOBIG) return fail(db.Error());
    sqlite3_reset(stmt.get());
    // The first row after `after`, found by its id alone.
    if (Status s = prepare(std::string("SELECT ") + id_column + " " + from + order + " LIMIT 1", &probe);
        !s.ok()) {
      return fail(s);
    }
    sqlite3_reset(probe.get());
    bind(probe.get(), after, 0);
    rc = sqlite3_step(probe.get());
    if (rc != SQLITE_ROW) {
      return fail(Status::Error(
          "database " + path + ": a value over " + std::to_string(kMaxValueBytes) +
          " bytes where Argus cannot step over it (a column the query filters or sorts on, or "
          "a source query SQLite must materialize): " + sqlite3_errmsg(db.get())));
    }
    const int64_t candidate = sqlite3_column_int64(probe.get(), 0);
    sqlite3_reset(probe.get());
    // That row alone, by its id.
    if (Status s = prepare(select + " " + from + " AND " + id_column + " = ?7", &one); !s.ok()) {
      return fail(s);
    }
    sqlite3_reset(one.get());
    bind(one.get(), after, 0);
    sqlite3_bind_int64(one.get(), 7, candidate);
    rc = sqlite3_step(one.get());
    after = candidate;
    if (rc == SQLITE_ROW || rc == SQLITE_TOOBIG) {
      ++read;
      ++stats->rows;
      stats->max_id = std::max<int64_t>(stats->max_id, candidate);
    }
    Stmt clipped;
    if (rc == SQLITE_ROW) {
      row(one.get());
    } else if (rc == SQLITE_TOOBIG) {
      if (clip_table && ClippedRow(db.get(), select, clip_table, candidate, &clipped).ok()) {
        row(clipped.get());
      } else {
        ++(*skipped)[SkipReason::kTooLarge];
      }
    } else if (rc != SQLITE_DONE) {
      return fail(db.Error());
    }
    sqlite3_reset(one.get());
    if (request.limit > 0 && read >= request.limit) break;
  }
  stmt.reset();
  sqlite3_step(commit.get());
  return Status::Ok();
}

// The table to seek in, when `query` is the reference schema's own (a
// custom source query may not be ordered by time at all: it is scanned).
const char* Seekable(const std::string& query, const std::string& reference,
                     const char* table) {
  return query == reference ? table : nullptr;
}

}  // namespace

SqliteSource::SqliteSource(std::string path, SourceQueries queries, Millis query_timeout)
    : path_(std::move(path)),
      queries_(std::move(queries)),
      pool_(std::make_shared<ConnectionPool>(query_timeout)) {}

SqliteSource::~SqliteSource() = default;

Status SqliteSource::MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) {
  Lease db(pool_.get(), path_);
  if (Status s = db.Acquire(); !s.ok()) return s;
  const std::string sql = "SELECT (SELECT max(id) FROM " + SubqueryOf(queries_.submissions) +
                          "), (SELECT max(id) FROM " + SubqueryOf(queries_.reviews) + "), " +
                          (queries_.costs.empty() ? std::string("NULL")
                                                  : "(SELECT max(id) FROM " + SubqueryOf(queries_.costs) + ")");
  Lease::Borrowed stmt;
  if (Status s = db.Statement(sql, &stmt); !s.ok()) {
    db.Fail();
    return s;
  }
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
    Status error = db.Error();
    db.Fail();
    return error;
  }
  int64_t* out[] = {submissions, reviews, costs};
  for (int i = 0; i < 3; ++i) {
    *out[i] = sqlite3_column_type(stmt.get(), i) == SQLITE_NULL ? -1
                                                                : sqlite3_column_int64(stmt.get(), i);
  }
  return Status::Ok();
}

void SqliteSource::SetNames(std::shared_ptr<NameMap> names) {
  names_ = std::move(names);
  if (!names_) return;
  Lease db(pool_.get(), path_);
  if (!db.Acquire().ok()) return;  // not readable yet: places go in the order read
  SeedLatestNames(*names_, queries_, [&](const char* table, const char* column, int rows,
                                         const NameVisitor& each) {
    const std::string sql = std::string("SELECT ") + column + " FROM " + table +
                            " ORDER BY id DESC LIMIT " + std::to_string(rows);
    Lease::Borrowed stmt;
    if (!db.Statement(sql, &stmt).ok()) return;
    std::string name;
    while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
      AssignName(stmt.get(), 0, &name);
      if (!each(name)) break;
    }
  });
}

int64_t SqliteSource::wal_backoffs() const { return pool_->wal_backoffs(); }

std::string SqliteSource::Generation() { return FileIdentity(path_); }

Status SqliteSource::Validate() {
  Db db;
  if (Status s = Open(path_, &db); !s.ok()) return s;
  ReadDeadline deadline;
  Guard(db.get(), &deadline);
  deadline.Start(pool_->query_timeout());
  const std::pair<const char*, std::string> checks[] = {
      {"submissions", "SELECT id, created_at, agent, domain, item FROM " +
                          SubqueryOf(queries_.submissions) + " LIMIT 0"},
      {"reviews", "SELECT id, submission_id, reviewed_at, verdict, reason, score, note FROM " +
                      SubqueryOf(queries_.reviews) + " LIMIT 0"},
      {"costs", "SELECT id, incurred_at, agent, model, usd FROM " + SubqueryOf(queries_.costs) +
                    " LIMIT 0"},
  };
  for (const auto& [table, sql] : checks) {
    if (std::string_view(table) == "costs" && queries_.costs.empty()) continue;  // none recorded
    Stmt stmt;
    if (Status s = Prepare(db.get(), path_, sql, &stmt); !s.ok()) {
      return Status::Error(s.message() + " (source '" + table + "')");
    }
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
      return Status::Error(ReadError(db.get(), path_, deadline).message() + " (source '" +
                           table + "')");
    }
  }
  return Status::Ok();
}

Status CheckQueriesOnlyRead(const std::string& path, const SourceQueries& queries) {
  Db reference, pipeline;
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    reference.reset(raw);
    sqlite3_exec(raw, kSchemaSql, nullptr, nullptr, nullptr);
  } else {
    sqlite3_close_v2(raw);
  }
  if (!Open(path, &pipeline).ok()) pipeline.reset();
  const std::pair<const char*, const std::string*> all[] = {
      {"submissions", &queries.submissions},
      {"reviews", &queries.reviews},
      {"costs", &queries.costs}};
  for (const auto& [table, sql] : all) {
    if (sql->empty()) continue;
    for (sqlite3* db : {reference.get(), pipeline.get()}) {
      if (!db) continue;
      sqlite3_stmt* prepared = nullptr;
      const char* tail = nullptr;
      if (sqlite3_prepare_v2(db, sql->c_str(), static_cast<int>(sql->size()), &prepared, &tail) !=
              SQLITE_OK ||
          !prepared) {
        sqlite3_finalize(prepared);
        continue;
      }
      Stmt stmt(prepared);
      const bool one = std::string_view(tail).find_first_not_of(" \t\r\n;") == std::string::npos;
      if (!sqlite3_stmt_readonly(prepared) || !one) {
        return Status::Error(std::string("sources.") + table + ": " +
                             (one ? "the query would write to the database"
                                  : "holds more than one statement") +
                             "; Argus only reads: give one SELECT");
      }
      break;
    }
  }
  return Status::Ok();
}

Status SqliteSource::ReadSubmissions(const ReadRequest& request,
                                     const std::function<void(const SubmissionRow&)>& visit,
                                     ReadStats* stats) {
  const std::string from = "FROM " + SubqueryOf(queries_.submissions) +
                           " AS s WHERE argus_keep(s.created_at, ?1, ?2) != 0 AND s.id > ?4";
  SubmissionRow r;
  const bool names = !request.times_only || request.agent;
  return Run(
      pool_.get(), path_,
      names ? "SELECT s.id, s.created_at, s.agent, s.domain" : "SELECT s.id, s.created_at, NULL, NULL",
      from, "s.id", request,
      stats, &stats->skipped.submissions,
      [&](sqlite3_stmt* s) {
        auto t = ColumnTime(s, 1);
        if (t && !request.range.Contains(*t)) return;
        if (!t) {
          ++stats->skipped.submissions[SkipReason::kUnreadable];
          return;
        }
        AssignName(s, 2, &r.agent);
        Map(NameKind::kAgent, &r.agent);
        if (request.agent && r.agent != *request.agent) return;
        r.id = sqlite3_column_int64(s, 0);
        r.created_at = *t;
        AssignName(s, 3, &r.domain);
        Map(NameKind::kDomain, &r.domain);
        visit(r);
      },
      Seekable(queries_.submissions, SourceQueries().submissions, "submissions"), "created_at",
      Seekable(queries_.submissions, SourceQueries().submissions, "submissions"));
}

Status SqliteSource::ReadReviews(const ReadRequest& request,
                                 const std::function<void(const ReviewRow&)>& visit,
                                 ReadStats* stats) {
  const bool joined = !request.times_only || request.agent;
  const std::string select =
      std::string("SELECT r.id, r.reviewed_at, r.verdict, ") +
      (request.times_only ? "NULL" : "r.reason") + ", " +
      (request.details && !request.times_only ? "r.score, r.note" : "NULL, NULL") + ", " +
      (joined ? "s.agent, s.domain, s.item" : "NULL, NULL, NULL");
  const std::string from =
      "FROM " + SubqueryOf(queries_.reviews) + " AS r " +
      (joined ? "JOIN " + SubqueryOf(queries_.submissions) + " AS s ON s.id = r.submission_id " : "") +
      "WHERE argus_keep(r.reviewed_at, ?1, ?2) != 0 AND r.id > ?4";
  ReviewRow r;
  return Run(
      pool_.get(), path_, select, from, "r.id", request, stats, &stats->skipped.reviews,
      [&](sqlite3_stmt* s) {
        auto t = ColumnTime(s, 1);
        if (t && !request.range.Contains(*t)) return;
        const std::string_view verdict = ColumnView(s, 2);
        if (!t || (verdict != "approved" && verdict != "rejected")) {
          ++stats->skipped.reviews[SkipReason::kUnreadable];
          return;
        }
        AssignName(s, 6, &r.agent);
        Map(NameKind::kAgent, &r.agent);
        if (request.agent && r.agent != *request.agent) return;
        r.id = sqlite3_column_int64(s, 0);
        r.reviewed_at = *t;
        r.approved = verdict == "approved";
        AssignName(s, 3, &r.reason);
        Map(NameKind::kReason, &r.reason);
        r.score.reset();
        if (sqlite3_column_type(s, 4) != SQLITE_NULL) {
          const double score = sqlite3_column_double(s, 4);
          if (std::isfinite(score)) r.score = score;
        }
        if (sqlite3_column_type(s, 5) == SQLITE_NULL) {
          r.note.clear();
        } else {
          r.note = BoundedNote(ColumnView(s, 5));
        }
        AssignName(s, 7, &r.domain);
        Map(NameKind::kDomain, &r.domain);
        AssignName(s, 8, &r.item);
        visit(r);
      },
      Seekable(queries_.reviews, SourceQueries().reviews, "reviews"), "reviewed_at",
      // A clipped review takes its submission's columns from the
      // submissions table: only when that is what the query reads.
      queries_.submissions == SourceQueries().submissions
          ? Seekable(queries_.reviews, SourceQueries().reviews, "reviews")
          : nullptr);
}

Status SqliteSource::ReadCosts(const ReadRequest& request,
                               const std::function<void(const CostRow&)>& visit,
                               ReadStats* stats) {
  if (queries_.costs.empty()) return Status::Ok();  // the pipeline records no costs
  const std::string from = "FROM " + SubqueryOf(queries_.costs) +
                           " AS c WHERE argus_keep(c.incurred_at, ?1, ?2) != 0 AND c.id > ?4";
  CostRow r;
  const bool names = !request.times_only || request.agent;
  return Run(
      pool_.get(), path_,
      names ? "SELECT c.id, c.incurred_at, c.agent, c.model, c.usd"
            : "SELECT c.id, c.incurred_at, NULL, NULL, c.usd",
      from, "c.id", request, stats, &stats->skipped.costs,
      [&](sqlite3_stmt* s) {
        auto t = ColumnTime(s, 1);
        if (t && !request.range.Contains(*t)) return;
        if (!t) {
          ++stats->skipped.costs[SkipReason::kUnreadable];
          return;
        }
        r.usd = sqlite3_column_double(s, 4);
        if (!ValidCost(r.usd)) {
          ++stats->skipped.costs[SkipReason::kInvalidValue];
          return;
        }
        AssignName(s, 2, &r.agent);
        Map(NameKind::kAgent, &r.agent);
        if (request.agent && r.agent != *request.agent) return;
        r.id = sqlite3_column_int64(s, 0);
        r.incurred_at = *t;
        AssignName(s, 3, &r.model);
        Map(NameKind::kModel, &r.model);
        visit(r);
      },
      Seekable(queries_.costs, SourceQueries().costs, "costs"), "incurred_at",
      Seekable(queries_.costs, SourceQueries().costs, "costs"));
}

}  // namespace argus
