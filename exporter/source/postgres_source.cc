#include "exporter/source/postgres_source.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <memory>

#include "exporter/base/format.h"
#include "exporter/source/seek.h"

namespace argus {
namespace {

// Type oids of pg_type.h that Argus reads.
enum : Oid {
  kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kTextOid = 25, kFloat4Oid = 700,
  kFloat8Oid = 701, kUnknownOid = 705, kBpcharOid = 1042, kVarcharOid = 1043, kDateOid = 1082,
  kTimestampOid = 1114, kTimestamptzOid = 1184, kNumericOid = 1700,
};

bool IsNumber(Oid t) {
  return t == kInt2Oid || t == kInt4Oid || t == kInt8Oid || t == kFloat4Oid || t == kFloat8Oid ||
         t == kNumericOid;
}
bool IsInteger(Oid t) { return t == kInt2Oid || t == kInt4Oid || t == kInt8Oid || t == kNumericOid; }
bool IsTime(Oid t) {
  return IsNumber(t) || t == kTextOid || t == kVarcharOid || t == kBpcharOid ||
         t == kUnknownOid || t == kTimestampOid || t == kTimestamptzOid || t == kDateOid;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// A name longer than this (in bytes) leaves the server as its first 200
// characters and the MD5 of all of it: Argus keeps a name whole only up to
// kMaxKeptNameBytes anyway (SafeName), and two long names stay two. So a
// row costs at most a few KiB in transit, however long its names.
constexpr int kMaxNameBytes = 1024;

std::string Name(const std::string& column) {
  const std::string text = column + "::text";
  return "CASE WHEN octet_length(" + text + ") <= " + std::to_string(kMaxNameBytes) + " THEN " +
         text + " ELSE left(" + text + ", 200) || '~md5:' || md5(" + text + ") END";
}

std::string_view Value(const PGresult* r, int row, int col) {
  return std::string_view(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

bool IsNull(const PGresult* r, int row, int col) { return PQgetisnull(r, row, col) != 0; }

std::optional<double> Number(std::string_view text) {
  double v;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> Integer(std::string_view text) {
  int64_t v;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// A timestamp as the server printed it (DateStyle ISO, TimeZone UTC), or
// a number of Unix seconds.
std::optional<Millis> TimeOf(const PGresult* r, int row, int col) {
  if (IsNull(r, row, col)) return std::nullopt;
  const std::string_view text = Value(r, row, col);
  if (IsNumber(PQftype(r, col))) {
    auto seconds = Number(text);
    return seconds ? TimestampFromUnixSeconds(*seconds) : std::nullopt;
  }
  if (PQftype(r, col) == kDateOid) return ParseTimestamp(std::string(text) + "T00:00:00Z");
  return ParseTimestamp(text);
}

// Into a row reused for every result row, in the form SafeName gives names.
void AssignName(const PGresult* r, int row, int col, std::string* out) {
  const std::string_view raw = IsNull(r, row, col) ? std::string_view() : Value(r, row, col);
  if (IsKeptAsIs(raw)) {
    out->assign(raw);
  } else {
    *out = SafeName(raw);
  }
}

std::string Trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v;
      auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && end == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::pair<size_t, size_t>> SecretSpans(const std::string& text) {
  std::vector<std::pair<size_t, size_t>> spans;
  // The user part of a URI: everything from the first ':' after "://" to
  // the last '@' is taken for the password, however it is spelt ('@', '/',
  // '?' or '#' in it included): too much hidden rather than too little.
  const size_t scheme = text.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t at = text.rfind('@');
    if (at != std::string::npos && at > start) {
      const size_t colon = text.find(':', start);
      if (colon < at) spans.emplace_back(colon + 1, at);
    }
  }
  // password= and sslpassword= in any casing, as a URI parameter or a
  // key=value connection string has them (spaces around '=' allowed, a
  // value in quotes with backslash escapes, as libpq reads it).
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  for (size_t eq = text.find('='); eq != std::string::npos; eq = text.find('=', eq + 1)) {
    size_t key_end = eq;
    while (key_end > 0 && space(text[key_end - 1])) --key_end;
    size_t key = key_end;
    while (key > 0 && (std::isalnum(static_cast<unsigned char>(text[key - 1])) || text[key - 1] == '_' ||
                       text[key - 1] == '%')) {
      --key;
    }
    const std::string decoded = PercentDecoded(std::string_view(text).substr(key, key_end - key));
    if (!IEquals(decoded, "password") && !IEquals(decoded, "sslpassword")) continue;
    size_t begin = eq + 1;
    while (begin < text.size() && space(text[begin])) ++begin;
    size_t end = begin;
    if (end < text.size() && text[end] == '\'') {
      ++end;
      while (end < text.size() && text[end] != '\'') end += text[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, text.size());
    } else {
      while (end < text.size() && !space(text[end]) && text[end] != '&' && text[end] != '#') ++end;
    }
    if (end > begin) spans.emplace_back(begin, end);
  }
  return spans;
}

namespace {

// `message` with every spelling of the secrets of `uri` replaced.
std::string Scrubbed(std::string message, const std::string& uri) {
  for (auto [b, e] : SecretSpans(uri)) {
    const std::string raw = uri.substr(b, e - b);
    for (const std::string& secret : {raw, PercentDecoded(raw)}) {
      if (secret.empty()) continue;
      for (size_t at; (at = message.find(secret)) != std::string::npos;) {
        message.replace(at, secret.size(), "****");
      }
    }
  }
  return message;
}

}  // namespace

bool IsPostgresUri(const std::string& database) {
  const std::string_view d = database;
  return IEquals(d.substr(0, 13), "postgresql://") || IEquals(d.substr(0, 11), "postgres://");
}

std::string RedactUri(const std::string& uri) {
  std::string out = uri;
  auto spans = SecretSpans(uri);
  std::sort(spans.rbegin(), spans.rend());
  for (auto [b, e] : spans) out.replace(b, e - b, "****");
  return out;
}

std::string CheckPostgresUri(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (!options) {
    std::string why = error ? Trimmed(error) : "out of memory";
    PQfreemem(error);
    return "'" + RedactUri(uri) + "' is not a PostgreSQL connection URI: " + Scrubbed(why, uri);
  }
  PQconninfoFree(options);
  return "";
}

// A connection of the source's, for one read: handed back when the read
// went well, closed when it failed.
class PostgresSource::Lease {
 public:
  explicit Lease(PostgresSource* source) : source_(source) {}
  ~Lease() {
    if (!conn_) return;
    if (ok_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      std::lock_guard lock(source_->mu_);
      if (source_->idle_.size() < 8) {
        source_->idle_.push_back(conn_);
        return;
      }
    }
    PQfinish(conn_);
  }
  Status Acquire() {
    {
      std::lock_guard lock(source_->mu_);
      if (!source_->idle_.empty()) {
        conn_ = source_->idle_.back();
        source_->idle_.pop_back();
        reused_ = true;
      }
    }
    if (conn_ && PQstatus(conn_) != CONNECTION_OK) {
      PQfinish(conn_);
      conn_ = nullptr;
    }
    if (conn_) return Status::Ok();
    reused_ = false;
    return source_->Connect(&conn_);
  }
  PGconn* get() const { return conn_; }
  // Runs `sql` with `params`; the failure (with the source's name) when it
  // does not give `want`.
  Status Exec(const std::string& sql, const std::vector<std::string>& params, Result* out,
              ExecStatusType want = PGRES_TUPLES_OK) {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    out->reset(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
    if (*out && PQresultStatus(out->get()) == want) {
      reused_ = false;
      return Status::Ok();
    }
    // A kept connection the server has closed meanwhile (a restart, a
    // failover, a dropped database) fails its first statement: once, a new
    // connection tries again.
    if (reused_ && PQstatus(conn_) == CONNECTION_BAD) {
      reused_ = false;
      PQfinish(conn_);
      conn_ = nullptr;
      if (Status s = source_->Connect(&conn_); !s.ok()) {
        ok_ = false;
        return s;
      }
      return Exec(sql, params, out, want);
    }
    ok_ = false;
    const char* message = *out ? PQresultErrorMessage(out->get()) : PQerrorMessage(conn_);
    return Status::Error("database " + source_->redacted_ + ": " +
                         Scrubbed(Trimmed(message), source_->uri_));
  }
  void Fail() { ok_ = false; }

 private:
  PostgresSource* source_;
  PGconn* conn_ = nullptr;
  bool ok_ = true;
  bool reused_ = false;  // a kept connection, not yet used by this lease
};

// What one read selects: `select` (the row's id first) and `from`, to
// which the read adds the id conditions and the order; the time column
// and table of the reference schema, for the seek.
struct PostgresSource::Query {
  std::string select, from, id_column;
  const char* table;  // "submissions", "reviews" or "costs", for errors
  int time_column;    // which result column holds the row's time
  const char* seek_table = nullptr;
  const char* seek_column = nullptr;
};

PostgresSource::PostgresSource(std::string uri, SourceQueries queries, Millis query_timeout)
    : uri_(std::move(uri)),
      redacted_(RedactUri(uri_)),
      queries_(std::move(queries)),
      query_timeout_(query_timeout) {}

PostgresSource::~PostgresSource() {
  for (PGconn* c : idle_) PQfinish(c);
}

Status PostgresSource::Error(const std::string& what, PGconn* conn) const {
  return Status::Error("database " + redacted_ + ": " + what + ": " +
                       Scrubbed(Trimmed(PQerrorMessage(conn)), uri_));
}

Status PostgresSource::Connect(PGconn** out) {
  if (std::string bad = CheckPostgresUri(uri_); !bad.empty()) return Status::Error(bad);
  // The URI's own options come first; Argus's session settings after them
  // win: every transaction read-only, every statement and idle transaction
  // bounded, timestamps printed in ISO form in UTC.
  std::string options, connect_timeout;
  if (PQconninfoOption* parsed = PQconninfoParse(uri_.c_str(), nullptr)) {
    for (PQconninfoOption* o = parsed; o->keyword; ++o) {
      if (!o->val) continue;
      if (std::string_view(o->keyword) == "options") options = o->val;
      if (std::string_view(o->keyword) == "connect_timeout") connect_timeout = o->val;
    }
    PQconninfoFree(parsed);
  }
  const std::string timeout = std::to_string(std::max<Millis>(query_timeout_, 1));
  options += " -c default_transaction_read_only=on -c statement_timeout=" + timeout +
             " -c idle_in_transaction_session_timeout=" + timeout +
             " -c lock_timeout=" + timeout +
             " -c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3";
  if (connect_timeout.empty()) connect_timeout = "10";
  const char* keywords[] = {"dbname", "fallback_application_name", "options", "connect_timeout",
                            "client_encoding", nullptr};
  const char* values[] = {uri_.c_str(), "argus-exporter", options.c_str(), connect_timeout.c_str(),
                          "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn) return Status::Error("database " + redacted_ + ": cannot connect: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status error = Error("cannot connect", conn);
    PQfinish(conn);
    return error;
  }
  *out = conn;
  return Status::Ok();
}

Status PostgresSource::CheckColumnTypes(const PGresult* r, const char* table, int time_column) const {
  if (!IsInteger(PQftype(r, 0))) {
    return Status::Error("database " + redacted_ + ": source '" + table + "': the id column is not an integer");
  }
  if (!IsTime(PQftype(r, time_column))) {
    return Status::Error("database " + redacted_ + ": source '" + table + "': the column " +
                         PQfname(r, time_column) + " is neither a timestamp nor text nor Unix seconds (type oid " +
                         std::to_string(PQftype(r, time_column)) + ")");
  }
  return Status::Ok();
}

template <typename RowFn>
Status PostgresSource::Run(const Query& query, const ReadRequest& request, ReadStats* stats,
                           RowFn row) {
  Lease conn(this);
  if (Status s = conn.Acquire(); !s.ok()) return s;
  Result result;
  int64_t after = request.after_id;
  // A first read of a window starts where its rows begin.
  if (query.seek_table && request.range.from > -kAllTime && request.after_id < 0) {
    const std::string table = query.seek_table;
    if (Status s = conn.Exec("SELECT max(id) FROM " + table, {}, &result); !s.ok()) return s;
    const int64_t max_id = IsNull(result.get(), 0, 0) ? -1 : Integer(Value(result.get(), 0, 0)).value_or(-1);
    const std::string probe_sql = std::string("SELECT id, ") + query.seek_column + " FROM " + table +
                                  " WHERE id >= $1 ORDER BY id LIMIT 1";
    Status failed = Status::Ok();
    const int64_t first = SeekFirstId(max_id, request.range.from,
                                      [&](int64_t id, int64_t* found, std::optional<Millis>* at) {
      if (!failed.ok()) return false;
      if (Status s = conn.Exec(probe_sql, {std::to_string(id)}, &result); !s.ok()) {
        failed = s;
        return false;
      }
      if (PQntuples(result.get()) == 0) return false;
      *found = Integer(Value(result.get(), 0, 0)).value_or(id);
      *at = TimeOf(result.get(), 0, 1);
      return true;
    });
    if (!failed.ok()) return failed;
    after = std::max(after, first - 1);
  }
  std::string sql = query.select + " " + query.from + " WHERE " + query.id_column + " > $1";
  std::vector<std::string> params = {"", ""};
  if (request.up_to_id >= 0) {
    sql += " AND " + query.id_column + " <= $3";
    params.push_back(std::to_string(request.up_to_id));
  }
  sql += " ORDER BY " + query.id_column + " LIMIT $2";
  int64_t read = 0;  // rows of this request, skipped ones included
  // Whether `after` is the id of a row read (by this read or the last):
  // the next row's id then tells whether one is missing between.
  bool known = request.after_id >= 0;
  const Millis wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (;;) {
    const int64_t page =
        request.limit > 0 ? std::min(kBatchRows, request.limit - read) : kBatchRows;
    if (page <= 0) break;
    params[0] = std::to_string(after);
    params[1] = std::to_string(page);
    // One short read-only transaction per page.
    if (Status s = conn.Exec("BEGIN READ ONLY", {}, &result, PGRES_COMMAND_OK); !s.ok()) return s;
    Status s = conn.Exec(sql, params, &result);
    Result end;
    if (!s.ok()) {
      conn.Exec("ROLLBACK", {}, &end, PGRES_COMMAND_OK);
      conn.Fail();
      return Status::Error(s.message() + " (source '" + query.table + "')");
    }
    if (Status c = conn.Exec("COMMIT", {}, &end, PGRES_COMMAND_OK); !c.ok()) return c;
    const PGresult* r = result.get();
    if (Status s = CheckColumnTypes(r, query.table, query.time_column); !s.ok()) {
      conn.Fail();
      return s;
    }
    const int rows = PQntuples(r);
    for (int i = 0; i < rows; ++i) {
      auto id = Integer(Value(r, i, 0));
      if (!id) {
        conn.Fail();
        return Status::Error("database " + redacted_ + ": " + query.table +
                             ": an id that is not a 64-bit integer");
      }
      // A gap before a recent row may be a row not yet committed: this
      // read ends before it, and the next one starts there, for at most
      // kGapGrace of the clock from when the gap was first met.
      if (request.cursor && known && *id > after + 1) {
        auto t = TimeOf(r, i, query.time_column);
        if (t && *t > wall - kGapGrace && HoldGap(query.table, after, wall)) return Status::Ok();
      }
      known = true;
      after = *id;
      ++read;
      ++stats->rows;
      stats->max_id = std::max(stats->max_id, *id);
      row(r, i);
    }
    if (rows < page) break;
  }
  return Status::Ok();
}

Status PostgresSource::ReadSubmissions(const ReadRequest& request,
                                       const std::function<void(const SubmissionRow&)>& visit,
                                       ReadStats* stats) {
  const bool names = !request.times_only || request.agent;
  const SourceQueries reference;
  const bool ref = queries_.submissions == reference.submissions;
  Query q{names ? "SELECT s.id, s.created_at, " + Name("s.agent") + ", " + Name("s.domain")
                : "SELECT s.id, s.created_at, NULL, NULL",
          "FROM " + SubqueryOf(queries_.submissions) + " AS s", "s.id", "submissions", 1,
          ref ? "submissions" : nullptr, "created_at"};
  SubmissionRow out;
  return Run(q, request, stats, [&](const PGresult* r, int i) {
    auto t = TimeOf(r, i, 1);
    if (!t) {
      ++stats->skipped.submissions[SkipReason::kUnreadable];
      return;
    }
    if (!request.range.Contains(*t)) return;
    AssignName(r, i, 2, &out.agent);
    Map(NameKind::kAgent, &out.agent);
    if (request.agent && out.agent != *request.agent) return;
    out.id = *Integer(Value(r, i, 0));
    out.created_at = *t;
    AssignName(r, i, 3, &out.domain);
    Map(NameKind::kDomain, &out.domain);
    visit(out);
  });
}

Status PostgresSource::ReadReviews(const ReadRequest& request,
                                   const std::function<void(const ReviewRow&)>& visit,
                                   ReadStats* stats) {
  const bool joined = !request.times_only || request.agent;
  const bool details = request.details && !request.times_only;
  const SourceQueries reference;
  const bool ref = queries_.reviews == reference.reviews;
  Query q{"SELECT r.id, r.reviewed_at, r.verdict::text, " +
              (request.times_only ? std::string("NULL") : Name("r.reason")) + ", " +
              (details ? "r.score, left(r.note::text, " + std::to_string(kMaxNoteBytes) +
                             "), octet_length(r.note::text)"
                       : std::string("NULL, NULL, NULL")) +
              ", " +
              (joined ? Name("s.agent") + ", " + Name("s.domain") + ", " + Name("s.item")
                      : std::string("NULL, NULL, NULL")),
          "FROM " + SubqueryOf(queries_.reviews) + " AS r " +
              (joined ? "JOIN " + SubqueryOf(queries_.submissions) +
                            " AS s ON s.id = r.submission_id"
                      : std::string()),
          "r.id", "reviews", 1, ref ? "reviews" : nullptr, "reviewed_at"};
  ReviewRow out;
  return Run(q, request, stats, [&](const PGresult* r, int i) {
    // As SQLite's reader: a row outside the range is no concern of this
    // read, whatever its verdict.
    auto t = TimeOf(r, i, 1);
    if (t && !request.range.Contains(*t)) return;
    const std::string_view verdict = IsNull(r, i, 2) ? std::string_view() : Value(r, i, 2);
    if (!t || (verdict != "approved" && verdict != "rejected")) {
      ++stats->skipped.reviews[SkipReason::kUnreadable];
      return;
    }
    AssignName(r, i, 7, &out.agent);
    Map(NameKind::kAgent, &out.agent);
    if (request.agent && out.agent != *request.agent) return;
    out.id = *Integer(Value(r, i, 0));
    out.reviewed_at = *t;
    out.approved = verdict == "approved";
    AssignName(r, i, 3, &out.reason);
    Map(NameKind::kReason, &out.reason);
    out.score.reset();
    if (!IsNull(r, i, 4)) {
      auto score = Number(Value(r, i, 4));
      if (score && std::isfinite(*score)) out.score = *score;
    }
    if (IsNull(r, i, 5)) {
      out.note.clear();
    } else {
      const size_t whole = Integer(Value(r, i, 6)).value_or(0);
      out.note = BoundedNote(Value(r, i, 5), whole);
    }
    AssignName(r, i, 8, &out.domain);
    Map(NameKind::kDomain, &out.domain);
    AssignName(r, i, 9, &out.item);
    visit(out);
  });
}

Status PostgresSource::ReadCosts(const ReadRequest& request,
                                 const std::function<void(const CostRow&)>& visit,
                                 ReadStats* stats) {
  if (queries_.costs.empty()) return Status::Ok();  // the pipeline records no costs
  const bool names = !request.times_only || request.agent;
  const SourceQueries reference;
  const bool ref = queries_.costs == reference.costs;
  Query q{names ? "SELECT c.id, c.incurred_at, " + Name("c.agent") + ", " + Name("c.model") +
                      ", c.usd::text"
                : "SELECT c.id, c.incurred_at, NULL, NULL, c.usd::text",
          "FROM " + SubqueryOf(queries_.costs) + " AS c", "c.id", "costs", 1,
          ref ? "costs" : nullptr, "incurred_at"};
  CostRow out;
  return Run(q, request, stats, [&](const PGresult* r, int i) {
    auto t = TimeOf(r, i, 1);
    if (!t) {
      ++stats->skipped.costs[SkipReason::kUnreadable];
      return;
    }
    if (!request.range.Contains(*t)) return;
    auto usd = IsNull(r, i, 4) ? std::nullopt : Number(Value(r, i, 4));
    if (!usd || !ValidCost(*usd)) {
      ++stats->skipped.costs[SkipReason::kInvalidValue];
      return;
    }
    out.usd = *usd;
    AssignName(r, i, 2, &out.agent);
    Map(NameKind::kAgent, &out.agent);
    if (request.agent && out.agent != *request.agent) return;
    out.id = *Integer(Value(r, i, 0));
    out.incurred_at = *t;
    AssignName(r, i, 3, &out.model);
    Map(NameKind::kModel, &out.model);
    visit(out);
  });
}

Status PostgresSource::MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) {
  Lease conn(this);
  if (Status s = conn.Acquire(); !s.ok()) return s;
  const std::string sql =
      "SELECT (SELECT max(id) FROM " + SubqueryOf(queries_.submissions) +
      " AS t), (SELECT max(id) FROM " + SubqueryOf(queries_.reviews) + " AS t), " +
      (queries_.costs.empty() ? std::string("NULL")
                              : "(SELECT max(id) FROM " + SubqueryOf(queries_.costs) + " AS t)");
  Result result;
  if (Status s = conn.Exec(sql, {}, &result); !s.ok()) return s;
  int64_t* out[] = {submissions, reviews, costs};
  for (int i = 0; i < 3; ++i) {
    *out[i] = IsNull(result.get(), 0, i) ? -1 : Integer(Value(result.get(), 0, i)).value_or(-1);
  }
  return Status::Ok();
}

std::string PostgresSource::Generation() {
  Lease conn(this);
  if (!conn.Acquire().ok()) return "";
  Result result;
  // pg_control_system() may be refused to a role (it is not by default):
  // the database's oid alone then tells a database created anew. Which of
  // the two is asked once, so that the answer keeps one form.
  if (!control_readable_) {
    if (!conn.Exec("SELECT has_function_privilege('pg_control_system()', 'EXECUTE')", {}, &result).ok() ||
        PQntuples(result.get()) != 1) {
      return "";
    }
    control_readable_ = Value(result.get(), 0, 0) == "t";
  }
  const char* sql = *control_readable_
                        ? "SELECT (SELECT system_identifier FROM pg_control_system())::text || '/' || "
                          "oid::text FROM pg_database WHERE datname = current_database()"
                        : "SELECT 'unknown/' || oid::text FROM pg_database WHERE datname = current_database()";
  if (!conn.Exec(sql, {}, &result).ok() || PQntuples(result.get()) != 1) return "";
  return std::string(Value(result.get(), 0, 0));
}

bool PostgresSource::HoldGap(const char* table, int64_t after, Millis wall) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = gaps_.try_emplace(table, Gap{after, wall});
  if (!fresh && it->second.after != after) it->second = Gap{after, wall};  // another gap
  return wall - it->second.first_met < kGapGrace;
}

void PostgresSource::SetNames(std::shared_ptr<NameMap> names) {
  names_ = std::move(names);
  if (!names_) return;
  Lease conn(this);
  if (!conn.Acquire().ok()) return;  // not readable yet: places go in the order read
  SeedLatestNames(*names_, queries_, [&](const char* table, const char* column, int rows,
                                         const NameVisitor& each) {
    Result result;
    if (!conn.Exec("SELECT " + Name(column) + " FROM " + table + " ORDER BY id DESC LIMIT " +
                       std::to_string(rows),
                   {}, &result)
             .ok()) {
      return;
    }
    std::string name;
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      AssignName(result.get(), i, 0, &name);
      if (!each(name)) break;
    }
  });
}

Status PostgresSource::Validate() {
  Lease conn(this);
  if (Status s = conn.Acquire(); !s.ok()) return s;
  struct Source {
    const char* table;
    const std::string* query;
    const char* columns;
    int time_column;
  };
  const Source all[] = {
      {"submissions", &queries_.submissions, "id, created_at, agent, domain, item", 1},
      {"reviews", &queries_.reviews, "id, submission_id, reviewed_at, verdict, reason, score, note", 2},
      {"costs", &queries_.costs, "id, incurred_at, agent, model, usd", 1},
  };
  for (const Source& source : all) {
    if (source.query->empty()) continue;  // no costs recorded
    Result result;
    if (Status s = conn.Exec(std::string("SELECT ") + source.columns + " FROM " +
                                 SubqueryOf(*source.query) + " AS t LIMIT 0",
                             {}, &result);
        !s.ok()) {
      return Status::Error(s.message() + " (source '" + source.table + "')");
    }
    if (Status s = CheckColumnTypes(result.get(), source.table, source.time_column); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace argus
