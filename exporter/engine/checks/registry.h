#ifndef ARGUS_CHECKS_REGISTRY_H_
#define ARGUS_CHECKS_REGISTRY_H_

#include <memory>

#include "exporter/engine/check.h"

namespace argus {

// One factory per detection; registry.cc lists them in order.
std::unique_ptr<Check> MakeDormantAgentCheck();
std::unique_ptr<Check> MakeQualityRegressionCheck();
std::unique_ptr<Check> MakeThroughputAnomalyCheck();
std::unique_ptr<Check> MakeRejectionSpikeCheck();
std::unique_ptr<Check> MakeStuckLoopCheck();
std::unique_ptr<Check> MakeCostSpikeCheck();
std::unique_ptr<Check> MakeDomainRejectionPatternCheck();

}  // namespace argus

#endif  // ARGUS_CHECKS_REGISTRY_H_
