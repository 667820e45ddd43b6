#ifndef ARGUS_FORMAT_H_
#define ARGUS_FORMAT_H_

#include <string>
#include <string_view>

namespace argus {

// A number for a human: at most `decimals` decimals, trailing zeros dropped
// ("0.2", "12", "3.75").
std::string Num(double value, int decimals = 2);

// A share as a percentage: "62%".
std::string Percent(double ratio);

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or values
// past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every byte sequence that is not UTF-8 replaced by U+FFFD, so
// that a label, a JSON string or a log value built from it is valid.
std::string ValidUtf8(std::string_view text);

// The longest names Argus keeps as they are, and the longest note.
constexpr size_t kMaxKeptNameBytes = 200;
constexpr size_t kMaxNoteBytes = 4096;

// The form in which a name read from the pipeline (agent, domain, item,
// model, rejection reason) is kept, shown, linked and published. A name of
// valid UTF-8 without control characters, at most kMaxKeptNameBytes long,
// is itself (IsKeptAsIs). Any other is its readable start (at most 64
// bytes, invalid bytes as U+FFFD, control characters as '?') followed by "~" and 16 hex digits
// of a hash of all its bytes: "x\xff" and "x\xfe" stay two agents, and every
// name is a valid label value and URL segment of bounded length.
std::string SafeName(std::string_view raw);
bool IsKeptAsIs(std::string_view raw);
// Whether `name` has the hashed form SafeName gives a name it changes.
bool IsHashedName(std::string_view name);

// A note as kept: valid UTF-8 of at most kMaxNoteBytes, followed by
// " [truncated: N bytes]" when the original was longer.
std::string BoundedNote(std::string_view raw);
// The same for a note of `whole_bytes` of which only the `start` was read.
std::string BoundedNote(std::string_view start, size_t whole_bytes);

// Percent-encodes everything but letters, digits and -_.~ (RFC 3986): a URL
// path segment or query value, or the path of a SQLite URI.
std::string PercentEncode(std::string_view text);

}  // namespace argus

#endif  // ARGUS_FORMAT_H_
