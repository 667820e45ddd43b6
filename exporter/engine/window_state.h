#ifndef ARGUS_WINDOW_STATE_H_
#define ARGUS_WINDOW_STATE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "exporter/engine/check.h"
#include "exporter/engine/review_index.h"
#include "exporter/source/snapshot.h"
#include "exporter/source/source.h"

namespace argus {

// Cuts time before `now` into segments at fixed offsets: segment k is
// (now - d[k+1], now - d[k]] with d[0] = 0; -1 is the future (after now) and
// size() is the past beyond the last offset.
class Segments {
 public:
  explicit Segments(std::vector<Millis> offsets);  // sorted, deduplicated
  int size() const { return static_cast<int>(offsets_.size()) - 1; }
  Millis offset(int k) const { return offsets_[k]; }
  int Of(Millis at, Millis now) const;
  // The segments [first, last) that together make (now - to, now - from].
  // `from` and `to` must be 0 or offsets.
  std::pair<int, int> Range(Millis from, Millis to) const;
  // Whether segment k lies within the last `window` (an offset).
  bool Within(int k, Millis window) const { return k >= 0 && k < size() && offsets_[k + 1] <= window; }

 private:
  std::vector<Millis> offsets_;  // offsets_[0] == 0
};

// How far back the hours an agent usually works are learnt from (the
// dormancy check's profile; WindowState keeps that much activity).
constexpr Millis kActivityProfileSpan = 28 * kDay;

// (Rows of one instant may be in any order among themselves: only sums
// are taken of them, so they are ordered by time alone, and stay 24 bytes.)
struct StateCost {
  Millis at;
  int64_t nano_usd;
  uint32_t agent;
  bool operator<(const StateCost& o) const { return at < o.at; }
};

// Review counts of one agent (or domain) in one segment.
struct SegmentCounts {
  int64_t reviews = 0, approved = 0;
};

// Spend of one agent in one segment: exact sums, in units of 1e-9 USD, so
// that every evaluation adds up to the same.
struct SpendCounts {
  int64_t rows = 0, nano_usd = 0;
};

// The aggregates the checks read, kept up to date row by row: rows are
// added as they are read (in any time order), and AdvanceTo(now) moves the
// rows that crossed a segment boundary and forgets those older than the
// longest window. The cost of both is the number of rows added or crossing,
// not the size of the windows. It keeps what the checks declared they need
// (StateNeeds) and nothing else. Not thread-safe; not copyable (its indexes
// and edges point into its own logs).
class WindowState {
 public:
  // Review counts are cut at `needs.review_edges`, spend sums at
  // `needs.spend_edges` (costs have segments of their own, so that the many
  // edges of the review checks do not move every cost row too); one
  // ItemIndex per item window and one DomainIndex per domain window, each
  // window also a review edge.
  explicit WindowState(const StateNeeds& needs);
  WindowState(const WindowState&) = delete;
  WindowState& operator=(const WindowState&) = delete;

  // Rows older than the longest window as of the last AdvanceTo are ignored.
  void AddReview(const ReviewRow& row);
  void AddCost(const CostRow& row);
  void AddActivity(const std::string& agent, Millis at);
  // The same, for an agent already interned in `agents`.
  void AddCost(uint32_t agent, Millis at, double usd);
  void AddActivity(uint32_t agent, Millis at);
  void AdvanceTo(Millis now);

  Millis now() const { return now_; }
  const Segments& segments() const { return segments_; }
  Names agents, domains, reasons;

  // Sums over the segments of (now - to, now - from]; `from` and `to` must be
  // 0 or among the offsets (the spend offsets for AgentSpend).
  SegmentCounts Agent(uint32_t agent, Millis from, Millis to) const;
  SpendCounts AgentSpend(uint32_t agent, Millis from, Millis to) const;
  SegmentCounts Domain(uint32_t domain, Millis from, Millis to) const;
  int64_t PipelineReviews(Millis from, Millis to) const;

  // The indexes of a window declared in StateNeeds (a check asks for its
  // own; any other window is a programming error and throws).
  const ItemIndex& items(Millis window) const;
  const DomainIndex& domain_rejections(Millis window) const;

  // The time of the earliest review kept (within the longest review edge)
  // at or before now, if any.
  std::optional<Millis> EarliestReview() const;
  // The agent's latest activity at or before now, if any was read.
  std::optional<Millis> LastActivity(uint32_t agent) const;
  // The hours of the agent's activity at or before now, those after
  // now - kActivityProfileSpan.
  const ActivityHours& ActiveHours(uint32_t agent) const;

  size_t reviews_kept() const { return reviews_.size(); }
  size_t costs_kept() const { return costs_.size(); }

 private:
  // A kept review as the segment edges walk over it: what the sums need,
  // next to each other, and where the review itself is kept (at an address
  // that stays put, for the indexes).
  // Ordered by time alone, as StateCost (24 bytes).
  struct ReviewEntry {
    Millis at;
    uint32_t agent, domain;
    uint32_t slot;  // of the review in review_slots_
    bool approved;
    bool operator<(const ReviewEntry& o) const { return at < o.at; }
  };
  // Rows in time order in one contiguous run, so that the edges walking
  // over them touch memory in order; rows read since the last AdvanceTo wait
  // in `pending` (their sums already counted) and are merged in at the next
  // one, sorted, in one pass however out of order they came.
  template <typename Entry>
  struct TimeLog {
    std::deque<Entry> rows;
    // A deque too: a cold read's hundreds of thousands of rows grow it
    // without a copy, and become `rows` by a swap.
    std::deque<Entry> pending;
    std::optional<Millis> pending_earliest;
    // edges[k]: the index in `rows` of the first row after now - offset(k),
    // k = 0 .. size() (of the log's own segments).
    std::vector<size_t> edges;
    size_t size() const { return rows.size() + pending.size(); }
  };

  void MoveReview(const ReviewEntry& r, int from, int to);
  void MoveCost(const StateCost& c, int from, int to);
  template <typename Entry, typename Move>
  void Insert(const Segments& segments, TimeLog<Entry>& log, Entry&& e, Move move);
  template <typename Entry, typename Move>
  void Advance(const Segments& segments, TimeLog<Entry>& log, Millis now, Move move);
  void Grow(uint32_t agent, uint32_t domain);

  Segments segments_, spend_segments_;
  std::map<Millis, std::unique_ptr<ItemIndex>> item_indexes_;
  std::map<Millis, std::unique_ptr<DomainIndex>> domain_indexes_;
  std::vector<ReviewIndex*> indexes_;  // all of the above
  Millis now_ = INT64_MIN / 4;

  // The kept reviews, in no order, at addresses that stay put (a deque
  // only ever grown at its end); a review that ages out frees its slot for
  // the next one. Denser than a list: no links, no allocation per review.
  std::deque<StateReview> review_slots_;
  std::vector<uint32_t> free_slots_;
  TimeLog<ReviewEntry> reviews_;
  TimeLog<StateCost> costs_;

  std::vector<std::vector<SegmentCounts>> agent_seg_;   // [agent][segment]
  std::vector<std::vector<SpendCounts>> agent_spend_;   // [agent][spend segment]
  std::vector<std::vector<SegmentCounts>> domain_seg_;  // [domain][segment]
  std::vector<int64_t> pipeline_seg_;                   // [segment]
  size_t domain_capacity_ = 0;
  std::vector<std::optional<Millis>> latest_activity_;     // at or before now
  // After now, soonest first.
  using MinHeap = std::priority_queue<Millis, std::vector<Millis>, std::greater<>>;
  std::vector<MinHeap> future_activity_;
  std::vector<ActivityHours> active_hours_;                // at or before now
};

}  // namespace argus

#endif  // ARGUS_WINDOW_STATE_H_
