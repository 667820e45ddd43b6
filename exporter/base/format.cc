#include "exporter/base/format.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace argus {

std::string Num(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s(buf);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string Percent(double ratio) { return Num(std::round(ratio * 100), 0) + "%"; }

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (extra < 0 || c == 0xc0 || c == 0xc1 || c > 0xf4) return false;
    if (i + extra >= s.size()) return false;  // truncated sequence
    uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string ValidUtf8(std::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size();) {
    // Take the longest valid sequence starting here (1 to 4 bytes).
    size_t len = 0;
    for (size_t n = 1; n <= 4 && i + n <= s.size(); ++n) {
      if (IsValidUtf8(s.substr(i, n))) {
        len = n;
        break;
      }
    }
    if (len == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out += s.substr(i, len);
      i += len;
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

namespace {

// The longest prefix of `text` of at most `max` bytes that does not end
// inside a UTF-8 sequence.
std::string_view CutAtCharacter(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

bool HasControl(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

bool IsKeptAsIs(std::string_view raw) {
  return raw.size() <= kMaxKeptNameBytes && !HasControl(raw) && IsValidUtf8(raw) &&
         !IsHashedName(raw);
}

std::string SafeName(std::string_view raw) {
  if (IsKeptAsIs(raw)) return std::string(raw);
  std::string readable = ValidUtf8(raw.substr(0, 64));
  for (char& c : readable) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  readable = std::string(CutAtCharacter(readable, 64));
  char hash[24];
  std::snprintf(hash, sizeof hash, "~%016llx", static_cast<unsigned long long>(Fnv1a(raw)));
  return readable + hash;
}

bool IsHashedName(std::string_view name) {
  if (name.size() < 17 || name[name.size() - 17] != '~') return false;
  for (char c : name.substr(name.size() - 16)) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

std::string BoundedNote(std::string_view raw) { return BoundedNote(raw, raw.size()); }

std::string BoundedNote(std::string_view start, size_t whole_bytes) {
  // Made valid first: each invalid byte becomes three (U+FFFD), and the cut
  // is of what is kept.
  whole_bytes = std::max(whole_bytes, start.size());
  std::string valid = ValidUtf8(start.substr(0, kMaxNoteBytes));
  if (whole_bytes <= kMaxNoteBytes && valid.size() <= kMaxNoteBytes) return valid;
  std::string note(CutAtCharacter(valid, kMaxNoteBytes));
  return note + " [truncated: " + std::to_string(whole_bytes) + " bytes]";
}

}  // namespace argus
