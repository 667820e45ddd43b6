#ifndef ARGUS_LOG_H_
#define ARGUS_LOG_H_

#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace argus {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

std::optional<LogLevel> ParseLogLevel(std::string_view name);

// Writes one logfmt line per event: ts=... level=... msg=... key=value.
// Values with spaces, quotes or '=' are quoted and escaped, so a hostile
// agent name cannot forge a field or a line. Safe to use from any thread.
class Logger {
 public:
  Logger(std::ostream& out, LogLevel level) : out_(out), level_(level) {}
  using Fields = std::vector<std::pair<std::string, std::string>>;
  // Writes through `parent`, every line with `context` first (e.g. the
  // pipeline it is about).
  Logger(Logger& parent, Fields context)
      : out_(parent.out_), level_(parent.level_), parent_(&parent), context_(std::move(context)) {}

  void Log(LogLevel level, std::string_view msg, const Fields& fields = {});
  void Debug(std::string_view msg, const Fields& f = {}) { Log(LogLevel::kDebug, msg, f); }
  void Info(std::string_view msg, const Fields& f = {}) { Log(LogLevel::kInfo, msg, f); }
  void Warn(std::string_view msg, const Fields& f = {}) { Log(LogLevel::kWarn, msg, f); }
  void Error(std::string_view msg, const Fields& f = {}) { Log(LogLevel::kError, msg, f); }

 private:
  std::mutex mu_;
  std::ostream& out_;
  LogLevel level_;
  Logger* parent_ = nullptr;
  Fields context_;
};

// A logfmt value: bare when safe, otherwise quoted with \", \\, \n escaped.
std::string LogfmtValue(std::string_view value);

}  // namespace argus

#endif  // ARGUS_LOG_H_
