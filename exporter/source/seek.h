#ifndef ARGUS_SOURCE_SEEK_H_
#define ARGUS_SOURCE_SEEK_H_

#include <cstdint>
#include <optional>

#include "exporter/base/timestamp.h"

namespace argus {

// How far a row's timestamp may lag behind the rows before it in id order
// and still be found by the seek (see SeekFirstId).
constexpr Millis kSeekSlack = 6 * kHour;

// The first id worth reading of a table whose ids grow with time (an
// append-only log), for a read of the rows after `from`: a binary search
// over the primary key finds where (from - kSeekSlack) begins in about 20
// index probes instead of a scan of the whole history. Rows may be out of
// order by up to kSeekSlack. `probe(id, &found, &at)` gives the row at or
// after `id` (its id and time) and returns false past the end; `max_id` is
// the table's largest id (or a bound above it). Returns 0 (read
// everything) when a probe meets a timestamp it cannot read.
template <typename Probe>
int64_t SeekFirstId(int64_t max_id, Millis from, Probe probe) {
  const Millis target = from - kSeekSlack;
  int64_t lo = 0, hi = max_id + 1;  // the answer lies in (lo, hi]
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    int64_t found;
    std::optional<Millis> at;
    if (!probe(mid, &found, &at)) {
      hi = mid;
      continue;
    }
    if (!at) return 0;
    if (*at > target) {
      hi = mid;
    } else {
      lo = found;
    }
  }
  return lo;
}

}  // namespace argus

#endif  // ARGUS_SOURCE_SEEK_H_
