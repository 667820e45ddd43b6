// The /metrics exposition of the demo pipeline, line by line against a
// golden file (tests/golden/metrics.txt). Values that change from run to
// run (timings, wall-clock times, the git revision) are compared by name
// and labels only; series may come in any order within the exposition.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "exporter/cli/demo.h"
#include "exporter/serve/exporter.h"
#include "exporter/source/sqlite_source.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

namespace fs = std::filesystem;

std::multiset<std::string> Normalized(const std::string& text) {
  static const std::regex kVolatile(
      "^((argus_last_run_timestamp_seconds|argus_last_success_timestamp_seconds|"
      "argus_cycle_duration_seconds|argus_config_last_reload_success_timestamp_seconds|"
      "argus_check_duration_seconds)(\\{[^}]*\\})?) .*$");
  static const std::regex kRevision("^(argus_exporter_build_info\\{revision=\")[0-9a-z]+(\".*)$");
  std::multiset<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = std::regex_replace(line, kVolatile, "$1 VOLATILE");
    line = std::regex_replace(line, kRevision, "$1REVISION$2");
    lines.insert(line);
  }
  return lines;
}

TEST(Metrics, TheDemoPipelineMatchesTheGoldenExpositionLineByLine) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("argus_golden_" + std::to_string(getpid()));
  fs::create_directories(dir);
  DemoOptions o;
  o.path = (dir / "demo.db").string();
  o.now = kNow;
  o.force = true;
  ASSERT_TRUE(WriteDemo(o).ok());
  std::ostringstream logs;
  Logger log(logs, LogLevel::kError);
  Exporter exporter(Config(), std::make_unique<SqliteSource>(o.path, SourceQueries()), kNow, log);
  const std::string text = exporter.RunCycle()->metrics_text;
  fs::remove_all(dir);

  std::ifstream golden_file(std::string(ARGUS_SOURCE_DIR) + "/tests/golden/metrics.txt");
  ASSERT_TRUE(golden_file) << "tests/golden/metrics.txt missing";
  std::stringstream golden_text;
  golden_text << golden_file.rdbuf();
  const std::multiset<std::string> want = Normalized(golden_text.str()), got = Normalized(text);
  EXPECT_GT(want.size(), 400u);
  for (const std::string& line : want) {
    EXPECT_EQ(got.count(line), want.count(line)) << "golden line: " << line;
  }
  for (const std::string& line : got) {
    EXPECT_EQ(want.count(line), got.count(line)) << "line not in the golden file: " << line;
  }
}

}  // namespace
}  // namespace argus::testing
