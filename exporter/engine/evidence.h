#ifndef ARGUS_ENGINE_EVIDENCE_H_
#define ARGUS_ENGINE_EVIDENCE_H_

// How likely chance alone makes what a window saw: the tail probabilities
// behind the evidence tests of quality_regression, rejection_spike and
// domain_rejection_pattern (docs/detections.md shows the arithmetic).

#include <cstdint>

namespace argus {

// P(X <= k) for X ~ Binomial(n, p).
double BinomialAtMost(int64_t k, int64_t n, double p);
// P(X >= k) for X ~ Binomial(n, p).
double BinomialAtLeast(int64_t k, int64_t n, double p);
// P(X >= k) for X ~ Poisson(lambda).
double PoissonAtLeast(int64_t k, double lambda);

// A share estimated from `hits` of `trials` as the tests use it: (hits + 1) /
// (trials + 2), so that 20 approvals of 20 reviews are taken for 95%, not
// for a certainty any rejection would refute.
double SmoothedShare(int64_t hits, int64_t trials);

}  // namespace argus

#endif  // ARGUS_ENGINE_EVIDENCE_H_
