// libFuzzer target: the timestamp and duration parsers, given any bytes.
// What parses must format and parse back to the same instant.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exporter/base/timestamp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto t = argus::ParseTimestamp(text)) {
    auto again = argus::ParseTimestamp(argus::FormatTimestamp(*t));
    if (!again || *again != *t) __builtin_trap();
  }
  if (auto d = argus::ParseDuration(text)) {
    if (*d < 0) __builtin_trap();  // 0 parses; the callers refuse it where it means nothing
    auto again = argus::ParseDuration(argus::FormatDuration(*d));
    if (!again || *again != *d) __builtin_trap();
  }
  return 0;
}
