#ifndef ARGUS_SOURCE_NAME_MAP_H_
#define ARGUS_SOURCE_NAME_MAP_H_

// How the pipeline's names become the names Argus knows agents, domains,
// rejection reasons and models by (config `labels:`): relabel rules map raw
// names to stable ones (`run-8812-agent` to `agent`), then a limit on the
// distinct names of each kind folds the ones beyond it into "other", as
// exporters do to keep their series bounded. Applied as rows are read, so
// that the checks, the alerts, the pages and the metrics all see the same
// names, and a pipeline that names agents per run cannot grow Argus's
// memory or Prometheus's series without bound.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <regex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace argus {

enum class NameKind { kAgent, kDomain, kReason, kModel };
constexpr std::array<const char*, 4> kNameKinds = {"agent", "domain", "reason", "model"};

// The value a folded name takes.
constexpr const char* kOtherName = "other";

// One relabel rule: a name of `kind` that `regex` matches whole becomes
// `replacement`, in which $1 .. $9 stand for the regex's groups (as in
// Prometheus's relabel_configs). The first rule that matches wins.
struct RelabelRule {
  NameKind kind;
  std::string regex;
  std::string replacement = "$1";
};

struct NameRules {
  std::vector<RelabelRule> relabel;
  // Distinct names kept per kind; 0 keeps every name.
  std::array<size_t, 4> max_values = {300, 100, 100, 50};

  bool operator==(const NameRules& o) const;
};

// Checks the rules (each regex compiles); "" when they are good, else which
// rule is wrong and why.
std::string ValidateNameRules(const NameRules& rules);

// The mapping in force, shared by every read of the pipeline's sources
// (reads run on several threads: thread-safe). Names keep their place once
// given one: the names seeded (the source's most recent) and then the first
// read, up to max_values of a kind; every later one reads as "other" for as
// long as the map lives (a reload that changes `labels:` makes a new one).
class NameMap {
 public:
  explicit NameMap(NameRules rules);

  // Rewrites `name` (of `kind`) in place. An empty name stays empty (no
  // reason, no model).
  void Apply(NameKind kind, std::string* name);
  // Gives `raw` (relabelled) a place ahead of any read, while places are
  // left: a source seeds the names it saw last, most recent first, so that
  // the places go to the names in use rather than to the oldest.
  void Seed(NameKind kind, const std::string& raw);

  struct Folding {
    size_t kept = 0;          // distinct names with a place
    uint64_t folded_rows = 0;  // names read as "other" for want of one (each read of a row)
    std::string first_folded;  // the first such name, for the log
  };
  Folding folding(NameKind kind) const;

  const NameRules& rules() const { return rules_; }

 private:
  // What a raw name reads as, and whether for want of a place (a rule that
  // maps it to "other" folds nothing).
  struct Mapped {
    std::string name;
    bool folded = false;
  };
  struct Kind {
    mutable std::shared_mutex mu;
    // Raw name -> what it reads as. Bounded: cleared when it holds
    // kMaxCache names (a pipeline naming every run anew); the places given
    // stay in `kept`.
    std::unordered_map<std::string, Mapped> cache;
    std::unordered_set<std::string> kept;
    std::atomic<uint64_t> folded_rows{0};
    std::string first_folded;
  };
  static constexpr size_t kMaxCache = 100000;

  std::string Relabel(NameKind kind, const std::string& raw) const;

  NameRules rules_;
  std::vector<std::regex> compiled_;  // one per rule
  std::array<Kind, 4> kinds_;
};

struct SourceQueries;  // source.h

// Takes each name (as SafeName gives it) of a seeding query's rows, in
// order; false: no more are wanted.
using NameVisitor = std::function<bool(const std::string& name)>;
// Reads `column` of the last `rows` rows of `table`, latest first (read
// backwards along the primary key: a few milliseconds), handing each to
// `each` until it returns false; a read that fails seeds nothing.
using LatestNamesReader = std::function<void(const char* table, const char* column, int rows,
                                             const NameVisitor& each)>;

// Seeds `names` with the names of each reference table's latest rows, most
// recent first, up to each kind's limit, so that a limit keeps the names in
// use. Tables read through other queries (`sources:`) are not seeded.
void SeedLatestNames(NameMap& names, const SourceQueries& queries, const LatestNamesReader& read);

}  // namespace argus

#endif  // ARGUS_SOURCE_NAME_MAP_H_
