// Benchmark of the PostgreSQL source beside SQLite's, on the same rows:
//   argus_bench_postgres SQLITE_DB NOW
// starts a throwaway PostgreSQL 15 cluster (as the tests do), copies the
// SQLite pipeline into it, then measures on both: a cold cycle (what
// `check` does), steady cycles with no new rows and with 1,000 new rows
// an hour. Prints figures; asserts nothing (see bench/postgres.sh).
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "exporter/engine/config.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/source/postgres_source.h"
#include "exporter/source/sqlite_source.h"
#include "tests/pg_cluster.h"

using namespace argus;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Percentiles(const std::string& what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double p) { return ms[std::min(ms.size() - 1, size_t(p * ms.size()))]; };
  std::printf("  %-34s p50 %8.3f ms  p95 %8.3f ms  p99 %8.3f ms\n", what.c_str(), at(0.5), at(0.95),
              at(0.99));
}

// Appends `n` rows (3 submissions, 3 reviews and 4 costs in every 10) spread
// over (from, to], through SQL run by `exec` in one transaction.
void Append(const std::function<void(const std::string&)>& exec, int64_t* next_id, int n, Millis from,
            Millis to) {
  std::string subs, revs, costs;
  for (int i = 0; i < n; ++i) {
    const int64_t k = (*next_id)++;
    const std::string ts = "'" + FormatTimestamp(from + (to - from) * (i + 1) / n) + "'";
    const std::string agent = "'agent-0" + std::to_string(10 + k % 90) + "'";
    const int kind = k % 10;
    const int64_t id = 50000000 + k;
    if (kind < 3) {
      subs += (subs.empty() ? "" : ",") + std::string("(") + std::to_string(id) + "," + ts + "," + agent +
              ",'health','bench-" + std::to_string(k) + "')";
    } else if (kind < 6) {
      const bool approved = k % 5 != 2;
      revs += (revs.empty() ? "" : ",") + std::string("(") + std::to_string(id) + "," +
              std::to_string(id - 3) + "," + ts + "," + (approved ? "'approved',NULL" : "'rejected','formatting'") +
              ")";
    } else {
      costs += (costs.empty() ? "" : ",") + std::string("(") + std::to_string(id) + "," + ts + "," + agent +
               ",'gpt-4o',0.03)";
    }
  }
  // Reviews judge the submission written three serials before them.
  exec("BEGIN;"
       "INSERT INTO submissions (id, created_at, agent, domain, item) VALUES " + subs + ";" +
       "INSERT INTO reviews (id, submission_id, reviewed_at, verdict, reason) VALUES " + revs + ";" +
       "INSERT INTO costs (id, incurred_at, agent, model, usd) VALUES " + costs + ";COMMIT");
}

void Measure(const char* name, const std::function<std::unique_ptr<PipelineSource>()>& open,
             const std::function<void(const std::string&)>& exec, Millis now) {
  std::printf("== %s\n", name);
  const Config config;
  std::vector<double> cold;
  for (int i = 0; i < 3; ++i) {
    auto source = open();
    IncrementalEngine engine(config, *source);
    const auto start = Clock::now();
    CycleResult r = engine.Run(now);
    cold.push_back(Ms(Clock::now() - start));
    if (!r.database_ok()) std::printf("error: %s\n", r.database_error.c_str());
  }
  std::sort(cold.begin(), cold.end());
  std::printf("  cold cycle (as `check`): fastest %.0f ms, median %.0f ms of 3\n", cold[0], cold[1]);
  auto source = open();
  IncrementalEngine engine(config, *source);
  engine.Run(now);
  int64_t next_id = 0;
  for (auto [what, rows, step] : {std::tuple{"no new rows, 1 s step", 0, kSecond},
                                  std::tuple{"1,000 new rows, 1 h step", 1000, kHour}}) {
    std::vector<double> ms;
    for (int i = 0; i < 50; ++i) {
      if (rows) Append(exec, &next_id, rows, now, now + step);
      now += step;
      const auto start = Clock::now();
      CycleResult r = engine.Run(now);
      ms.push_back(Ms(Clock::now() - start));
      if (!r.database_ok()) std::printf("error: %s\n", r.database_error.c_str());
    }
    Percentiles(what, ms);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SQLITE_DB NOW\n", argv[0]);
    return 2;
  }
  const std::string db = argv[1];
  const Millis now = *ParseTimestamp(argv[2]);
  testing::PgCluster cluster;
  if (!cluster.error().empty()) {
    std::fprintf(stderr, "%s\n", cluster.error().c_str());
    return 1;
  }
  auto start = Clock::now();
  if (Status s = cluster.CreatePipeline("bench"); !s.ok()) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
  if (Status s = cluster.CopyFromSqlite(db, "bench"); !s.ok()) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
  std::printf("copied %s into PostgreSQL 15 in %.1f s (%s reviews)\n", db.c_str(),
              Ms(Clock::now() - start) / 1000, cluster.Query("bench", "SELECT count(*) FROM reviews").c_str());
  const std::string copy = db + ".bench-copy";
  std::filesystem::copy_file(db, copy, std::filesystem::copy_options::overwrite_existing);
  Measure("SQLite", [&] { return std::make_unique<SqliteSource>(copy, SourceQueries()); },
          [&](const std::string& sql) {
            sqlite3* w = nullptr;
            sqlite3_open(copy.c_str(), &w);
            sqlite3_busy_timeout(w, 1000);
            sqlite3_exec(w, sql.c_str(), nullptr, nullptr, nullptr);
            sqlite3_close(w);
          },
          now);
  Measure("PostgreSQL", [&] { return std::make_unique<PostgresSource>(cluster.ArgusUri("bench"), SourceQueries()); },
          [&](const std::string& sql) {
            if (Status s = cluster.Exec("bench", sql); !s.ok()) std::printf("append: %s\n", s.message().c_str());
          },
          now);
  std::filesystem::remove(copy);
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  std::printf("peak RSS of this process (both runs): %.1f MB\n", u.ru_maxrss / 1024.0);
  return 0;
}
