#ifndef ARGUS_CHECKS_STUCK_LOOP_H_
#define ARGUS_CHECKS_STUCK_LOOP_H_

#include <string>
#include <vector>

#include "exporter/base/timestamp.h"

namespace argus {

// One review of one agent, as the loop finder reads it. The strings are
// borrowed and must outlive the call.
struct LoopReview {
  Millis at;
  bool approved;
  const std::string* item;
  const std::string* domain;
  const std::string* reason;
};

struct StuckItem {
  std::string item;
  std::string domain;
  int attempts = 0;  // rejected reviews
  std::string last_reason;
  Millis last_rejected_at = 0;
};

struct RejectionStreak {
  int length = 0;  // trailing rejections sharing one reason
  std::string reason;
};

// Items with at least `min_attempts` rejections and no approval among
// `reviews` (one agent's, in time order), worst first.
std::vector<StuckItem> FindStuckItems(const std::vector<LoopReview>& reviews, int min_attempts);

// The run of rejections with one reason that `reviews` end in.
RejectionStreak TrailingStreak(const std::vector<LoopReview>& reviews);

}  // namespace argus

#endif  // ARGUS_CHECKS_STUCK_LOOP_H_
