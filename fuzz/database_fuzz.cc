// libFuzzer target: the database reader given any bytes as the database
// file. Validate, a cold incremental cycle, a whole-window check, the
// pipeline totals and a failure report each either read it or fail with a
// message; none may crash, hang or change the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "exporter/engine/config.h"
#include "exporter/engine/engine.h"
#include "exporter/engine/failure_report.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/engine/pipeline_totals.h"
#include "exporter/source/row_feed.h"
#include "exporter/source/sqlite_source.h"

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace argus;
  static const std::string path = "/tmp/argus-fuzz-" + std::to_string(getpid()) + ".db";
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  static const Config config;
  const Millis now = *ParseTimestamp("2026-11-28T10:00:00Z");
  {
    SqliteSource source(path, config.sources);
    (void)source.Validate();
    RowFeed feed(source, true, 50);
    PipelineTotals totals(10);
    feed.Join(&totals);
    IncrementalEngine engine(config, source, nullptr, &feed);
    (void)engine.Run(now);
    (void)engine.Run(now + kHour);
    (void)RunChecks(config, source, now);
    (void)BuildFailureReport(source, config, "dax", 24, now);
  }
  if (Slurp(path) != bytes) __builtin_trap();  // read-only, always
  for (const char* suffix : {"-journal", "-wal", "-shm"}) {
    if (access((path + suffix).c_str(), F_OK) == 0) __builtin_trap();
  }
  return 0;
}
