#include "exporter/source/name_map.h"

#include "exporter/source/source.h"

#include "exporter/base/format.h"

namespace argus {

bool NameRules::operator==(const NameRules& o) const {
  if (max_values != o.max_values || relabel.size() != o.relabel.size()) return false;
  for (size_t i = 0; i < relabel.size(); ++i) {
    const RelabelRule &a = relabel[i], &b = o.relabel[i];
    if (a.kind != b.kind || a.regex != b.regex || a.replacement != b.replacement) return false;
  }
  return true;
}

std::string ValidateNameRules(const NameRules& rules) {
  for (size_t i = 0; i < rules.relabel.size(); ++i) {
    const RelabelRule& r = rules.relabel[i];
    size_t groups = 0;
    try {
      std::regex compiled(r.regex, std::regex::ECMAScript);
      groups = compiled.mark_count();
    } catch (const std::regex_error& e) {
      return "rule " + std::to_string(i + 1) + ": regex '" + r.regex + "' does not compile: " + e.what();
    }
    // $1..$9 must name a group of the regex; ${1} is not this syntax.
    for (size_t at = r.replacement.find('$'); at != std::string::npos; at = r.replacement.find('$', at + 2)) {
      const char next = at + 1 < r.replacement.size() ? r.replacement[at + 1] : '\0';
      if (next == '$') continue;
      if (next < '1' || next > '9' || static_cast<size_t>(next - '0') > groups) {
        return "rule " + std::to_string(i + 1) + ": replacement '" + r.replacement + "' refers to " +
               (next == '{' ? std::string("${...}: write $1") : "a group the regex does not have") +
               " (it has " + std::to_string(groups) + ")";
      }
    }
    if (r.regex.size() > 1000 || r.replacement.size() > 1000) {
      return "rule " + std::to_string(i + 1) + ": regex and replacement are at most 1000 characters";
    }
  }
  return "";
}

NameMap::NameMap(NameRules rules) : rules_(std::move(rules)) {
  for (const RelabelRule& r : rules_.relabel) {
    compiled_.emplace_back(r.regex, std::regex::ECMAScript | std::regex::optimize);
  }
}

std::string NameMap::Relabel(NameKind kind, const std::string& raw) const {
  for (size_t i = 0; i < rules_.relabel.size(); ++i) {
    if (rules_.relabel[i].kind != kind) continue;
    std::smatch m;
    // As any name read: valid, bounded text (SafeName).
    if (std::regex_match(raw, m, compiled_[i])) return SafeName(m.format(rules_.relabel[i].replacement));
  }
  return raw;
}

void NameMap::Apply(NameKind kind_id, std::string* name) {
  if (name->empty()) return;
  Kind& kind = kinds_[static_cast<size_t>(kind_id)];
  {
    std::shared_lock lock(kind.mu);
    auto it = kind.cache.find(*name);
    if (it != kind.cache.end()) {
      if (it->second.folded) kind.folded_rows.fetch_add(1, std::memory_order_relaxed);
      *name = it->second.name;
      return;
    }
  }
  std::string mapped = Relabel(kind_id, *name);
  std::unique_lock lock(kind.mu);
  const size_t limit = rules_.max_values[static_cast<size_t>(kind_id)];
  bool folded = false;
  if (!mapped.empty() && !kind.kept.count(mapped)) {
    if (limit == 0 || kind.kept.size() < limit) {
      kind.kept.insert(mapped);
    } else {
      if (kind.first_folded.empty()) kind.first_folded = mapped;
      mapped = kOtherName;
      folded = true;
    }
  }
  if (folded) kind.folded_rows.fetch_add(1, std::memory_order_relaxed);
  if (kind.cache.size() >= kMaxCache) kind.cache.clear();
  kind.cache.emplace(*name, Mapped{mapped, folded});
  *name = std::move(mapped);
}

void NameMap::Seed(NameKind kind_id, const std::string& raw) {
  if (raw.empty()) return;
  const std::string mapped = Relabel(kind_id, raw);
  Kind& kind = kinds_[static_cast<size_t>(kind_id)];
  const size_t limit = rules_.max_values[static_cast<size_t>(kind_id)];
  std::unique_lock lock(kind.mu);
  if (!mapped.empty() && (limit == 0 || kind.kept.size() < limit)) kind.kept.insert(mapped);
}

NameMap::Folding NameMap::folding(NameKind kind_id) const {
  const Kind& kind = kinds_[static_cast<size_t>(kind_id)];
  std::shared_lock lock(kind.mu);
  return {kind.kept.size(), kind.folded_rows.load(std::memory_order_relaxed), kind.first_folded};
}

// How many of each table's latest rows name the names a NameMap keeps
// first.
constexpr int kSeedRows = 20000;

void SeedLatestNames(NameMap& names, const SourceQueries& queries, const LatestNamesReader& read) {
  const SourceQueries reference;
  struct Seed {
    NameKind kind;
    bool reference_table;
    const char* table;
    const char* column;
  };
  const Seed seeds[] = {
      {NameKind::kAgent, queries.submissions == reference.submissions, "submissions", "agent"},
      {NameKind::kDomain, queries.submissions == reference.submissions, "submissions", "domain"},
      {NameKind::kReason, queries.reviews == reference.reviews, "reviews", "reason"},
      {NameKind::kModel, queries.costs == reference.costs, "costs", "model"},
  };
  for (const Seed& seed : seeds) {
    const size_t limit = names.rules().max_values[static_cast<size_t>(seed.kind)];
    if (!seed.reference_table || limit == 0) continue;
    std::unordered_set<std::string> seen;
    read(seed.table, seed.column, kSeedRows, [&](const std::string& name) {
      if (seen.insert(name).second) names.Seed(seed.kind, name);
      return seen.size() < limit;
    });
  }
}

}  // namespace argus
