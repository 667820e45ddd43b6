#ifndef ARGUS_DEMO_H_
#define ARGUS_DEMO_H_

#include <cstdint>
#include <string>

#include "exporter/base/status.h"
#include "exporter/base/timestamp.h"

namespace argus {

struct DemoOptions {
  std::string path;
  Millis now = 0;
  int agents = 8;       // at least 6
  int days = 8;         // of history up to `now`
  double rate = 2;      // submissions per agent per hour
  bool plants = true;   // plant one case of each detection
  bool force = false;   // replace an existing file
  uint64_t seed = 42;
  // "steady": work at every hour; "working-week": agents work weekdays
  // 08:00-20:00 UTC, twice as fast in a 10:00-12:00 rush, and rest at
  // night and at the weekend (needs 29 days or more, so that the checks
  // have weeks to learn the rhythm from).
  std::string profile = "steady";
};

// The days of history a working-week demo needs at least.
constexpr int kWorkingWeekMinDays = 29;

// Writes a realistic pipeline database with the reference schema: a steady,
// healthy pipeline on which no check fires, plus (with `plants`) exactly one
// planted case of each of the seven detections as of `now`.
Status WriteDemo(const DemoOptions& options);

}  // namespace argus

#endif  // ARGUS_DEMO_H_
