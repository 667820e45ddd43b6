#include "exporter/base/log.h"

#include <chrono>

#include "exporter/base/timestamp.h"

namespace argus {

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string LogfmtValue(std::string_view value) {
  bool quote = value.empty();
  for (char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) quote = true;
  }
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          static const char* kHex = "0123456789abcdef";
          out += "\\x";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void Logger::Log(LogLevel level, std::string_view msg, const Fields& fields) {
  if (level < level_) return;
  if (parent_) {
    Fields all = context_;
    all.insert(all.end(), fields.begin(), fields.end());
    parent_->Log(level, msg, all);
    return;
  }
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  const Millis now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  std::string line = "ts=" + FormatTimestamp(now) + " level=" + kNames[static_cast<int>(level)] +
                     " msg=" + LogfmtValue(msg);
  for (const auto& [key, value] : fields) line += " " + key + "=" + LogfmtValue(value);
  line += "\n";
  std::lock_guard lock(mu_);
  out_ << line << std::flush;
}

}  // namespace argus
