#ifndef ARGUS_FAILURE_REPORT_H_
#define ARGUS_FAILURE_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "exporter/engine/config.h"
#include "exporter/source/source.h"

namespace argus {

struct FailureReportResult {
  Status status;  // not ok when the reviews could not be read
  nlohmann::json report;
};

constexpr int kDefaultReportHours = 24;  // SPEC §5, as the Python service
constexpr int kMinReportHours = 1;
constexpr int kMaxReportHours = 720;

// Why one agent's work was rejected over the last `hours` before `now`:
// totals, top reasons with share, breakdown by domain, stuck items, the ten
// most recent rejections, first and last rejection time. With no rejections
// the report is {"agent", "status": "no_rejections", "period_hours"}.
FailureReportResult BuildFailureReport(PipelineSource& source, const Config& config,
                                       const std::string& agent, int hours, Millis now);

}  // namespace argus

#endif  // ARGUS_FAILURE_REPORT_H_
