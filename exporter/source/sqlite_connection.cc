#include "exporter/source/sqlite_connection.h"

#include <sys/stat.h>

#include <fstream>
#include <thread>
#include <string_view>

#include "exporter/base/format.h"
#include "exporter/source/source.h"

namespace argus {
namespace {

// A reader waits this long for a writer to finish a commit before the read
// counts as failed; it never blocks the writer meanwhile.
constexpr int kBusyTimeoutMs = 1000;

// argus_keep(timestamp, from, to): 1 inside (from, to], 0 outside, 2 when the
// timestamp cannot be read (so the row is visited and counted as skipped).
// Filtering inside SQLite keeps the join to submissions off rows outside the
// window.
void KeepFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto t = ValueTime(argv[0]);
  if (!t) {
    sqlite3_result_int(ctx, 2);
    return;
  }
  TimeRange range{sqlite3_value_int64(argv[1]), sqlite3_value_int64(argv[2])};
  sqlite3_result_int(ctx, range.Contains(*t) ? 1 : 0);
}

// Whether `path` is a WAL-mode database (a file format version of 2 in the
// header: SQLite goes by the read version, byte 19; either is taken here)
// whose shared-memory file does not exist: no connection has it open.
bool WalWithoutShm(const std::string& path) {
  struct stat st;
  if (::stat((path + "-shm").c_str(), &st) == 0) return false;  // a connection has it open
  std::ifstream in(path, std::ios::binary);
  char header[20];
  if (!in.read(header, sizeof header)) return false;
  if (std::string_view(header, 16) != std::string_view("SQLite format 3\0", 16)) return false;
  return header[18] == 2 || header[19] == 2;
}

// Whoever opens an immutable-read database next to write creates its -wal
// and -shm files, which changes the connection identity (Lease) and retires
// the immutable connection.
Status OpenAs(const std::string& path, Db* out, bool immutable) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0);
  const std::string name = immutable ? "file:" + PercentEncode(path) + "?immutable=1" : path;
  int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return DbError(raw, path, "cannot open");
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // query_only refuses any write even if a source query tried one.
  sqlite3_exec(raw, "PRAGMA query_only = 1", nullptr, nullptr, nullptr);
  // Reads go forward through the file once: a small page cache does (the
  // default 2 MB per connection would triple with a connection per table).
  sqlite3_exec(raw, "PRAGMA cache_size = -512", nullptr, nullptr, nullptr);
  sqlite3_create_function(raw, "argus_keep", 3,
                          SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                          nullptr, KeepFunction, nullptr, nullptr);
  // No value over this is ever loaded: the statement stops with
  // SQLITE_TOOBIG instead, and the read skips that row (sqlite_source.cc).
  sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, kMaxValueBytes);
  *out = std::move(db);
  return Status::Ok();
}

std::atomic<bool> g_interrupted{false};

// Checked every kProgressSteps virtual-machine steps (a few microseconds).
constexpr int kProgressSteps = 10000;

int Progress(void* arg) {
  if (g_interrupted.load(std::memory_order_relaxed)) return 1;
  return std::chrono::steady_clock::now() > static_cast<const ReadDeadline*>(arg)->at ? 1 : 0;
}

}  // namespace

void Guard(sqlite3* db, ReadDeadline* deadline) {
  sqlite3_progress_handler(db, kProgressSteps, Progress, deadline);
}

void InterruptReads() { g_interrupted = true; }
bool ReadsInterrupted() { return g_interrupted; }

Status ReadError(sqlite3* db, const std::string& path, const ReadDeadline& deadline) {
  if (sqlite3_errcode(db) == SQLITE_INTERRUPT) {
    if (g_interrupted) return Status::Error("database " + path + ": read interrupted: shutting down");
    return Status::Error("database " + path + ": read interrupted after " +
                         FormatDuration(deadline.budget) +
                         " (query_timeout): a source query took too long");
  }
  return DbError(db, path, "read failed");
}

Status Prepare(sqlite3* db, const std::string& path, const std::string& sql, Stmt* out) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, &tail);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) return DbError(db, path, "cannot prepare query");
  if (!stmt) return Status::Error("database " + path + ": empty query");
  if (!sqlite3_stmt_readonly(raw)) {
    return Status::Error("database " + path + ": a source query must only read");
  }
  *out = std::move(stmt);
  return Status::Ok();
}

std::optional<Millis> ValueTime(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      return TimestampFromUnixSeconds(sqlite3_value_double(v));
    case SQLITE_TEXT: {
      auto* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
      return ParseTimestamp(std::string_view(text, sqlite3_value_bytes(v)));
    }
    default:
      return std::nullopt;
  }
}

Status DbError(sqlite3* db, const std::string& path, const std::string& what) {
  return Status::Error("database " + path + ": " + what + ": " +
                       (db ? sqlite3_errmsg(db) : "out of memory"));
}

Status Open(const std::string& path, Db* out) { return OpenAs(path, out, WalWithoutShm(path)); }

std::string FileIdentity(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}


int64_t ConnectionPool::wal_backoffs() const {
  std::lock_guard lock(mu_);
  return wal_backoffs_;
}

void ConnectionPool::AwaitQuiet(const std::string& path) {
  auto wal_size = [&]() -> int64_t {
    struct stat st;
    return ::stat((path + "-wal").c_str(), &st) == 0 ? st.st_size : 0;
  };
  std::unique_lock lock(mu_);
  const int64_t wal = wal_size();
  if (wal > kWalBackoffBytes && wal > wal_seen_) {
    ++wal_backoffs_;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    quiet_.wait_until(lock, until, [&] { return open_reads_ == 0; });
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lock.lock();
    wal_seen_ = wal_size();
  } else {
    // The size now, not the largest seen: a log the writer truncated, or
    // a new file, is measured afresh.
    wal_seen_ = wal;
  }
  ++open_reads_;
}

void ConnectionPool::Done() {
  std::lock_guard lock(mu_);
  if (--open_reads_ == 0) quiet_.notify_all();
}

Lease::~Lease() {
  // (The read's statements were reset already: they are declared after
  // the lease.)
  if (counted_) pool_->Done();
  if (!conn_ || failed_) return;
  std::lock_guard lock(pool_->mu_);
  if (pool_->idle_.size() < 4) pool_->idle_.push_back(std::move(conn_));
}

Status Lease::Acquire() {
  pool_->AwaitQuiet(path_);
  counted_ = true;
  // The file, and whether it is read immutable (see Open).
  const bool immutable = WalWithoutShm(path_);
  std::string identity = FileIdentity(path_);
  if (!identity.empty() && immutable) identity += ":immutable";
  {
    std::lock_guard lock(pool_->mu_);
    while (!pool_->idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(pool_->idle_.back());
      pool_->idle_.pop_back();
      if (conn->identity == identity && !identity.empty()) {
        conn_ = std::move(conn);
        conn_->deadline.Start(pool_->query_timeout_);
        return Status::Ok();
      }
    }
  }
  conn_ = std::make_unique<Connection>();
  conn_->identity = identity;
  if (Status s = OpenAs(path_, &conn_->db, immutable); !s.ok()) return s;
  Guard(conn_->db.get(), &conn_->deadline);
  conn_->deadline.Start(pool_->query_timeout_);
  return Status::Ok();
}

Status Lease::Statement(const std::string& sql, Borrowed* out) {
  auto it = conn_->statements.find(sql);
  if (it == conn_->statements.end()) {
    Stmt stmt;
    if (Status s = Prepare(get(), path_, sql, &stmt); !s.ok()) return s;
    if (conn_->statements.size() >= 32) conn_->statements.clear();
    it = conn_->statements.emplace(sql, std::move(stmt)).first;
  }
  out->reset(it->second.get());
  return Status::Ok();
}

}  // namespace argus
