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
  return CheckQueriesOnlyRead(database, queries);
}

std::string DatabaseForDisplay(const std::string& database) {
  return IsPostgresUri(database) ? RedactUri(database) : database;
}

}  // namespace argus
