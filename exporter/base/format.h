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

// Percent-encodes everything but letters, digits and -_.~ (RFC 3986): a URL
// path segment or query value, or the path of a SQLite URI.
std::string PercentEncode(std::string_view text);

}  // namespace argus

#endif  // ARGUS_FORMAT_H_
