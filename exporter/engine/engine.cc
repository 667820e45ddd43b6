#include "exporter/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "exporter/engine/failure_report.h"

namespace argus {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

bool CycleResult::any_check_failed() const {
  return std::any_of(runs.begin(), runs.end(), [](const CheckRun& r) { return !r.error.empty(); });
}

size_t CycleResult::Count(Severity s) const {
  return std::count_if(alerts.begin(), alerts.end(),
                       [s](const Alert& a) { return a.severity == s; });
}

CycleResult EvaluateChecks(const Config& config, Millis now, const TableErrors& errors,
                           const std::function<void(const Check&, CheckOutput*)>& evaluate) {
  const auto start = std::chrono::steady_clock::now();
  CycleResult result;
  result.now = now;
  for (const std::string* e : {&errors.reviews, &errors.submissions, &errors.costs}) {
    if (!e->empty() && result.database_error.empty()) result.database_error = *e;
  }
  for (const auto& check : config.checks) {
    if (!check->enabled) continue;
    const auto check_start = std::chrono::steady_clock::now();
    CheckRun run;
    run.check = std::string(check->id());
    CheckOutput out;
    out.error = TableError(errors, *check);
    if (out.error.empty()) evaluate(*check, &out);
    if (out.error.empty()) {
      for (auto& a : out.alerts) result.alerts.push_back(std::move(a));
      for (auto& s : out.samples) result.samples.push_back(std::move(s));
    }
    run.error = out.error;
    run.duration_seconds = SecondsSince(check_start);
    result.runs.push_back(std::move(run));
  }
  SortAlerts(result.alerts);
  result.duration_seconds = SecondsSince(start);
  return result;
}

void SortAlerts(std::vector<Alert>& alerts) {
  std::stable_sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.id() < b.id();
  });
}

std::string TableError(const TableErrors& errors, const Check& check) {
  if ((check.tables() & kReviews) && !errors.reviews.empty()) return errors.reviews;
  if ((check.tables() & kSubmissions) && !errors.submissions.empty()) return errors.submissions;
  if ((check.tables() & kCosts) && !errors.costs.empty()) return errors.costs;
  return "";
}

CycleResult RunChecks(const Config& config, PipelineSource& source, Millis now) {
  const auto start = std::chrono::steady_clock::now();
  const Snapshot snap = LoadSnapshot(source, now, config.Lookback());
  CycleResult result = EvaluateChecks(
      config, now, {snap.submissions_error, snap.reviews_error, snap.costs_error},
      [&](const Check& check, CheckOutput* out) { check.Evaluate(snap, out); });
  result.skipped = snap.skipped;
  result.duration_seconds = SecondsSince(start);
  return result;
}

nlohmann::json CheckBody(const CycleResult& result, const Config& config,
                         PipelineSource& source) {
  nlohmann::json alerts = nlohmann::json::array();
  nlohmann::json reports = nlohmann::json::object();
  for (const Alert& a : result.alerts) {
    alerts.push_back(AlertToJson(a));
    const Check* check = config.FindCheck(a.check);
    if (check && check->AttachesFailureReport() && a.agent && !reports.contains(*a.agent)) {
      reports[*a.agent] =
          BuildFailureReport(source, config, *a.agent, kDefaultReportHours, result.now).report;
    }
  }
  nlohmann::json body = {{"checked_at", FormatTimestamp(result.now)},
                         {"alert_count", result.alerts.size()},
                         {"critical", result.Count(Severity::kCritical)},
                         {"warning", result.Count(Severity::kWarning)},
                         {"info", result.Count(Severity::kInfo)},
                         {"alerts", std::move(alerts)},
                         {"failure_reports", std::move(reports)}};
  if (result.any_check_failed()) {
    nlohmann::json errors = nlohmann::json::object(), kept = nlohmann::json::object();
    for (const CheckRun& r : result.runs) {
      if (!r.error.empty()) errors[r.check] = r.error;
      if (r.kept_from) kept[r.check] = FormatTimestamp(*r.kept_from);
    }
    body["errors"] = std::move(errors);
    // The checks whose alerts are those of their last good run, and when
    // that ran.
    if (!kept.empty()) body["kept_from"] = std::move(kept);
  }
  return body;
}

}  // namespace argus
