#include "testing/test_pipeline.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace argus::testing {

void TestPipeline::Review(const std::string& agent, const std::string& domain, Millis age,
                          bool approved, const std::string& reason, const std::string& item) {
  const std::string key = item.empty() ? "item-" + std::to_string(next_item_++) : item;
  const int64_t id = source_.AddSubmission(Ago(age + kMinute), agent, domain, key);
  source_.AddReview(id, Ago(age), approved ? "approved" : "rejected", approved ? "" : reason,
                    approved ? "" : "note for " + key);
}

void TestPipeline::Reviews(const std::string& agent, const std::string& domain, int count,
                           Millis age_from, Millis age_to, bool approved,
                           const std::string& reason) {
  const Millis span = age_from - age_to;
  for (int i = 0; i < count; ++i) {
    // Ages in [age_to + step/2 ...) so none falls on a window edge.
    const Millis age = age_to + span * (2 * i + 1) / (2 * count);
    Review(agent, domain, age, approved, reason);
  }
}

void TestPipeline::Activity(const std::string& agent, Millis age) {
  source_.AddSubmission(Ago(age), agent, "health", "act-" + std::to_string(next_item_++));
}

void TestPipeline::Cost(const std::string& agent, Millis age, double usd) {
  source_.AddCost(Ago(age), agent, "claude-sonnet", usd);
}

CycleResult TestPipeline::Run(const Config& config, Millis now) {
  return RunChecks(config, source_, now);
}

std::vector<Alert> TestPipeline::AlertsOf(const std::string& check, const Config& config,
                                          Millis now) {
  std::vector<Alert> out;
  for (Alert& a : Run(config, now).alerts) {
    if (a.check == check) out.push_back(std::move(a));
  }
  return out;
}

void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::string FreshTestDir(const std::string& prefix) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) /
                       (prefix + std::to_string(::getpid()) + "_" +
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

Config With(const std::string& yaml) {
  Config config;
  Status s = ParseConfig(yaml, &config);
  EXPECT_TRUE(s.ok()) << s.message();
  return config;
}

double SampleValue(const CycleResult& r, const std::string& metric,
                   const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const Sample& s : r.samples) {
    if (s.metric == metric && s.labels == labels) return s.value;
  }
  return -1;
}

}  // namespace argus::testing
