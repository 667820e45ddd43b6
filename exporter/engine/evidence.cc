#include "exporter/engine/evidence.h"

#include <algorithm>
#include <cmath>

namespace argus {
namespace {

// ln Γ(x) without std::lgamma, which writes the sign to the global
// `signgam`: checks of several pipelines run on threads of their own.
double LogGamma(double x) {
  int sign;
  return lgamma_r(x, &sign);
}

// Enough for counts in the millions (the fractions need about the square
// root of the larger parameter).
constexpr int kMaxIterations = 5000;
constexpr double kEpsilon = 1e-15;
constexpr double kTiny = 1e-300;

// The continued fraction of the regularized incomplete beta function
// (modified Lentz's method), which converges fast for x < (a+1)/(a+b+2).
double BetaFraction(double a, double b, double x) {
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double f = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    // The even step, then the odd one.
    double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    c = 1 + num / c;
    if (std::fabs(d) < kTiny) d = kTiny;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    f *= d * c;
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    c = 1 + num / c;
    if (std::fabs(d) < kTiny) d = kTiny;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double step = d * c;
    f *= step;
    if (std::fabs(step - 1) < kEpsilon) break;
  }
  return f;
}

// I_x(a, b), the regularized incomplete beta function.
double RegularizedBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) +
                                a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return front * BetaFraction(a, b, x) / a;
  return 1 - front * BetaFraction(b, a, 1 - x) / b;
}

// P(a, x), the regularized lower incomplete gamma function: a series below
// a + 1, a continued fraction above.
double RegularizedGammaLower(double a, double x) {
  if (x <= 0) return 0;
  const double log_front = a * std::log(x) - x - LogGamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n <= kMaxIterations * 20; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
    }
    return std::min(1.0, sum * std::exp(log_front));
  }
  // Q(a, x) by Lentz's method; P = 1 - Q.
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i <= kMaxIterations; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1) < kEpsilon) break;
  }
  return std::max(0.0, 1 - std::exp(log_front) * h);
}

}  // namespace

double BinomialAtMost(int64_t k, int64_t n, double p) {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  // P(X <= k) = I_{1-p}(n - k, k + 1).
  return RegularizedBeta(double(n - k), double(k + 1), 1 - p);
}

double BinomialAtLeast(int64_t k, int64_t n, double p) {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return BinomialAtMost(n - k, n, 1 - p);
}

double PoissonAtLeast(int64_t k, double lambda) {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  // P(X >= k) = P(k, lambda), the regularized lower incomplete gamma.
  return RegularizedGammaLower(double(k), lambda);
}

double SmoothedShare(int64_t hits, int64_t trials) {
  return (double(hits) + 1) / (double(trials) + 2);
}

}  // namespace argus
