#ifndef ARGUS_TIMESTAMP_H_
#define ARGUS_TIMESTAMP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace argus {

// Instants and durations are whole milliseconds: instants since the Unix
// epoch (UTC), durations as lengths.
using Millis = int64_t;

constexpr Millis kSecond = 1000;
constexpr Millis kMinute = 60 * kSecond;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kDay = 24 * kHour;

// Reads a pipeline timestamp: ISO-8601 text ("2026-11-27T14:03:11Z",
// "2026-11-27 14:03:11", optional fractional seconds, optional "Z" or a
// "+HH:MM"/"-HH:MM" offset; no offset means UTC) or Unix seconds written as a
// decimal number. Returns nothing when the text is not a timestamp.
std::optional<Millis> ParseTimestamp(std::string_view text);

// Unix seconds as stored in a numeric column.
std::optional<Millis> TimestampFromUnixSeconds(double seconds);

// "2026-11-28T10:00:00Z" (milliseconds are shown only when not zero).
std::string FormatTimestamp(Millis instant);

// Durations in configuration and flags: a number followed by a unit, "90s",
// "15m", "6h", "7d", "1w", or combinations such as "1h30m", up to
// kMaxDuration. Never negative; "0s" reads as 0, which callers refuse where a
// duration must be positive.
constexpr Millis kMaxDuration = 36500 * kDay;  // 100 years
std::optional<Millis> ParseDuration(std::string_view text);

// The shortest spelling ParseDuration reads back: 6h, 7d, 90s, 1h30m.
std::string FormatDuration(Millis duration);

}  // namespace argus

#endif  // ARGUS_TIMESTAMP_H_
