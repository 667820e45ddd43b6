#ifndef ARGUS_CHECK_H_
#define ARGUS_CHECK_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "exporter/base/alert.h"
#include "exporter/engine/rules.h"
#include "exporter/source/snapshot.h"
#include "exporter/source/source.h"

namespace argus {

class WindowState;

// One configurable number or list of a check, bound to the member that holds
// it. The config loader, the docs and the rule generator all read these.
struct Param {
  enum class Kind {
    kDuration,  // "6h"; must be positive
    kCount,     // a whole number >= 0
    kRatio,     // a number in [0, 1]
    kFactor,    // a number >= 0 (multipliers, dollars)
    kNumber,    // any number (z-scores)
    kNames,     // a list of strings
  };
  std::string key;
  Kind kind;
  std::variant<Millis*, double*, std::vector<std::string>*> target;
  std::string help;
  // Another key of the same check this one must not be below (a critical
  // threshold and its warning one); the config loader refuses it otherwise.
  std::string at_least = {};
};

// A setting refused by a rule that spans several keys: the key to blame and
// what is wrong with it.
struct ParamError {
  std::string key;
  std::string what;
};

// What a check reads from the window state (WindowState), so that the
// engine keeps exactly that: each is a list of offsets before now.
struct StateNeeds {
  std::vector<Millis> review_edges = {};    // window and baseline edges of the review counts
  std::vector<Millis> spend_edges = {};     // edges of the spend sums (AgentSpend)
  std::vector<Millis> item_windows = {};    // per-agent item facts (ItemIndex)
  std::vector<Millis> domain_windows = {};  // per-domain rejection facts (DomainIndex)

  void Merge(const StateNeeds& other);
  // The review edges with every index window among them.
  std::vector<Millis> AllReviewEdges() const;
};

// One labelled value a check publishes as a gauge: exactly the quantities it
// compares, so an alerting rule can reproduce its verdict.
struct Sample {
  std::string metric;  // without the "argus_" prefix
  std::vector<std::pair<std::string, std::string>> labels;
  double value;
};

struct GaugeInfo {
  std::string metric;  // without the "argus_" prefix
  std::string help;
  std::vector<std::string> labels;
};

// What one evaluation of one check produced.
struct CheckOutput {
  std::vector<Alert> alerts;
  std::vector<Sample> samples;
  std::string error;  // empty when the check ran
};

// The tables a check reads, so that a failed read fails only its readers.
enum Table : unsigned { kSubmissions = 1, kReviews = 2, kCosts = 4 };

// A detection. Each lives in its own file under checks/ and is listed once
// in checks/registry.cc. Instances hold their thresholds; Evaluate is const
// and safe to call from several threads on the same instance.
class Check {
 public:
  virtual ~Check() = default;

  virtual std::string_view id() const = 0;
  virtual std::string_view category() const = 0;
  // The operator's one-line description, for --help and the docs.
  virtual std::string_view summary() const = 0;
  virtual unsigned tables() const = 0;
  // How far back from `now` the check reads.
  virtual Millis Lookback() const = 0;
  virtual std::vector<Param> Params() = 0;
  virtual std::vector<GaugeInfo> Gauges() const = 0;
  // The straightforward evaluation: scans the rows of a snapshot. Kept as
  // the oracle the incremental evaluation is tested against.
  virtual void Evaluate(const Snapshot& snap, CheckOutput* out) const = 0;
  // The same verdict from the aggregates of a WindowState built with (at
  // least) what Needs() declares.
  virtual void EvaluateState(const WindowState& state, CheckOutput* out) const = 0;
  virtual StateNeeds Needs() const = 0;
  // Rules across keys beyond Param::at_least, checked after a config is
  // read; nothing when the settings agree.
  virtual std::optional<ParamError> Validate() const { return std::nullopt; }
  // Adds what the check finds in one agent's reviews of a failure report
  // (all of them in the report's period, in time order) to `report`.
  virtual void AddToReport(const std::vector<ReviewRow>& reviews, nlohmann::json* report) const {
    (void)reviews;
    (void)report;
  }
  // Whether /check attaches the failure report of every agent the check
  // raises an alert for (as the Python service did for stuck loops).
  virtual bool AttachesFailureReport() const { return false; }
  // Alerting rules that reproduce Evaluate's verdict from the gauges alone:
  // one per severity, each firing exactly when Evaluate raises that
  // severity for a scope.
  virtual std::vector<RuleSpec> Rules() const = 0;
  virtual std::unique_ptr<Check> Clone() const = 0;

  // The current value of a numeric or duration parameter (durations in
  // milliseconds), or nothing for an unknown key.
  std::optional<double> Value(std::string_view key) const;

  bool enabled = true;
};

// Implements Clone for a concrete check.
template <typename Derived>
class CheckBase : public Check {
 public:
  std::unique_ptr<Check> Clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// Starts an alert of `check` with its id, category and detection time set.
Alert NewAlert(const Check& check, Millis now, std::string scope);

// Every check, in the order the docs and rules list them, with defaults:
// those of checks/registry.cc, then any registered below.
std::vector<std::unique_ptr<Check>> AllChecks();

// The categories of every check (the /api/alerts filter), sorted.
std::vector<std::string> CheckCategories();

// Adds a check defined elsewhere (a test's) to AllChecks() for as long as
// the registration lives: every Config built meanwhile has it, with its
// config keys, gauges, rules and alerts.
class CheckRegistration {
 public:
  explicit CheckRegistration(std::function<std::unique_ptr<Check>()> make);
  ~CheckRegistration();
  CheckRegistration(const CheckRegistration&) = delete;
  CheckRegistration& operator=(const CheckRegistration&) = delete;

 private:
  size_t id_;
};

// Whether two instances of a check are set alike (enabled, every parameter).
bool SameSettings(const Check& a, const Check& b);

}  // namespace argus

#endif  // ARGUS_CHECK_H_
