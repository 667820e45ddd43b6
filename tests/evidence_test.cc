// The tail probabilities of the evidence tests, against direct sums.
#include "exporter/engine/evidence.h"

#include <gtest/gtest.h>

#include <cmath>

namespace argus {
namespace {

double BinomialPmf(int64_t i, int64_t n, double p) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) +
                  i * std::log(p) + (n - i) * std::log1p(-p));
}

double PoissonPmf(int64_t i, double lambda) {
  return std::exp(i * std::log(lambda) - lambda - std::lgamma(i + 1.0));
}

TEST(Evidence, BinomialTailsAgreeWithDirectSums) {
  for (int64_t n : {1, 2, 10, 24, 100, 1000}) {
    for (double p : {0.01, 0.2, 0.5, 0.8, 0.97}) {
      for (int64_t k = 0; k <= n; k += std::max<int64_t>(1, n / 37)) {
        double at_most = 0, at_least = 0;
        for (int64_t i = 0; i <= n; ++i) (i <= k ? at_most : at_least) += BinomialPmf(i, n, p);
        at_least += BinomialPmf(k, n, p);
        EXPECT_NEAR(BinomialAtMost(k, n, p), at_most, 1e-9 + 1e-7 * at_most) << k << " " << n << " " << p;
        EXPECT_NEAR(BinomialAtLeast(k, n, p), at_least, 1e-9 + 1e-7 * at_least) << k << " " << n << " " << p;
      }
    }
  }
}

TEST(Evidence, PoissonTailAgreesWithADirectSum) {
  for (double lambda : {0.006, 0.1, 0.5, 1.0, 3.5, 12.0, 80.0}) {
    for (int64_t k = 0; k <= 200; k += 3) {
      double at_least = 0;
      for (int64_t i = k; i <= k + 400; ++i) at_least += PoissonPmf(i, lambda);
      EXPECT_NEAR(PoissonAtLeast(k, lambda), at_least, 1e-12 + 1e-7 * at_least) << k << " " << lambda;
    }
  }
}

// The figures docs/detections.md quotes.
TEST(Evidence, TheDocumentedExamples) {
  // 4 or more rejections of 10 at a normal 20%: about one time in eight.
  EXPECT_NEAR(BinomialAtLeast(4, 10, 0.2), 0.1209, 1e-4);
  // 5 rejections in an hour where 1 is usual.
  EXPECT_NEAR(PoissonAtLeast(5, 1.0), 0.00366, 1e-5);
  EXPECT_DOUBLE_EQ(SmoothedShare(20, 20), 21.0 / 22.0);
}

TEST(Evidence, EdgesAreExact) {
  EXPECT_EQ(BinomialAtMost(-1, 10, 0.5), 0);
  EXPECT_EQ(BinomialAtMost(10, 10, 0.5), 1);
  EXPECT_EQ(BinomialAtLeast(0, 10, 0.5), 1);
  EXPECT_EQ(BinomialAtLeast(11, 10, 0.5), 0);
  EXPECT_EQ(PoissonAtLeast(0, 2), 1);
  EXPECT_EQ(PoissonAtLeast(1, 0), 0);
}

}  // namespace
}  // namespace argus
