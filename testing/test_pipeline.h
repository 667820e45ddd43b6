#ifndef ARGUS_TESTS_TEST_PIPELINE_H_
#define ARGUS_TESTS_TEST_PIPELINE_H_

#include <string>
#include <vector>

#include "exporter/engine/config.h"
#include "exporter/engine/engine.h"
#include "testing/memory_source.h"

namespace argus::testing {

// The instant every test evaluates at.
constexpr Millis kNow = 1795860000000;  // 2026-11-28T10:00:00Z

inline std::string Ago(Millis age) { return FormatTimestamp(kNow - age); }

// Builds pipelines in memory, with times given as ages before kNow.
class TestPipeline {
 public:
  // A submission of `item` by `agent` in `domain`, reviewed `age` before
  // kNow (submitted a minute earlier), with the given verdict.
  void Review(const std::string& agent, const std::string& domain, Millis age, bool approved,
              const std::string& reason = "missing_evidence", const std::string& item = "");
  // `count` reviews spread evenly over (age_to, age_from] before kNow.
  void Reviews(const std::string& agent, const std::string& domain, int count, Millis age_from,
               Millis age_to, bool approved, const std::string& reason = "missing_evidence");
  void Activity(const std::string& agent, Millis age);
  void Cost(const std::string& agent, Millis age, double usd);

  MemorySource& source() { return source_; }

  // Runs the checks with `config` (defaults when omitted) as of `now`.
  CycleResult Run(const Config& config = Config(), Millis now = kNow);
  // The alerts of one check.
  std::vector<Alert> AlertsOf(const std::string& check, const Config& config = Config(),
                              Millis now = kNow);

 private:
  MemorySource source_;
  int next_item_ = 0;
};

// Runs `sql` on the SQLite file at `path` (creating it), failing the test
// on an error.
void ExecSql(const std::string& path, const std::string& sql);

// A fresh folder for the running test, named after it under `prefix`.
std::string FreshTestDir(const std::string& prefix);

// A config with one check's parameter changed.
Config With(const std::string& yaml);

// The value of a published sample, or -1 when absent.
double SampleValue(const CycleResult& r, const std::string& metric,
                   const std::vector<std::pair<std::string, std::string>>& labels);

}  // namespace argus::testing

#endif  // ARGUS_TESTS_TEST_PIPELINE_H_
