#include "exporter/source/open_source.h"

#include "exporter/source/postgres_source.h"
#include "exporter/source/sqlite_source.h"

namespace argus {

std::unique_ptr<PipelineSource> OpenPipelineSource(const std::string& database,
                                                   const SourceQueries& queries,
                                                   Millis query_timeout) {
  if (IsPostgresUri(database)) {
    return std::make_unique<PostgresSource>(database, queries, query_timeout);
  }
  return std::make_unique<SqliteSource>(database, queries, query_timeout);
}

Status CheckDatabase(const std::string& database, const SourceQueries& queries) {
  if (IsPostgresUri(database)) {
    if (std::string bad = CheckPostgresUri(database); !bad.empty()) {
      return Status::Error("database: " + bad);
    }
    return Status::Ok();
  }
  if (!SecretSpans(database).empty()) {
    return Status::Error("database: '" + RedactUri(database) +
                         "' holds a password but is no postgresql:// URI; give the PostgreSQL "
                         "database as a URI, or the path of a SQLite file");
  }
  return CheckQueriesOnlyRead(database, queries);
}

std::string DatabaseForDisplay(const std::string& database) {
  // A SQLite path has no secrets; something that looks like a connection
  // string (key=value, a mistyped scheme) is shown without them anyway.
  return RedactUri(database);
}

}  // namespace argus
