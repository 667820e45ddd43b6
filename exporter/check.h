#ifndef ARGUS_CHECK_H_
#define ARGUS_CHECK_H_

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "alert.h"
#include "rules.h"
#include "snapshot.h"

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
  // The same verdict from the aggregates of a WindowState, which must track
  // every offset Offsets() returns.
  virtual void EvaluateState(const WindowState& state, CheckOutput* out) const = 0;
  // Window and baseline edges, as offsets before now, the check reads.
  virtual std::vector<Millis> Offsets() const = 0;
  // The edges of the spend sums (WindowState::AgentSpend) it reads, if any.
  virtual std::vector<Millis> SpendOffsets() const { return {}; }
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

// Every check, in the order the docs and rules list them, with defaults.
std::vector<std::unique_ptr<Check>> AllChecks();

}  // namespace argus

#endif  // ARGUS_CHECK_H_
