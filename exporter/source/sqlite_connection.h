#ifndef ARGUS_SOURCE_SQLITE_CONNECTION_H_
#define ARGUS_SOURCE_SQLITE_CONNECTION_H_

// The connection layer under SqliteSource: read-only connections, the rule
// for WAL databases nobody has open, statements prepared once per
// connection, and the pool of idle connections. What is read through them
// is sqlite_source.cc's business.

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exporter/base/status.h"
#include "exporter/base/timestamp.h"

namespace argus {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// "database PATH: WHAT: SQLite's message".
Status DbError(sqlite3* db, const std::string& path, const std::string& what);

// A timestamp as SQLite holds it: Unix seconds (integer or real) or text
// (ParseTimestamp); nothing when it cannot be read.
std::optional<Millis> ValueTime(sqlite3_value* v);

// Opens the database read-only (SQLITE_OPEN_READONLY, PRAGMA query_only),
// with argus_keep(timestamp, from, to) registered: 1 inside (from, to], 0
// outside, 2 when the timestamp cannot be read. A WAL database that no
// connection has open (no -shm file) cannot be read by a read-only
// connection without SQLite creating -wal and -shm files next to it, or
// failing where it may not: it is opened immutable instead, which reads the
// main file alone.
Status Open(const std::string& path, Db* out);

// Prepares `sql` on `db`, refusing anything but one statement that only
// reads.
Status Prepare(sqlite3* db, const std::string& path, const std::string& sql, Stmt* out);

// The file's device and inode, or "" when it cannot be seen.
std::string FileIdentity(const std::string& path);

// The time a read may take: SQLite's progress handler interrupts a
// statement (SQLITE_INTERRUPT) once the deadline has passed, or at once
// after InterruptReads(). Set on a connection by Guard() below.
struct ReadDeadline {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::time_point::max();
  Millis budget = 0;
  void Start(Millis b) {
    budget = b;
    at = std::chrono::steady_clock::now() + std::chrono::milliseconds(b);
  }
};

// Installs `deadline` as `db`'s progress handler; it must outlive the
// connection's use.
void Guard(sqlite3* db, ReadDeadline* deadline);

// Every read in progress stops at its next progress check, and every later
// one fails at once: for shutdown, which then never waits for a query.
void InterruptReads();
// Whether InterruptReads() was called.
bool ReadsInterrupted();

// The error of a read that failed: a plain SQLite error, or, for
// SQLITE_INTERRUPT, whether the budget ran out or Argus is shutting down.
Status ReadError(sqlite3* db, const std::string& path, const ReadDeadline& deadline);

// A read-only connection with the identity of the file it opened and the
// statements prepared on it (prepared once, reused by every later read).
struct Connection {
  Db db;
  std::string identity;
  std::map<std::string, Stmt> statements;  // declared after db: finalized first
  ReadDeadline deadline;
};

// Idle connections of one database, and the time budget of each read
// through them. Thread-safe.
class ConnectionPool {
 public:
  explicit ConnectionPool(Millis query_timeout) : query_timeout_(query_timeout) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Millis query_timeout() const { return query_timeout_; }
  // How often reads waited for the writer to checkpoint (see AwaitQuiet).
  int64_t wal_backoffs() const;

 private:
  friend class Lease;
  // Before a read: when the file's write-ahead log is over kWalBackoffBytes
  // and has grown since the last read began, the writer's checkpoints have
  // not been able to reset it, because a read of ours was open each time.
  // Then the read waits until no other read of this pool is open, and a
  // moment more, so that the writer's next commit checkpoints the whole log
  // and starts it over. Bounded: at most ~0.2 s per read.
  void AwaitQuiet(const std::string& path);
  void Done();

  const Millis query_timeout_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::condition_variable quiet_;
  int open_reads_ = 0;
  int64_t wal_seen_ = 0;
  int64_t wal_backoffs_ = 0;
};

// The write-ahead log size above which reads back off while it grows:
// just over SQLite's default auto-checkpoint (1000 pages of 4 KiB).
constexpr int64_t kWalBackoffBytes = 9 << 19;  // 4.5 MiB

// A connection taken from the pool for one read; given back unless the read
// failed. A connection whose file was replaced since (another identity, or
// a change between immutable and normal reading) is not reused.
class Lease {
 public:
  Lease(ConnectionPool* pool, const std::string& path) : pool_(pool), path_(path) {}
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // Takes an idle connection or opens one, and starts the read's time
  // budget.
  Status Acquire();
  sqlite3* get() const { return conn_->db.get(); }
  const ReadDeadline& deadline() const { return conn_->deadline; }
  // A failed read's error (see ReadError).
  Status Error() const { return ReadError(get(), path_, conn_->deadline); }
  void Fail() { failed_ = true; }

  // The statement for `sql` on this connection, prepared on first use and
  // reset (bindings cleared) when `*out` goes out of scope.
  struct Reset {
    void operator()(sqlite3_stmt* s) const {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  };
  using Borrowed = std::unique_ptr<sqlite3_stmt, Reset>;
  Status Statement(const std::string& sql, Borrowed* out);

 private:
  ConnectionPool* pool_;
  const std::string& path_;
  std::unique_ptr<Connection> conn_;
  bool failed_ = false;
  bool counted_ = false;  // in pool_->open_reads_
};

}  // namespace argus

#endif  // ARGUS_SOURCE_SQLITE_CONNECTION_H_
