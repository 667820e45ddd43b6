#include <cmath>
#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/window_state.h"

namespace argus {
namespace {

// Reviews per window, for the whole pipeline and for each domain, against
// the same-length buckets of the baseline: a drop or a surge.
class ThroughputAnomalyCheck : public CheckBase<ThroughputAnomalyCheck> {
 public:
  std::string_view id() const override { return "throughput_anomaly"; }
  std::string_view category() const override { return "throughput"; }
  std::string_view summary() const override {
    return "reviews per window fell or surged against the baseline's buckets";
  }
  unsigned tables() const override { return kReviews; }
  Millis Lookback() const override { return window_ + baseline_; }

  std::vector<Param> Params() override {
    return {
        {"window", Param::Kind::kDuration, &window_,
         "recent period whose review count is judged; also the bucket length"},
        {"baseline", Param::Kind::kDuration, &baseline_,
         "period before the window, cut into buckets of the window's length"},
        {"min_baseline_mean", Param::Kind::kFactor, &min_mean_,
         "a scope whose baseline mean per bucket is lower is not judged"},
        {"drop_ratio", Param::Kind::kRatio, &drop_ratio_,
         "a drop needs count <= drop_ratio x mean"},
        {"drop_z", Param::Kind::kNumber, &drop_z_, "and a z-score at most this (or stddev 0)"},
        {"surge_ratio", Param::Kind::kFactor, &surge_ratio_,
         "a surge needs count >= surge_ratio x mean"},
        {"surge_z", Param::Kind::kNumber, &surge_z_,
         "and a z-score at least this (or stddev 0)"},
        {"surge_min_count", Param::Kind::kCount, &surge_min_,
         "and at least this many reviews in the window"},
    };
  }

  std::vector<GaugeInfo> Gauges() const override {
    return {
        {"throughput_reviews",
         "Reviews in the throughput window; no domain label for the whole pipeline.",
         {"domain"}},
        {"throughput_baseline_mean_reviews",
         "Mean reviews per window-long bucket of the throughput baseline.",
         {"domain"}},
        {"throughput_baseline_stddev_reviews",
         "Population standard deviation of the throughput baseline's buckets.",
         {"domain"}},
    };
  }

  // Buckets the baseline is cut into; Validate keeps it whole.
  int64_t Buckets() const { return baseline_ / window_; }

  std::optional<ParamError> Validate() const override {
    if (baseline_ % window_ != 0 || baseline_ < window_) {
      return ParamError{"baseline",
                        "must be a whole multiple of window (it is cut into window-long buckets)"};
    }
    return std::nullopt;
  }

  StateNeeds Needs() const override {
    StateNeeds needs;
    for (int64_t k = 1; k <= Buckets() + 1; ++k) needs.review_edges.push_back(k * window_);
    return needs;
  }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    const int64_t buckets = Buckets();
    if (buckets < 1) {
      out->error = "throughput_anomaly: baseline is shorter than the window";
      return;
    }
    // counts[0] is the window; counts[1 + k] is baseline bucket k, counting
    // back from the window's start.
    std::vector<double> pipeline(buckets + 1, 0);
    std::map<uint32_t, std::vector<double>> domains;
    const Millis oldest = snap.now - window_ * (buckets + 1);
    for (const ReviewEvent& r : snap.reviews) {
      if (r.at <= oldest || r.at > snap.now) continue;
      // Bucket k is (now - (k+1)W, now - kW]: the age divided by W.
      const int64_t index = (snap.now - r.at) / window_;
      pipeline[index] += 1;
      auto& d = domains[r.domain];
      if (d.empty()) d.assign(buckets + 1, 0);
      d[index] += 1;
    }
    Judge(snap.now, out, std::nullopt, pipeline);
    for (const auto& [d, counts] : domains) Judge(snap.now, out, snap.domains[d], counts);
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    const int64_t buckets = Buckets();
    std::vector<double> pipeline(buckets + 1, 0);
    for (int64_t k = 0; k <= buckets; ++k) {
      pipeline[k] = double(state.PipelineReviews(k * window_, (k + 1) * window_));
    }
    Judge(state.now(), out, std::nullopt, pipeline);
    for (uint32_t d = 0; d < state.domains.size(); ++d) {
      std::vector<double> counts(buckets + 1, 0);
      bool any = false;
      for (int64_t k = 0; k <= buckets; ++k) {
        counts[k] = double(state.Domain(d, k * window_, (k + 1) * window_).reviews);
        any = any || counts[k] > 0;
      }
      if (any) Judge(state.now(), out, state.domains[d], counts);
    }
  }

  std::vector<RuleSpec> Rules() const override {
    const std::string t = kPromTolerance;
    const std::string count = "argus_throughput_reviews";
    const std::string mean = "argus_throughput_baseline_mean_reviews";
    const std::string sd = "argus_throughput_baseline_stddev_reviews";
    const std::string z = "(" + count + " - " + mean + ") / " + sd;
    const std::string judged = " and " + mean + " >= " + PromNumber(min_mean_) + " - " + t;
    const std::string drop = " and " + count + " <= " + PromNumber(drop_ratio_) + " * " + mean +
                             " + " + t + " and (" + sd + " < " + t + " or " + z + " <= " +
                             PromNumber(drop_z_) + " + " + t + ")";
    const std::string surge = " and " + count + " >= " + PromNumber(surge_ratio_) + " * " + mean +
                              " - " + t + " and (" + sd + " < " + t + " or " + z + " >= " +
                              PromNumber(surge_z_) + " - " + t + ") and " + count + " >= " +
                              PromNumber(surge_min_) + " - " + t;
    const std::string where = "{{ with $labels.domain }}domain {{ . }}{{ else }}the pipeline{{ end }}";
    // The baseline mean of the same series, looked up when the alert is
    // rendered (a label left out matches as empty, as in the series).
    const std::string baseline_mean =
        "{{ with printf \"argus_throughput_baseline_mean_reviews{job=%q,instance=%q,domain=%q}\" "
        "$labels.job $labels.instance $labels.domain | query }}{{ . | first | value | printf \"%.1f\" }}"
        "{{ else }}unknown{{ end }}";
    const std::string description =
        "{{ $value }} reviews in " + where + " in the last " + FormatDuration(window_) +
        ", against a mean of " + baseline_mean + " per " + FormatDuration(window_) + " bucket of the " +
        FormatDuration(baseline_) + " before.";
    return {
        {"ArgusThroughputDrop", Severity::kWarning, count + " >= " + t + judged + drop,
         "Review throughput dropped in " + where, description},
        {"ArgusThroughputDrop", Severity::kCritical, count + " < " + t + judged + drop,
         "Review throughput stopped in " + where, description},
        {"ArgusThroughputSurge", Severity::kInfo, count + judged + surge,
         "Review throughput surged in " + where, description},
    };
  }

 private:
  void Judge(Millis now, CheckOutput* out, const std::optional<std::string>& domain,
             const std::vector<double>& counts) const {
    const double count = counts[0];
    double mean = 0, var = 0;
    const double n = static_cast<double>(counts.size() - 1);
    for (size_t i = 1; i < counts.size(); ++i) mean += counts[i];
    mean /= n;
    for (size_t i = 1; i < counts.size(); ++i) var += (counts[i] - mean) * (counts[i] - mean);
    const double stddev = std::sqrt(var / n);
    std::vector<std::pair<std::string, std::string>> labels;
    if (domain) labels.push_back({"domain", *domain});
    out->samples.push_back({"throughput_reviews", labels, count});
    out->samples.push_back({"throughput_baseline_mean_reviews", labels, mean});
    out->samples.push_back({"throughput_baseline_stddev_reviews", labels, stddev});
    if (!AtLeast(mean, min_mean_)) return;

    const bool flat = stddev < kTolerance;
    const double z = flat ? 0 : (count - mean) / stddev;
    const bool drop = AtMost(count, drop_ratio_ * mean) && (flat || AtMost(z, drop_z_));
    const bool surge = AtLeast(count, surge_ratio_ * mean) && (flat || AtLeast(z, surge_z_)) &&
                       AtLeast(count, surge_min_);
    if (!drop && !surge) return;

    const std::string scope_name = domain ? "domain " + *domain : "the pipeline";
    Alert alert = NewAlert(*this, now, domain ? "domain=" + *domain : "pipeline");
    alert.domain = domain;
    alert.value = count;
    if (drop) {
      alert.severity = count < kTolerance ? Severity::kCritical : Severity::kWarning;
      alert.title = "Review throughput dropped in " + scope_name;
      alert.threshold = drop_ratio_ * mean;
    } else {
      alert.severity = Severity::kInfo;
      alert.title = "Review throughput surged in " + scope_name;
      alert.threshold = surge_ratio_ * mean;
    }
    alert.message = scope_name + ": " + Num(count, 0) + " reviews in the last " +
                    FormatDuration(window_) + " vs a mean of " + Num(mean, 1) + " per " +
                    FormatDuration(window_) + " (z " + (flat ? "n/a" : Num(z, 1)) + ")";
    alert.details = {{"direction", drop ? "drop" : "surge"},
                     {"window_reviews", count},
                     {"baseline_mean", Round4(mean)},
                     {"baseline_stddev", Round4(stddev)},
                     {"baseline_buckets", counts.size() - 1},
                     {"z_score", flat ? nlohmann::json(nullptr) : nlohmann::json(Round4(z))}};
    out->alerts.push_back(std::move(alert));
  }

  Millis window_ = 6 * kHour;
  Millis baseline_ = 7 * kDay;
  double min_mean_ = 6;
  double drop_ratio_ = 0.5;
  double drop_z_ = -3;
  double surge_ratio_ = 3;
  double surge_z_ = 3;
  double surge_min_ = 20;
};

}  // namespace

std::unique_ptr<Check> MakeThroughputAnomalyCheck() {
  return std::make_unique<ThroughputAnomalyCheck>();
}

}  // namespace argus
