#include "registry.h"

namespace argus {

std::vector<std::unique_ptr<Check>> AllChecks() {
  std::vector<std::unique_ptr<Check>> checks;
  checks.push_back(MakeDormantAgentCheck());
  checks.push_back(MakeQualityRegressionCheck());
  checks.push_back(MakeThroughputAnomalyCheck());
  checks.push_back(MakeRejectionSpikeCheck());
  checks.push_back(MakeStuckLoopCheck());
  checks.push_back(MakeCostSpikeCheck());
  checks.push_back(MakeDomainRejectionPatternCheck());
  return checks;
}

}  // namespace argus
