#ifndef ARGUS_POSTGRES_SOURCE_H_
#define ARGUS_POSTGRES_SOURCE_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exporter/source/name_map.h"
#include "exporter/source/source.h"

typedef struct pg_conn PGconn;      // libpq-fe.h
typedef struct pg_result PGresult;  // libpq-fe.h

namespace argus {

// Whether `database` names a PostgreSQL database (a libpq connection URI,
// postgresql:// or postgres://) rather than a SQLite file.
bool IsPostgresUri(const std::string& database);

// `uri` with its password (in the user part, or a password= or
// sslpassword= parameter in any casing) replaced by "****", for log lines,
// error bodies and metrics. Also for a key=value connection string.
std::string RedactUri(const std::string& uri);
// Where those secrets are in `text`: [begin, end) of each.
std::vector<std::pair<size_t, size_t>> SecretSpans(const std::string& text);

// Checks a connection URI the way libpq reads it, without connecting:
// "" when it is good, else why not (with no password in it).
std::string CheckPostgresUri(const std::string& uri);

// Reads the pipeline from PostgreSQL through libpq, strictly read-only:
// every connection runs with default_transaction_read_only and a
// statement_timeout of `query_timeout`, and every read is a series of
// short READ ONLY transactions of at most kBatchRows rows each, in id
// order (keyset pages: `WHERE id > last ORDER BY id LIMIT n`), so no
// transaction holds a snapshot for long and no result holds more than one
// page in memory. Text values are cut in SQL (names at 64 KiB, notes at
// what BoundedNote keeps) before they leave the server. Timestamps may be
// timestamptz, timestamp (taken as UTC), text as SQLite's, or Unix
// seconds. Idle connections are kept for the next read and dropped after a
// failed one, so a repaired server is picked up by the next read.
// Thread-safe: each read takes a connection of its own.
class PostgresSource : public PipelineSource {
 public:
  static constexpr int64_t kBatchRows = 5000;
  // A gap in the ids before a row younger than this is taken for a
  // writer's transaction not yet committed (PostgreSQL hands out identity
  // values at insert, not at commit): a read that keeps a cursor stops
  // before it, for at most this long from when the gap was first met (a
  // rolled-back insert leaves a gap for good; a row dated in the future
  // holds reading no longer than this).
  static constexpr Millis kGapGrace = kMinute;

  PostgresSource(std::string uri, SourceQueries queries, Millis query_timeout = 30 * kSecond);
  ~PostgresSource() override;

  Status ReadSubmissions(const ReadRequest& request,
                         const std::function<void(const SubmissionRow&)>& visit,
                         ReadStats* stats) override;
  Status ReadReviews(const ReadRequest& request,
                     const std::function<void(const ReviewRow&)>& visit,
                     ReadStats* stats) override;
  Status ReadCosts(const ReadRequest& request, const std::function<void(const CostRow&)>& visit,
                   ReadStats* stats) override;
  Status MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) override;
  bool concurrent_reads() const override { return true; }
  // The cluster's system identifier and the database's oid: another
  // cluster (a restored backup, a new primary built from scratch) or a
  // database dropped and created again is another generation.
  std::string Generation() override;

  void SetNames(std::shared_ptr<NameMap> names) override;
  const NameMap* names() const override { return names_.get(); }

  // Connects and runs every source query with LIMIT 0, so that a wrong
  // password, a missing table or a misspelt column is reported before the
  // first cycle.
  Status Validate() override;

  PostgresSource(const PostgresSource&) = delete;
  PostgresSource& operator=(const PostgresSource&) = delete;

 private:
  class Lease;
  struct Query;
  template <typename RowFn>
  Status Run(const Query& query, const ReadRequest& request, ReadStats* stats, RowFn row);
  Status Connect(PGconn** out);
  // Whether a result's id (column 0) and time columns are of types Argus
  // reads; the error names the source and the column.
  Status CheckColumnTypes(const PGresult* r, const char* table, int time_column) const;
  Status Error(const std::string& what, PGconn* conn) const;
  void Map(NameKind kind, std::string* name) const {
    if (names_) names_->Apply(kind, name);
  }

  std::shared_ptr<NameMap> names_;
  std::string uri_, redacted_;
  SourceQueries queries_;
  Millis query_timeout_;
  // Whether a gap in `table`'s ids after `after`, met at `wall`, is still
  // held (kGapGrace of the clock since it was first met).
  bool HoldGap(const char* table, int64_t after, Millis wall);

  std::mutex mu_;
  std::vector<PGconn*> idle_;  // guarded by mu_
  struct Gap {
    int64_t after;
    Millis first_met;
  };
  std::map<std::string, Gap> gaps_;  // per table, guarded by mu_
  std::optional<bool> control_readable_;  // pg_control_system() allowed; Generation's thread only
};

}  // namespace argus

#endif  // ARGUS_POSTGRES_SOURCE_H_
