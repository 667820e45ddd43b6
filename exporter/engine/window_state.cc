#include "exporter/engine/window_state.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace argus {

namespace {

constexpr int kNew = -2;  // "from" segment of a row just read

}  // namespace

Segments::Segments(std::vector<Millis> offsets) {
  offsets.push_back(0);
  std::sort(offsets.begin(), offsets.end());
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
  offsets_ = std::move(offsets);
}

int Segments::Of(Millis at, Millis now) const {
  if (at > now) return -1;
  // Segment k holds ages in [d_k, d_{k+1}); past the last offset, size().
  const Millis age = now - at;
  return static_cast<int>(std::upper_bound(offsets_.begin(), offsets_.end(), age) -
                          offsets_.begin()) - 1;
}

std::pair<int, int> Segments::Range(Millis from, Millis to) const {
  auto index = [&](Millis d) {
    return static_cast<int>(std::lower_bound(offsets_.begin(), offsets_.end(), d) - offsets_.begin());
  };
  return {index(from), index(to)};
}

WindowState::WindowState(const StateNeeds& needs)
    : segments_(needs.AllReviewEdges()), spend_segments_(needs.spend_edges) {
  for (Millis w : needs.item_windows) {
    auto& index = item_indexes_[w];
    if (!index) indexes_.push_back((index = std::make_unique<ItemIndex>(w)).get());
  }
  for (Millis w : needs.domain_windows) {
    auto& index = domain_indexes_[w];
    if (!index) indexes_.push_back((index = std::make_unique<DomainIndex>(w)).get());
  }
  reviews_.edges.assign(segments_.size() + 1, 0);
  costs_.edges.assign(spend_segments_.size() + 1, 0);
  pipeline_seg_.assign(segments_.size(), 0);
}

const ItemIndex& WindowState::items(Millis window) const { return *item_indexes_.at(window); }

const DomainIndex& WindowState::domain_rejections(Millis window) const {
  return *domain_indexes_.at(window);
}

void WindowState::Grow(uint32_t agent, uint32_t domain) {
  if (agent < latest_activity_.size() && domain < domain_capacity_) return;
  domain_capacity_ = std::max<size_t>(domain_capacity_, domain + 1);
  // [agent][segment]: a window's sum reads one agent's segments in a row.
  while (agent_seg_.size() <= agent) agent_seg_.emplace_back(segments_.size());
  while (agent_spend_.size() <= agent) agent_spend_.emplace_back(spend_segments_.size());
  while (domain_seg_.size() <= domain) domain_seg_.emplace_back(segments_.size());
  if (latest_activity_.size() <= agent) {
    latest_activity_.resize(agent + 1);
    future_activity_.resize(agent + 1);
    active_hours_.resize(agent + 1);
  }
}

template <typename Entry, typename Move>
void WindowState::Insert(const Segments& segments, TimeLog<Entry>& log, Entry&& e, Move move) {
  const int segment = segments.Of(e.at, now_);
  if (segment >= segments.size()) return;  // older than the longest window
  if (!log.pending_earliest || e.at < *log.pending_earliest) log.pending_earliest = e.at;
  log.pending.push_back(std::move(e));
  move(log.pending.back(), kNew, segment);
}

template <typename Entry, typename Move>
void WindowState::Advance(const Segments& segments, TimeLog<Entry>& log, Millis now, Move move) {
  auto& rows = log.rows;
  if (!log.pending.empty()) {
    if (!std::is_sorted(log.pending.begin(), log.pending.end())) {
      std::stable_sort(log.pending.begin(), log.pending.end());
    }
    if (rows.empty()) {
      rows.swap(log.pending);  // a cold read: no copy
    } else {
      const auto old_rows = static_cast<std::ptrdiff_t>(rows.size());
      rows.insert(rows.end(), log.pending.begin(), log.pending.end());
      // Rows that came out of order: one merge, of the tail from the first
      // row they go before.
      auto first = std::upper_bound(rows.begin(), rows.begin() + old_rows, log.pending.front());
      std::inplace_merge(first, rows.begin() + old_rows, rows.end());
    }
    // A cold read's buffer is large: let it go rather than keep it for
    // the few rows of the cycles to come.
    const bool large = log.pending.size() > 4096;
    log.pending.clear();
    if (large) log.pending.shrink_to_fit();
    log.pending_earliest.reset();
    // Where each edge now falls, as of the previous now.
    for (int k = 0; k <= segments.size(); ++k) {
      const Millis edge = now_ - segments.offset(k);
      log.edges[k] = std::upper_bound(rows.begin(), rows.end(), edge,
                                      [](Millis t, const Entry& e) { return t < e.at; }) -
                     rows.begin();
    }
  }
  for (int k = 0; k <= segments.size(); ++k) {
    const Millis edge = now - segments.offset(k);
    size_t& i = log.edges[k];
    for (; i < rows.size() && rows[i].at <= edge; ++i) move(rows[i], k - 1, k);
  }
  const size_t gone = log.edges[segments.size()];
  if constexpr (std::is_same_v<Entry, ReviewEntry>) {
    for (size_t i = 0; i < gone; ++i) {
      review_slots_[rows[i].slot].item.clear();  // its heap, if any, goes now
      free_slots_.push_back(rows[i].slot);
    }
  }
  rows.erase(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(gone));
  for (size_t& i : log.edges) i -= gone;
}

void WindowState::AddReview(const ReviewRow& row) {
  if (segments_.Of(row.reviewed_at, now_) >= segments_.size()) return;  // too old to matter
  StateReview r;
  r.at = row.reviewed_at;
  r.id = row.id;
  r.agent = agents.Intern(row.agent);
  r.domain = domains.Intern(row.domain);
  r.reason = row.approved || row.reason.empty() ? kNoReason : reasons.Intern(row.reason);
  r.approved = row.approved;
  r.item = std::string_view(row.item);
  Grow(r.agent, r.domain);
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(review_slots_.size());
    review_slots_.push_back(std::move(r));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    review_slots_[slot] = std::move(r);
  }
  const StateReview& kept = review_slots_[slot];
  Insert(segments_, reviews_, ReviewEntry{kept.at, kept.agent, kept.domain, slot, kept.approved},
         [this](const ReviewEntry& e, int from, int to) { MoveReview(e, from, to); });
}

void WindowState::AddCost(const CostRow& row) {
  if (spend_segments_.Of(row.incurred_at, now_) >= spend_segments_.size()) return;
  AddCost(agents.Intern(row.agent), row.incurred_at, row.usd);
}

void WindowState::AddCost(uint32_t agent, Millis at, double usd) {
  if (spend_segments_.Of(at, now_) >= spend_segments_.size()) return;  // too old to matter
  StateCost c;
  c.at = at;
  c.agent = agent;
  c.nano_usd = std::llround(usd * 1e9);
  Grow(c.agent, 0);
  Insert(spend_segments_, costs_, std::move(c),
         [this](const StateCost& e, int from, int to) { MoveCost(e, from, to); });
}

void WindowState::AddActivity(const std::string& agent_name, Millis at) {
  AddActivity(agents.Intern(agent_name), at);
}

void WindowState::AddActivity(uint32_t agent, Millis at) {
  Grow(agent, 0);
  if (at > now_) {
    future_activity_[agent].push(at);
    return;
  }
  if (!latest_activity_[agent] || *latest_activity_[agent] < at) latest_activity_[agent] = at;
  if (at > now_ - kActivityProfileSpan) active_hours_[agent].Add(FloorHour(at));
}

void WindowState::AdvanceTo(Millis now) {
  Advance(segments_, reviews_, now,
          [this](const ReviewEntry& e, int from, int to) { MoveReview(e, from, to); });
  Advance(spend_segments_, costs_, now,
          [this](const StateCost& e, int from, int to) { MoveCost(e, from, to); });
  for (size_t a = 0; a < future_activity_.size(); ++a) {
    auto& future = future_activity_[a];
    while (!future.empty() && future.top() <= now) {
      const Millis at = future.top();
      if (!latest_activity_[a] || *latest_activity_[a] < at) latest_activity_[a] = at;
      active_hours_[a].Add(FloorHour(at));
      future.pop();
    }
    // Hours that start before the profile span are forgotten.
    active_hours_[a].ForgetUpTo(now - kActivityProfileSpan);
  }
  now_ = now;
}

void WindowState::MoveReview(const ReviewEntry& r, int from, int to) {
  const int size = segments_.size();
  for (auto [segment, sign] : {std::pair{from, -1}, std::pair{to, 1}}) {
    if (segment < 0 || segment >= size) continue;
    SegmentCounts& a = agent_seg_[r.agent][segment];
    SegmentCounts& d = domain_seg_[r.domain][segment];
    a.reviews += sign;
    d.reviews += sign;
    a.approved += r.approved ? sign : 0;
    d.approved += r.approved ? sign : 0;
    pipeline_seg_[segment] += sign;
  }
  for (ReviewIndex* index : indexes_) {
    const bool was = segments_.Within(from, index->window());
    const bool is = segments_.Within(to, index->window());
    if (was && !is) index->Leave(review_slots_[r.slot]);
    if (is && !was) index->Enter(review_slots_[r.slot]);
  }
}

void WindowState::MoveCost(const StateCost& c, int from, int to) {
  const int size = spend_segments_.size();
  for (auto [segment, sign] : {std::pair{from, -1}, std::pair{to, 1}}) {
    if (segment < 0 || segment >= size) continue;
    SpendCounts& a = agent_spend_[c.agent][segment];
    a.rows += sign;
    a.nano_usd += sign * c.nano_usd;
  }
}

SegmentCounts WindowState::Agent(uint32_t agent, Millis from, Millis to) const {
  SegmentCounts sum;
  auto [first, last] = segments_.Range(from, to);
  if (agent >= agent_seg_.size()) return sum;
  for (int k = first; k < last; ++k) {
    const SegmentCounts& c = agent_seg_[agent][k];
    sum.reviews += c.reviews;
    sum.approved += c.approved;
  }
  return sum;
}

SpendCounts WindowState::AgentSpend(uint32_t agent, Millis from, Millis to) const {
  SpendCounts sum;
  auto [first, last] = spend_segments_.Range(from, to);
  if (agent >= agent_spend_.size()) return sum;
  for (int k = first; k < last; ++k) {
    sum.rows += agent_spend_[agent][k].rows;
    sum.nano_usd += agent_spend_[agent][k].nano_usd;
  }
  return sum;
}

SegmentCounts WindowState::Domain(uint32_t domain, Millis from, Millis to) const {
  SegmentCounts sum;
  auto [first, last] = segments_.Range(from, to);
  if (domain >= domain_seg_.size()) return sum;
  for (int k = first; k < last; ++k) {
    sum.reviews += domain_seg_[domain][k].reviews;
    sum.approved += domain_seg_[domain][k].approved;
  }
  return sum;
}

int64_t WindowState::PipelineReviews(Millis from, Millis to) const {
  int64_t sum = 0;
  auto [first, last] = segments_.Range(from, to);
  for (int k = first; k < last; ++k) sum += pipeline_seg_[k];
  return sum;
}

std::optional<Millis> WindowState::EarliestReview() const {
  std::optional<Millis> earliest = reviews_.pending_earliest;
  if (!reviews_.rows.empty() && (!earliest || reviews_.rows.front().at < *earliest)) {
    earliest = reviews_.rows.front().at;
  }
  if (!earliest || *earliest > now_) return std::nullopt;
  return earliest;
}

const ActivityHours& WindowState::ActiveHours(uint32_t agent) const {
  static const ActivityHours kNone;
  return agent < active_hours_.size() ? active_hours_[agent] : kNone;
}

std::optional<Millis> WindowState::LastActivity(uint32_t agent) const {
  return agent < latest_activity_.size() ? latest_activity_[agent] : std::nullopt;
}

}  // namespace argus
