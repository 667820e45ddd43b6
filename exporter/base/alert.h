#ifndef ARGUS_ALERT_H_
#define ARGUS_ALERT_H_

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exporter/base/timestamp.h"

namespace argus {

enum class Severity { kInfo, kWarning, kCritical };

std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view name);

// What an alert measured, for a person's chart: the window's value against
// its baseline and the threshold that made it fire, all in one unit.
struct Evidence {
  enum class Unit { kCount, kRatio, kUsd, kHours };
  std::string what;  // "approval ratio"
  Unit unit = Unit::kCount;
  double window = 0;
  std::optional<double> baseline, threshold;
};

// One finding of one check for one scope (an agent, a domain, or the whole
// pipeline). `id` is "<check>:<scope>" and stays the same from cycle to cycle
// while the condition holds.
struct Alert {
  std::string check;
  std::string category;
  Severity severity = Severity::kWarning;
  std::optional<std::string> agent;
  std::optional<std::string> domain;
  std::string scope;  // "rio", "pipeline", "domain=health", "health"
  std::string title;
  std::string message;
  std::optional<double> value;  // the measured quantity
  // The threshold that makes the check fire (its warning level, or the
  // only level), as in the Python service: a critical stuck loop of 5
  // attempts reads value 5, threshold 3.
  double threshold = 0;
  Millis detected_at = 0;
  nlohmann::json details = nlohmann::json::object();
  // Not in the JSON: the Prometheus alert that reproduces this one (its
  // section in the runbooks), and what it measured.
  std::string rule;
  std::optional<Evidence> evidence;

  std::string id() const { return check + ":" + scope; }
};

// The JSON object of SPEC §3, field for field as the Python service sent it.
nlohmann::json AlertToJson(const Alert& alert);

// Numbers in JSON and messages: rounded to 4 decimals, so that 0.7 - 0.5
// reads 0.2 and not 0.19999999999999996.
double Round4(double v);

// Thresholds are inclusive and compared with a small tolerance.
constexpr double kTolerance = 1e-9;
inline bool AtLeast(double value, double threshold) {
  return value >= threshold - kTolerance;
}
inline bool AtMost(double value, double threshold) {
  return value <= threshold + kTolerance;
}

}  // namespace argus

#endif  // ARGUS_ALERT_H_
