#include "exporter/engine/checks/registry.h"

#include <mutex>

namespace argus {
namespace {

// Checks registered from outside this folder (CheckRegistration), by id.
struct Registered {
  std::mutex mu;
  size_t next = 0;
  std::vector<std::pair<size_t, std::function<std::unique_ptr<Check>()>>> makers;
};

Registered& Extra() {
  static Registered registered;
  return registered;
}

}  // namespace

std::vector<std::unique_ptr<Check>> AllChecks() {
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(MakeDormantAgentCheck());
  checks.push_back(MakeQualityRegressionCheck());
  checks.push_back(MakeThroughputAnomalyCheck());
  checks.push_back(MakeRejectionSpikeCheck());
  checks.push_back(MakeStuckLoopCheck());
  checks.push_back(MakeCostSpikeCheck());
  checks.push_back(MakeDomainRejectionPatternCheck());
  Registered& extra = Extra();
  std::lock_guard lock(extra.mu);
  for (const auto& [id, make] : extra.makers) checks.push_back(make());
  return checks;
}

CheckRegistration::CheckRegistration(std::function<std::unique_ptr<Check>()> make) {
  Registered& extra = Extra();
  std::lock_guard lock(extra.mu);
  id_ = extra.next++;
  extra.makers.emplace_back(id_, std::move(make));
}

CheckRegistration::~CheckRegistration() {
  Registered& extra = Extra();
  std::lock_guard lock(extra.mu);
  std::erase_if(extra.makers, [&](const auto& m) { return m.first == id_; });
}

}  // namespace argus
