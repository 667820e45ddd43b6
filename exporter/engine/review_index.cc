#include "exporter/engine/review_index.h"

#include <optional>

namespace argus {

void ItemIndex::Move(const StateReview& r, bool enters) {
  if (enters) {
    reviews_[r.agent].insert(&r);
  } else if (auto it = reviews_.find(r.agent); it != reviews_.end()) {
    it->second.erase(&r);
    if (it->second.empty()) reviews_.erase(it);
  }

  AgentItems& agent = items_[r.agent];
  const std::string key = r.item.str();
  Item& item = agent.items[key];
  auto unapproved = [&]() -> std::optional<std::pair<int64_t, std::string>> {
    if (item.approvals != 0 || item.rejections.empty()) return std::nullopt;
    return std::pair{int64_t(item.rejections.size()), key};
  };
  if (auto before = unapproved()) agent.unapproved.erase(*before);
  if (r.approved) {
    item.approvals += enters ? 1 : -1;
  } else if (enters) {
    item.rejections.insert(&r);
  } else {
    item.rejections.erase(&r);
  }
  if (auto after = unapproved()) agent.unapproved.insert(*after);
  if (item.approvals == 0 && item.rejections.empty()) agent.items.erase(key);
  if (agent.items.empty()) items_.erase(r.agent);
}

void DomainIndex::Move(const StateReview& r, int64_t sign) {
  if (r.approved) return;
  for (auto [map, key] : {std::pair{&agent_rejections_, std::pair{r.domain, r.agent}},
                          std::pair{&reason_rejections_, std::pair{r.domain, r.reason}}}) {
    if (((*map)[key] += sign) == 0) map->erase(key);
  }
}

}  // namespace argus
