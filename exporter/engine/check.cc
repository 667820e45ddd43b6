#include "exporter/engine/check.h"

#include <algorithm>
#include <set>

namespace argus {

Alert NewAlert(const Check& check, Millis now, std::string scope) {
  Alert a;
  a.check = std::string(check.id());
  a.category = std::string(check.category());
  a.scope = std::move(scope);
  a.detected_at = now;
  return a;
}

std::optional<double> Check::Value(std::string_view key) const {
  // Params() only hands out pointers to members; nothing is written here.
  for (const Param& p : const_cast<Check*>(this)->Params()) {
    if (p.key != key) continue;
    if (auto* d = std::get_if<double*>(&p.target)) return **d;
    if (auto* m = std::get_if<Millis*>(&p.target)) return static_cast<double>(**m);
  }
  return std::nullopt;
}

void StateNeeds::Merge(const StateNeeds& other) {
  for (auto [to, from] : {std::pair{&review_edges, &other.review_edges},
                          std::pair{&spend_edges, &other.spend_edges},
                          std::pair{&item_windows, &other.item_windows},
                          std::pair{&domain_windows, &other.domain_windows}}) {
    to->insert(to->end(), from->begin(), from->end());
    std::sort(to->begin(), to->end());
    to->erase(std::unique(to->begin(), to->end()), to->end());
  }
}

std::vector<Millis> StateNeeds::AllReviewEdges() const {
  std::vector<Millis> edges = review_edges;
  edges.insert(edges.end(), item_windows.begin(), item_windows.end());
  edges.insert(edges.end(), domain_windows.begin(), domain_windows.end());
  return edges;
}

std::vector<std::string> CheckCategories() {
  std::set<std::string> categories;
  for (const auto& check : AllChecks()) categories.emplace(check->category());
  return {categories.begin(), categories.end()};
}

bool SameSettings(const Check& a, const Check& b) {
  // Params() only hands out pointers to members; nothing is written here.
  const std::vector<Param> pa = const_cast<Check&>(a).Params(), pb = const_cast<Check&>(b).Params();
  if (a.enabled != b.enabled || pa.size() != pb.size()) return false;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].key != pb[i].key) return false;
    if (auto* names = std::get_if<std::vector<std::string>*>(&pa[i].target)) {
      if (**names != **std::get_if<std::vector<std::string>*>(&pb[i].target)) return false;
    } else if (a.Value(pa[i].key) != b.Value(pb[i].key)) {
      return false;
    }
  }
  return true;
}

}  // namespace argus
