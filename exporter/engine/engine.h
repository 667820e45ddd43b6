#ifndef ARGUS_ENGINE_H_
#define ARGUS_ENGINE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exporter/engine/config.h"
#include "exporter/source/source.h"

namespace argus {

// How one check fared in one cycle.
struct CheckRun {
  std::string check;
  double duration_seconds = 0;
  std::string error;  // empty when it ran
  // When it could not run and the result holds its alerts and samples of
  // its last good run instead: that run's evaluation instant.
  std::optional<Millis> kept_from;
};

// The outcome of one evaluation of every enabled check.
struct CycleResult {
  Millis now = 0;
  std::vector<Alert> alerts;  // worst first, then by id
  std::vector<CheckRun> runs;
  std::vector<Sample> samples;
  SkippedRows skipped;
  std::string database_error;  // empty when every table was read
  double duration_seconds = 0;

  bool database_ok() const { return database_error.empty(); }
  bool any_check_failed() const;
  size_t Count(Severity s) const;
};

// The error a check inherits from the tables it reads, or "".
std::string TableError(const TableErrors& errors, const Check& check);

// Worst first, then by id.
void SortAlerts(std::vector<Alert>& alerts);

// Runs every enabled check through `evaluate`, except those whose tables
// failed, and assembles the result (alerts worst first).
CycleResult EvaluateChecks(const Config& config, Millis now, const TableErrors& errors,
                           const std::function<void(const Check&, CheckOutput*)>& evaluate);

// The whole-window evaluation: reads the snapshot the enabled checks need
// and runs them on it (the oracle of the incremental engine). A check whose
// table could not be read reports that error; the others still run.
CycleResult RunChecks(const Config& config, PipelineSource& source, Millis now);

// The body of /check and of `argus_exporter check`: checked_at, alert_count,
// critical, warning, info, alerts, failure_reports (one report per agent
// with a stuck_loop alert), plus `errors` when a check could not run.
nlohmann::json CheckBody(const CycleResult& result, const Config& config,
                         PipelineSource& source);

}  // namespace argus

#endif  // ARGUS_ENGINE_H_
