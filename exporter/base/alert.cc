#include "exporter/base/alert.h"

#include <cmath>

namespace argus {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kCritical: return "critical";
  }
  return "unknown";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  if (name == "info") return Severity::kInfo;
  if (name == "warning") return Severity::kWarning;
  if (name == "critical") return Severity::kCritical;
  return std::nullopt;
}

double Round4(double v) { return std::round(v * 10000.0) / 10000.0; }

nlohmann::json AlertToJson(const Alert& a) {
  nlohmann::json j;
  j["id"] = a.id();
  j["check"] = a.check;
  j["category"] = a.category;
  j["severity"] = SeverityName(a.severity);
  j["agent"] = a.agent ? nlohmann::json(*a.agent) : nlohmann::json(nullptr);
  j["domain"] = a.domain ? nlohmann::json(*a.domain) : nlohmann::json(nullptr);
  j["title"] = a.title;
  j["message"] = a.message;
  j["value"] = a.value ? nlohmann::json(Round4(*a.value)) : nlohmann::json(nullptr);
  j["threshold"] = Round4(a.threshold);
  j["detected_at"] = FormatTimestamp(a.detected_at);
  j["details"] = a.details;
  return j;
}

}  // namespace argus
