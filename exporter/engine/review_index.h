#ifndef ARGUS_ENGINE_REVIEW_INDEX_H_
#define ARGUS_ENGINE_REVIEW_INDEX_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "exporter/base/compact_string.h"
#include "exporter/base/timestamp.h"

namespace argus {

// One review as the window state keeps it.
struct StateReview {
  Millis at;
  int64_t id;
  uint32_t agent, domain, reason;
  bool approved;
  CompactString item;
  bool operator<(const StateReview& o) const { return at != o.at ? at < o.at : id < o.id; }
};

// Reviews (kept by the window state, which outlives every index) in time
// order.
struct ByTime {
  bool operator()(const StateReview* a, const StateReview* b) const { return *a < *b; }
};
using ReviewSet = std::set<const StateReview*, ByTime>;

// Facts about the reviews of one recent window that sums per segment cannot
// give. The window state calls Enter when a review comes within `window`
// and Leave when it ages out of it; an index keeps pointers to the reviews,
// which stay where they are until they have left.
class ReviewIndex {
 public:
  explicit ReviewIndex(Millis window) : window_(window) {}
  virtual ~ReviewIndex() = default;
  ReviewIndex(const ReviewIndex&) = delete;
  ReviewIndex& operator=(const ReviewIndex&) = delete;

  Millis window() const { return window_; }
  virtual void Enter(const StateReview& r) = 0;
  virtual void Leave(const StateReview& r) = 0;

 private:
  Millis window_;
};

// Per agent, within the window: its reviews in time order (the tail a
// rejection streak is read from), the items it had rejected and never
// approved, ranked by rejections, and each item's rejected reviews. What
// the stuck-loop check reads.
class ItemIndex : public ReviewIndex {
 public:
  using ReviewIndex::ReviewIndex;

  struct Item {
    int64_t approvals = 0;
    ReviewSet rejections;
  };
  struct AgentItems {
    std::map<std::string, Item> items;
    std::set<std::pair<int64_t, std::string>> unapproved;  // (rejections, item)
  };

  void Enter(const StateReview& r) override { Move(r, true); }
  void Leave(const StateReview& r) override { Move(r, false); }

  // Each agent with reviews in the window, and those reviews in time order.
  const std::map<uint32_t, ReviewSet>& reviews() const { return reviews_; }
  // The agent's items in the window, or null when it has none.
  const AgentItems* Items(uint32_t agent) const {
    auto it = items_.find(agent);
    return it == items_.end() ? nullptr : &it->second;
  }

 private:
  void Move(const StateReview& r, bool enters);

  std::map<uint32_t, ReviewSet> reviews_;
  std::map<uint32_t, AgentItems> items_;
};

// Per domain, within the window: rejections by agent and by reason (what
// the domain-pattern check reads to count rejecting agents and find the top
// reason).
class DomainIndex : public ReviewIndex {
 public:
  using ReviewIndex::ReviewIndex;
  using Counts = std::map<std::pair<uint32_t, uint32_t>, int64_t>;

  void Enter(const StateReview& r) override { Move(r, 1); }
  void Leave(const StateReview& r) override { Move(r, -1); }

  // (domain, agent) -> rejections, and (domain, reason) -> rejections.
  const Counts& agent_rejections() const { return agent_rejections_; }
  const Counts& reason_rejections() const { return reason_rejections_; }

 private:
  void Move(const StateReview& r, int64_t sign);

  Counts agent_rejections_, reason_rejections_;
};

}  // namespace argus

#endif  // ARGUS_ENGINE_REVIEW_INDEX_H_
