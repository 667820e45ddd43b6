// Benchmark of the incremental engine on a copy of a demo database:
//   argus_bench_incremental cycles DB     cold cycle, then steady cycles with
//                                         1,000 new rows and with none
//   argus_bench_incremental writer DB SECONDS
//                                         append reviews in small transactions
//                                         as fast as possible; print commit
//                                         latency percentiles and failures
// Prints figures; asserts nothing (see bench/incremental.sh).
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "exporter/engine/config.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/source/sqlite_source.h"

using namespace argus;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double PeakRssMb() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

void Percentiles(const char* what, std::vector<double> ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double p) { return ms[std::min(ms.size() - 1, size_t(p * ms.size()))]; };
  std::printf("%-50s n=%zu  p50 %.3f ms  p95 %.3f ms  p99 %.3f ms  max %.3f ms\n", what, ms.size(),
              at(0.5), at(0.95), at(0.99), ms.back());
}

sqlite3* OpenWriter(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 1000);  // what any real writer sets
  return db;
}

// Appends `n` rows in one transaction, spread evenly over (from, to], in
// the demo pipeline's mix: for every 10 rows, 3 submissions, 3 reviews of
// them (80% approved, rejection reasons in rotation) and 4 cost rows, from
// the demo's own healthy agents (agent-009 .. agent-100).
void Append(sqlite3* db, int n, Millis from, Millis to, int64_t* serial) {
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  sqlite3_stmt *sub, *rev, *cost;
  sqlite3_prepare_v2(db, "INSERT INTO submissions (created_at, agent, domain, item) VALUES (?, ?, 'health', ?)", -1, &sub, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO reviews (submission_id, reviewed_at, verdict, reason) VALUES (?, ?, ?, ?)", -1, &rev, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO costs (incurred_at, agent, model, usd) VALUES (?, ?, 'gpt-4o', 0.03)", -1, &cost, nullptr);
  static const char* kReasons[] = {"missing_evidence", "factual_error", "off_topic", "formatting", "duplicate"};
  int64_t last_submission = 1;
  for (int i = 0; i < n; ++i) {
    const int64_t k = (*serial)++;
    char name[16];
    std::snprintf(name, sizeof name, "agent-%03d", int(9 + (k / 10) % 92));
    const std::string ts = FormatTimestamp(from + (to - from) * (i + 1) / n), agent = name;
    const int kind = k % 10;
    if (kind < 3) {
      const std::string item = "bench-" + std::to_string(k);
      sqlite3_bind_text(sub, 1, ts.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(sub, 2, agent.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(sub, 3, item.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_step(sub);
      sqlite3_reset(sub);
      last_submission = sqlite3_last_insert_rowid(db);
    } else if (kind < 6) {
      const int64_t r = k / 10 * 3 + (kind - 3);  // the review's serial
      const bool approved = r % 5 != 2;
      sqlite3_bind_int64(rev, 1, last_submission);
      sqlite3_bind_text(rev, 2, ts.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(rev, 3, approved ? "approved" : "rejected", -1, SQLITE_STATIC);
      if (approved) sqlite3_bind_null(rev, 4); else sqlite3_bind_text(rev, 4, kReasons[(r / 5) % 5], -1, SQLITE_STATIC);
      sqlite3_step(rev);
      sqlite3_reset(rev);
    } else {
      sqlite3_bind_text(cost, 1, ts.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(cost, 2, agent.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_step(cost);
      sqlite3_reset(cost);
    }
  }
  for (auto* s : {sub, rev, cost}) sqlite3_finalize(s);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
}

// Runs `cycles` cycles, each `step` after the last, appending `rows` rows
// spread over the step before each; prints the cycle times.
void Steady(IncrementalEngine& engine, sqlite3* writer, Millis* now, int64_t* serial,
            const char* what, int cycles, int rows, Millis step) {
  std::vector<double> ms;
  size_t alerts = 0;
  for (int i = 0; i < cycles; ++i) {
    if (rows > 0) Append(writer, rows, *now, *now + step, serial);
    *now += step;
    const auto start = Clock::now();
    CycleResult r = engine.Run(*now);
    ms.push_back(Ms(Clock::now() - start));
    if (!r.database_ok()) std::printf("error: %s\n", r.database_error.c_str());
    alerts = std::max(alerts, r.alerts.size());
  }
  char label[96];
  std::snprintf(label, sizeof label, "%s (up to %zu alerts):", what, alerts);
  Percentiles(label, ms);
}

int Cycles(const std::string& path, Millis now) {
  Config config;
  SqliteSource source(path, config.sources);
  IncrementalEngine engine(config, source);
  auto start = Clock::now();
  CycleResult r = engine.Run(now);
  std::printf("cold cycle: %.1f ms, %zu alerts, %zu rows kept, peak RSS %.1f MB\n", Ms(Clock::now() - start),
              r.alerts.size(), engine.rows_kept(), PeakRssMb());
  sqlite3* writer = OpenWriter(path);
  int64_t serial = 0;
  // The demo pipeline writes about 1,000 rows an hour (3 tables): a cycle
  // with 1,000 new rows is an hour of its traffic. The windows move an hour
  // at each such cycle, so every row of every 1h segment crosses an edge.
  Steady(engine, writer, &now, &serial, "no new rows, 1 s step", 50, 0, kSecond);
  Steady(engine, writer, &now, &serial, "1,000 new rows, 1 h step", 50, 1000, kHour);
  Steady(engine, writer, &now, &serial, "1,000 new rows, 1 min step", 50, 1000, kMinute);
  Steady(engine, writer, &now, &serial, "no new rows after the burst", 50, 0, kSecond);
  sqlite3_close(writer);
  std::printf("peak RSS %.1f MB\n", PeakRssMb());
  return 0;
}

int Writer(const std::string& path, double seconds) {
  sqlite3* db = OpenWriter(path);
  std::vector<double> commits;
  int failures = 0;
  int64_t serial = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const std::string wal = path + "-wal";
  off_t wal_max = 0;
  auto wal_size = [&] {
    struct stat st;
    return ::stat(wal.c_str(), &st) == 0 ? st.st_size : off_t(0);
  };
  while (Clock::now() < end) {
    if (serial % 64 == 0) wal_max = std::max(wal_max, wal_size());
    const auto start = Clock::now();
    // A small transaction: one submission and its review.
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      const std::string ts = FormatTimestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::system_clock::now().time_since_epoch()).count());
      const std::string sql =
          "INSERT INTO submissions (created_at, agent, domain, item) VALUES ('" + ts +
          "', 'writer', 'health', 'w-" + std::to_string(serial++) +
          "'); INSERT INTO reviews (submission_id, reviewed_at, verdict) VALUES (last_insert_rowid(), '" + ts +
          "', 'approved'); COMMIT";
      rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK) {
      ++failures;
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      continue;
    }
    commits.push_back(Ms(Clock::now() - start));
  }
  const off_t wal_end = wal_size();
  sqlite3_close(db);
  char label[64];
  std::snprintf(label, sizeof label, "writer commits (%d failed):", failures);
  Percentiles(label, commits);
  std::printf("%-50s %.1f commits/s; WAL largest %.1f MB, at the end %.1f MB\n", "writer:",
              commits.size() / seconds, wal_max / 1e6, wal_end / 1e6);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "cycles" && argc == 4) {
    auto now = ParseTimestamp(argv[3]);
    return now ? Cycles(argv[2], *now) : 2;
  }
  if (mode == "writer" && argc == 4) return Writer(argv[2], std::atof(argv[3]));
  std::fprintf(stderr, "usage: %s cycles DB NOW | writer DB SECONDS\n", argv[0]);
  return 2;
}
