#include "exporter/source/sqlite_source.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>

#include "exporter/source/sqlite_connection.h"

namespace argus {
namespace {

// How far a row's timestamp may lag behind the rows before it in id order
// and still be found by the seek (see SeekFirstId).
constexpr Millis kSeekSlack = 6 * kHour;

std::string_view ColumnView(sqlite3_stmt* s, int col) {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
  return text ? std::string_view(text, sqlite3_column_bytes(s, col)) : std::string_view();
}

// Into a row that is reused for every result row, so that its strings keep
// their buffers.
void AssignText(sqlite3_stmt* s, int col, std::string* out) { out->assign(ColumnView(s, col)); }

std::optional<Millis> ColumnTime(sqlite3_stmt* s, int col) {
  return ValueTime(sqlite3_column_value(s, col));
}

// The first id worth reading in `table`, whose rows carry their time in
// `column`: ids of an append-only log grow with time, so a binary search over
// the primary key finds where (range.from - kSeekSlack) begins in about 20
// index probes instead of a scan of the whole history. Rows may be out of
// order by up to kSeekSlack. Returns 0 (read everything) when a probe meets
// a timestamp it cannot read.
int64_t SeekFirstId(sqlite3* db, const char* table, const char* column, Millis from) {
  const std::string sql = std::string("SELECT id, ") + column + " FROM " + table +
                          " WHERE id >= ?1 ORDER BY id LIMIT 1";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return 0;
  Stmt stmt(raw);
  // The row at or after `id`: its id and time, or nothing past the end.
  auto probe = [&](int64_t id, int64_t* found, std::optional<Millis>* at) {
    sqlite3_reset(raw);
    sqlite3_bind_int64(raw, 1, id);
    if (sqlite3_step(raw) != SQLITE_ROW) return false;
    *found = sqlite3_column_int64(raw, 0);
    *at = ColumnTime(raw, 1);
    return true;
  };
  const Millis target = from - kSeekSlack;
  int64_t lo = 0, hi = INT64_MAX / 2;  // the answer lies in (lo, hi]
  if (sqlite3_prepare_v2(db, (std::string("SELECT max(id) FROM ") + table).c_str(), -1, &raw,
                         nullptr) == SQLITE_OK) {
    Stmt max_stmt(raw);
    if (sqlite3_step(raw) == SQLITE_ROW) hi = sqlite3_column_int64(raw, 0) + 1;
  }
  raw = stmt.get();
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    int64_t found;
    std::optional<Millis> at;
    if (!probe(mid, &found, &at)) {
      hi = mid;
      continue;
    }
    if (!at) return 0;
    if (*at > target) {
      hi = mid;
    } else {
      lo = found;
    }
  }
  return lo;
}

const std::string kBegin = "BEGIN", kCommit = "COMMIT";

// Opens the database and runs `sql` for `request`: ?1 and ?2 bind the time
// range, ?3 the agent, ?4 the id rows must exceed, ?5 the limit, ?6 the
// largest id. With a
// `seek_table` and a bounded range, reading starts where SeekFirstId says.
// Calls `row` for each result row; column 0 must be the row's id.
template <typename RowFn>
Status Run(ConnectionPool* pool, const std::string& path, std::string sql, const char* id_column,
           const ReadRequest& request, ReadStats* stats, RowFn row,
           const char* seek_table, const char* seek_column) {
  // Where the primary-key seek applies, the rows read are those of the
  // window already: the time filter moves out of SQL into the visitor, so
  // each timestamp is parsed once.
  const bool seek = seek_table && request.range.from > -kAllTime;
  if (seek) {
    const std::string keep = "argus_keep(";
    const size_t at = sql.find(keep);
    const size_t end = sql.find("!= 0 AND", at);
    sql.replace(at, end + 8 - at, "");
  }
  if (request.agent) sql += " AND s.agent = ?3";
  if (request.up_to_id >= 0) {
    sql += " AND ";
    sql += id_column;
    sql += " <= ?6";
  }
  if (request.limit > 0) {
    sql += " ORDER BY ";
    sql += id_column;
    sql += " LIMIT ?5";
  }
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
  // Seeking and reading share one read transaction, so the file cannot
  // change between them.
  sqlite3_step(begin.get());
  int64_t after = request.after_id;
  // Seek only on a first read: a read after an id starts there already.
  if (seek && request.after_id < 0) {
    after = std::max(after, SeekFirstId(db.get(), seek_table, seek_column, request.range.from) - 1);
  }
  sqlite3_bind_int64(stmt.get(), 1, request.range.from);
  sqlite3_bind_int64(stmt.get(), 2, request.range.to);
  if (request.agent) {
    sqlite3_bind_text(stmt.get(), 3, request.agent->data(),
                      static_cast<int>(request.agent->size()), SQLITE_TRANSIENT);
  }
  sqlite3_bind_int64(stmt.get(), 4, after);
  if (request.limit > 0) sqlite3_bind_int64(stmt.get(), 5, request.limit);
  if (request.up_to_id >= 0) sqlite3_bind_int64(stmt.get(), 6, request.up_to_id);
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    ++stats->rows;
    stats->max_id = std::max<int64_t>(stats->max_id, sqlite3_column_int64(stmt.get(), 0));
    row(stmt.get());
  }
  if (rc != SQLITE_DONE) {
    Status error = DbError(db.get(), path, "read failed");
    stmt.reset();
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    db.Fail();
    return error;
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

std::string Wrap(const std::string& query) {
  // A trailing semicolon is common in hand-written queries; the subquery
  // cannot hold one.
  std::string q = query;
  while (!q.empty() && (q.back() == ';' || q.back() == ' ' || q.back() == '\n' ||
                        q.back() == '\t' || q.back() == '\r')) {
    q.pop_back();
  }
  return "(" + q + "\n)";
}

}  // namespace

SqliteSource::SqliteSource(std::string path, SourceQueries queries)
    : path_(std::move(path)), queries_(std::move(queries)), pool_(std::make_shared<ConnectionPool>()) {}

SqliteSource::~SqliteSource() = default;

Status SqliteSource::MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) {
  Lease db(pool_.get(), path_);
  if (Status s = db.Acquire(); !s.ok()) return s;
  const std::string sql = "SELECT (SELECT max(id) FROM " + Wrap(queries_.submissions) +
                          "), (SELECT max(id) FROM " + Wrap(queries_.reviews) + "), " +
                          (queries_.costs.empty() ? std::string("NULL")
                                                  : "(SELECT max(id) FROM " + Wrap(queries_.costs) + ")");
  Lease::Borrowed stmt;
  if (Status s = db.Statement(sql, &stmt); !s.ok()) {
    db.Fail();
    return s;
  }
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
    db.Fail();
    return DbError(db.get(), path_, "read failed");
  }
  int64_t* out[] = {submissions, reviews, costs};
  for (int i = 0; i < 3; ++i) {
    *out[i] = sqlite3_column_type(stmt.get(), i) == SQLITE_NULL ? -1
                                                                : sqlite3_column_int64(stmt.get(), i);
  }
  return Status::Ok();
}

std::string SqliteSource::Generation() { return FileIdentity(path_); }

Status SqliteSource::Validate() {
  Db db;
  if (Status s = Open(path_, &db); !s.ok()) return s;
  const std::pair<const char*, std::string> checks[] = {
      {"submissions", "SELECT id, created_at, agent, domain, item FROM " +
                          Wrap(queries_.submissions) + " LIMIT 0"},
      {"reviews", "SELECT id, submission_id, reviewed_at, verdict, reason, score, note FROM " +
                      Wrap(queries_.reviews) + " LIMIT 0"},
      {"costs", "SELECT id, incurred_at, agent, model, usd FROM " + Wrap(queries_.costs) +
                    " LIMIT 0"},
  };
  for (const auto& [table, sql] : checks) {
    if (std::string_view(table) == "costs" && queries_.costs.empty()) continue;  // none recorded
    Stmt stmt;
    if (Status s = Prepare(db.get(), path_, sql, &stmt); !s.ok()) {
      return Status::Error(s.message() + " (source '" + table + "')");
    }
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) {
      return DbError(db.get(), path_, std::string("source '") + table + "'");
    }
  }
  return Status::Ok();
}

Status SqliteSource::ReadSubmissions(const ReadRequest& request,
                                     const std::function<void(const SubmissionRow&)>& visit,
                                     ReadStats* stats) {
  const std::string sql = "SELECT s.id, s.created_at, s.agent, s.domain FROM " +
                          Wrap(queries_.submissions) +
                          " AS s WHERE argus_keep(s.created_at, ?1, ?2) != 0 AND s.id > ?4";
  SubmissionRow r;
  return Run(
      pool_.get(), path_, sql, "s.id", request, stats,
      [&](sqlite3_stmt* s) {
        auto t = ColumnTime(s, 1);
        if (t && !request.range.Contains(*t)) return;
        if (!t) {
          ++stats->skipped.submissions;
          return;
        }
        r.id = sqlite3_column_int64(s, 0);
        r.created_at = *t;
        AssignText(s, 2, &r.agent);
        AssignText(s, 3, &r.domain);
        visit(r);
      },
      Seekable(queries_.submissions, SourceQueries().submissions, "submissions"), "created_at");
}

Status SqliteSource::ReadReviews(const ReadRequest& request,
                                 const std::function<void(const ReviewRow&)>& visit,
                                 ReadStats* stats) {
  const std::string sql =
      std::string("SELECT r.id, r.reviewed_at, r.verdict, r.reason, ") +
      (request.details ? "r.score, r.note" : "NULL, NULL") + ", s.agent, s.domain, s.item FROM " +
      Wrap(queries_.reviews) + " AS r JOIN " + Wrap(queries_.submissions) +
      " AS s ON s.id = r.submission_id WHERE argus_keep(r.reviewed_at, ?1, ?2) != 0 AND "
      "r.id > ?4";
  ReviewRow r;
  return Run(
      pool_.get(), path_, sql, "r.id", request, stats,
      [&](sqlite3_stmt* s) {
        auto t = ColumnTime(s, 1);
        if (t && !request.range.Contains(*t)) return;
        const std::string_view verdict = ColumnView(s, 2);
        if (!t || (verdict != "approved" && verdict != "rejected")) {
          ++stats->skipped.reviews;
          return;
        }
        r.id = sqlite3_column_int64(s, 0);
        r.reviewed_at = *t;
        r.approved = verdict == "approved";
        AssignText(s, 3, &r.reason);
        r.score.reset();
        if (sqlite3_column_type(s, 4) != SQLITE_NULL) r.score = sqlite3_column_double(s, 4);
        AssignText(s, 5, &r.note);
        AssignText(s, 6, &r.agent);
        AssignText(s, 7, &r.domain);
        AssignText(s, 8, &r.item);
        visit(r);
      },
      Seekable(queries_.reviews, SourceQueries().reviews, "reviews"), "reviewed_at");
}

Status SqliteSource::ReadCosts(const ReadRequest& request,
                               const std::function<void(const CostRow&)>& visit,
                               ReadStats* stats) {
  if (queries_.costs.empty()) return Status::Ok();  // the pipeline records no costs
  const std::string sql = "SELECT c.id, c.incurred_at, c.agent, c.model, c.usd FROM " +
                          Wrap(queries_.costs) +
                          " AS c WHERE argus_keep(c.incurred_at, ?1, ?2) != 0 AND c.id > ?4";
  CostRow r;
  return Run(
      pool_.get(), path_, sql, "c.id", request, stats,
      [&](sqlite3_stmt* s) {
        auto t = ColumnTime(s, 1);
        if (t && !request.range.Contains(*t)) return;
        if (!t) {
          ++stats->skipped.costs;
          return;
        }
        r.id = sqlite3_column_int64(s, 0);
        r.incurred_at = *t;
        AssignText(s, 2, &r.agent);
        AssignText(s, 3, &r.model);
        r.usd = sqlite3_column_double(s, 4);
        visit(r);
      },
      Seekable(queries_.costs, SourceQueries().costs, "costs"), "incurred_at");
}

}  // namespace argus
