#ifndef ARGUS_TESTS_PG_CLUSTER_H_
#define ARGUS_TESTS_PG_CLUSTER_H_

// A throwaway PostgreSQL 15 cluster for tests: initdb and pg_ctl from
// Debian's postgresql-15, run as an unprivileged user (the `postgres`
// account when the tests run as root), in a temporary folder, listening on
// 127.0.0.1 on a free port with password authentication. Stopped and
// removed when destroyed.

#include <string>
#include <vector>

#include "exporter/base/status.h"

namespace argus::testing {

class PgCluster {
 public:
  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // Why the cluster could not start ("" when it runs).
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // The superuser's URI for `database`.
  std::string AdminUri(const std::string& database) const;
  // The read-only role's (`argus`, password kArgusPassword) URI.
  std::string ArgusUri(const std::string& database) const;
  static constexpr const char* kArgusPassword = "s3cret-Argus";

  // Runs `sql` as the superuser in `database`.
  Status Exec(const std::string& database, const std::string& sql) const;
  // The first column of the first row of `sql` ("" when none).
  std::string Query(const std::string& database, const std::string& sql) const;

  // Creates `database` with the reference schema (docs/schema-postgresql.sql)
  // and grants the read-only role what docs/postgresql.md gives it.
  Status CreatePipeline(const std::string& database) const;
  // Copies the three tables of the SQLite pipeline at `sqlite_path` into
  // `database` (created by CreatePipeline), ids kept, times converted.
  Status CopyFromSqlite(const std::string& sqlite_path, const std::string& database) const;

  // The server's log.
  std::string Log() const;

 private:
  // Runs a command line as the cluster's owner; its exit status.
  int RunAsOwner(const std::string& command) const;

  std::string dir_, error_, bin_ = "/usr/lib/postgresql/15/bin";
  int port_ = 0;
  bool started_ = false;
};

}  // namespace argus::testing

#endif  // ARGUS_TESTS_PG_CLUSTER_H_
