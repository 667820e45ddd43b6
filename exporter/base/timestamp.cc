#include "exporter/base/timestamp.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace argus {
namespace {

// A cursor over the text being parsed; every reader advances it only on
// success.
struct Cursor {
  std::string_view text;
  size_t pos = 0;

  bool AtEnd() const { return pos >= text.size(); }
  char Peek() const { return AtEnd() ? '\0' : text[pos]; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos;
    return true;
  }
  // Exactly `width` decimal digits.
  bool Digits(int width, int* out) {
    if (pos + width > text.size()) return false;
    int value = 0;
    for (int i = 0; i < width; ++i) {
      char c = text[pos + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    pos += width;
    *out = value;
    return true;
  }
};

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil). This runs once per row read, so it avoids <chrono>'s
// slower calendar types.
Millis DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<Millis>(era) * 146097 + doe - 719468;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<Millis> ParseUnixSecondsText(std::string_view s) {
  // Digits with an optional fraction, optionally negative; nothing else.
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '-') ? 1 : 0;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot) {
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  // Whole seconds and up to milliseconds, the usual case, in integers: the
  // same instant the conversion through a double below gives (its error
  // stays far below half a millisecond up to year 9999).
  const size_t point = s.find('.');
  const size_t whole = point == std::string_view::npos ? s.size() : point;
  const size_t fraction = point == std::string_view::npos ? 0 : s.size() - point - 1;
  if (s[0] != '-' && whole >= 1 && whole <= 12 && fraction <= 3) {
    Millis millis = 0;
    for (size_t k = 0; k < whole; ++k) millis = millis * 10 + (s[k] - '0');
    millis *= 1000;
    Millis scale = 100;
    for (size_t k = 0; k < fraction; ++k, scale /= 10) millis += (s[whole + 1 + k] - '0') * scale;
    if (millis > 253402300799000) return std::nullopt;
    return millis;
  }
  double seconds = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return TimestampFromUnixSeconds(seconds);
}

// Two digits at s[at], or -1.
int TwoDigits(std::string_view s, size_t at) {
  const unsigned a = static_cast<unsigned char>(s[at]) - '0';
  const unsigned b = static_cast<unsigned char>(s[at + 1]) - '0';
  return a < 10 && b < 10 ? int(a * 10 + b) : -1;
}

std::optional<Millis> ParseIso(std::string_view s) {
  // "YYYY-MM-DD?HH:MM:SS" at fixed places (this runs once per row read).
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
      (s[10] != 'T' && s[10] != ' ' && s[10] != 't')) {
    return std::nullopt;
  }
  const int century = TwoDigits(s, 0), year2 = TwoDigits(s, 2), month = TwoDigits(s, 5),
            day = TwoDigits(s, 8), hour = TwoDigits(s, 11), minute = TwoDigits(s, 14),
            second = TwoDigits(s, 17);
  if (century < 0 || year2 < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
    return std::nullopt;
  }
  const int year = century * 100 + year2;
  Cursor c{s, 19};
  Millis millis = 0;
  if (c.Consume('.')) {
    int scale = 100, count = 0;
    while (!c.AtEnd() && c.Peek() >= '0' && c.Peek() <= '9') {
      millis += (c.Peek() - '0') * scale;
      scale /= 10;
      ++c.pos;
      ++count;
    }
    if (count == 0) return std::nullopt;
  }
  Millis offset = 0;
  if (c.Consume('Z') || c.Consume('z')) {
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    int sign = c.Peek() == '-' ? -1 : 1;
    ++c.pos;
    int oh, om = 0;
    if (!c.Digits(2, &oh)) return std::nullopt;
    c.Consume(':');
    if (!c.AtEnd() && !c.Digits(2, &om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset = sign * (oh * kHour + om * kMinute);
  }
  if (!c.AtEnd()) return std::nullopt;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  const Millis days = DaysFromCivil(year, month, day);
  return days * kDay + hour * kHour + minute * kMinute + second * kSecond +
         millis - offset;
}

}  // namespace

std::optional<Millis> TimestampFromUnixSeconds(double seconds) {
  // Beyond year 9999 or before 1970 is not a pipeline timestamp.
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 253402300799.0) {
    return std::nullopt;
  }
  return static_cast<Millis>(std::floor(seconds * 1000.0 + 0.5));
}

std::optional<Millis> ParseTimestamp(std::string_view text) {
  std::string_view s = Trim(text);
  if (s.size() > 64) return std::nullopt;
  if (auto unix_seconds = ParseUnixSecondsText(s)) return unix_seconds;
  return ParseIso(s);
}

std::string FormatTimestamp(Millis instant) {
  using namespace std::chrono;
  Millis days = instant >= 0 ? instant / kDay : (instant - kDay + 1) / kDay;
  Millis rest = instant - days * kDay;
  year_month_day ymd{sys_days(std::chrono::days(days))};
  char buf[64];
  int len = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d",
                          static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()),
                          static_cast<int>(rest / kHour),
                          static_cast<int>(rest % kHour / kMinute),
                          static_cast<int>(rest % kMinute / kSecond));
  std::string out(buf, len);
  if (rest % kSecond != 0) {
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(rest % kSecond));
    out += buf;
  }
  return out + "Z";
}

std::optional<Millis> ParseDuration(std::string_view text) {
  std::string_view s = Trim(text);
  if (s.empty() || s.size() > 32) return std::nullopt;
  Millis total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    Millis number = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      number = number * 10 + (s[i] - '0');
      if (number > 1000000000) return std::nullopt;
      ++i;
    }
    if (i == start || i == s.size()) return std::nullopt;
    Millis unit;
    if (s.substr(i, 2) == "ms") {
      unit = 1;
      i += 2;
    } else {
      switch (s[i]) {
        case 's': unit = kSecond; break;
        case 'm': unit = kMinute; break;
        case 'h': unit = kHour; break;
        case 'd': unit = kDay; break;
        case 'w': unit = 7 * kDay; break;
        default: return std::nullopt;
      }
      ++i;
    }
    total += number * unit;
    // Nothing Argus times comes near a century; beyond it, a typo.
    if (total > kMaxDuration) return std::nullopt;
  }
  return total;
}

std::string FormatDuration(Millis duration) {
  if (duration == 0) return "0s";
  std::string out;
  const std::pair<Millis, const char*> units[] = {
      {kDay, "d"}, {kHour, "h"}, {kMinute, "m"}, {kSecond, "s"}, {1, "ms"}};
  // Whole days read as days from 2d up ("7d"); a day reads "24h".
  const bool days = duration % kDay == 0 && duration >= 2 * kDay;
  for (auto [size, name] : units) {
    if (size == kDay && !days) continue;
    if (duration >= size) {
      out += std::to_string(duration / size) + name;
      duration %= size;
    }
  }
  return out;
}

}  // namespace argus
