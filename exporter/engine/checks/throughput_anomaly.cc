#include <algorithm>
#include <cmath>
#include <tuple>
#include <map>

#include "exporter/engine/check.h"
#include "exporter/base/format.h"
#include "exporter/engine/checks/registry.h"
#include "exporter/engine/seasonal.h"
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
  Millis Lookback() const override {
    return std::max(window_ + baseline_, SeasonalLookback(window_));
  }

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
         "Standard deviation the throughput window is judged against: of the baseline's "
         "buckets, or of the seasonal slots (at least the square root of their mean).",
         {"domain"}},
        {"throughput_drop_threshold_reviews",
         "Reviews in the window at or below which it is a drop: drop_ratio of the baseline mean, "
         "and a z-score at most drop_z; absent for a scope too small to judge.",
         {"domain"}},
        {"throughput_baseline_period_seconds",
         "Which baseline the throughput window is judged against: 0 the flat buckets, 86400 "
         "the same hours of the previous days, 604800 the same hours of the previous weeks.",
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
    for (const AgeRange& r : SeasonalRanges()) {
      needs.review_edges.push_back(r.from);
      needs.review_edges.push_back(r.to);
    }
    return needs;
  }

  std::vector<AgeRange> SeasonalRanges() const { return argus::SeasonalRanges(window_); }

  void Evaluate(const Snapshot& snap, CheckOutput* out) const override {
    const int64_t buckets = Buckets();
    if (buckets < 1) {
      out->error = "throughput_anomaly: baseline is shorter than the window";
      return;
    }
    // counts[0] is the window; counts[1 + k] is baseline bucket k, counting
    // back from the window's start.
    const std::vector<AgeRange> seasonal = SeasonalRanges();
    std::vector<double> pipeline(buckets + 1, 0), pipeline_slots(seasonal.size(), 0);
    std::map<uint32_t, std::pair<std::vector<double>, std::vector<double>>> domains;
    const Millis oldest = snap.now - window_ * (buckets + 1);
    for (const ReviewEvent& r : snap.reviews) {
      if (r.at > snap.now) continue;
      auto& d = domains[r.domain];
      if (d.first.empty()) {
        d.first.assign(buckets + 1, 0);
        d.second.assign(seasonal.size(), 0);
      }
      // The age of (now - to, now - from] is [from, to).
      const Millis age = snap.now - r.at;
      for (size_t i = 0; i < seasonal.size(); ++i) {
        if (age >= seasonal[i].from && age < seasonal[i].to) {
          pipeline_slots[i] += 1;
          d.second[i] += 1;
        }
      }
      if (r.at <= oldest) continue;
      // Bucket k is (now - (k+1)W, now - kW]: the age divided by W.
      const int64_t index = age / window_;
      pipeline[index] += 1;
      d.first[index] += 1;
    }
    const Millis history = snap.reviews.empty() ? 0 : snap.now - snap.reviews.front().at;
    Judge(snap.now, out, std::nullopt, pipeline, pipeline_slots, history);
    for (const auto& [d, counts] : domains) {
      if (std::any_of(counts.first.begin(), counts.first.end(), [](double c) { return c > 0; })) {
        Judge(snap.now, out, snap.domains[d], counts.first, counts.second, history);
      }
    }
  }

  void EvaluateState(const WindowState& state, CheckOutput* out) const override {
    const int64_t buckets = Buckets();
    const std::vector<AgeRange> seasonal = SeasonalRanges();
    std::vector<double> pipeline(buckets + 1, 0), pipeline_slots(seasonal.size(), 0);
    for (int64_t k = 0; k <= buckets; ++k) {
      pipeline[k] = double(state.PipelineReviews(k * window_, (k + 1) * window_));
    }
    for (size_t i = 0; i < seasonal.size(); ++i) {
      pipeline_slots[i] = double(state.PipelineReviews(seasonal[i].from, seasonal[i].to));
    }
    const std::optional<Millis> earliest = state.EarliestReview();
    const Millis history = earliest ? state.now() - *earliest : 0;
    Judge(state.now(), out, std::nullopt, pipeline, pipeline_slots, history);
    for (uint32_t d = 0; d < state.domains.size(); ++d) {
      std::vector<double> counts(buckets + 1, 0), slots(seasonal.size(), 0);
      bool any = false;
      for (int64_t k = 0; k <= buckets; ++k) {
        counts[k] = double(state.Domain(d, k * window_, (k + 1) * window_).reviews);
        any = any || counts[k] > 0;
      }
      if (!any) continue;
      for (size_t i = 0; i < seasonal.size(); ++i) {
        slots[i] = double(state.Domain(d, seasonal[i].from, seasonal[i].to).reviews);
      }
      Judge(state.now(), out, state.domains[d], counts, slots, history);
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
    // rendered (a label left out matches as empty, as in the series). The
    // alert has no instance (the rules aggregate it away, so that replicas
    // agree): any replica's series will do.
    const std::string baseline_mean =
        "{{ with printf \"argus_throughput_baseline_mean_reviews{job=%q,pipeline=%q,domain=%q}\" "
        "$labels.job $labels.pipeline $labels.domain | query }}{{ . | first | value | printf \"%.1f\" }}"
        "{{ else }}unknown{{ end }}";
    // Which baseline, from the period gauge of the same series.
    const std::string flat = FormatDuration(window_) + " bucket of the " + FormatDuration(baseline_) +
                             " before";
    const std::string against =
        "{{ with printf \"argus_throughput_baseline_period_seconds{job=%q,pipeline=%q,domain=%q}\" "
        "$labels.job $labels.pipeline $labels.domain | query }}{{ $p := . | first | value }}"
        "{{ if eq $p 604800.0 }}" + FormatDuration(window_) + " at this hour of the previous weeks"
        "{{ else if eq $p 86400.0 }}" + FormatDuration(window_) + " at this hour of the previous days"
        "{{ else }}" + flat + "{{ end }}{{ else }}" + flat + "{{ end }}";
    const std::string description =
        "{{ $value }} reviews in " + where + " in the last " + FormatDuration(window_) +
        ", against a mean of " + baseline_mean + " per " + against + ".";
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
  // `counts`: the window, then the flat buckets; `slots`: the seasonal
  // ranges' counts (SeasonalRanges); `history`: how far back the pipeline's
  // reviews go.
  //
  // The flat buckets are the baseline of a steady pipeline: there their
  // variance is about their mean (Poisson). When it is more than
  // kRhythmDispersion times the mean, the pipeline has a rhythm, and the
  // window is compared with the same hours of the previous weeks (with at
  // least kMinSlots whole weeks of history), or else of the previous days
  // (kMinSlots days); the standard deviation is then at least the square
  // root of the mean, as counts of independent events vary at least that
  // much.
  void Judge(Millis now, CheckOutput* out, const std::optional<std::string>& domain,
             const std::vector<double>& counts, const std::vector<double>& slots,
             Millis history) const {
    const double count = counts[0];
    auto [mean, stddev] = Moments(std::vector<double>(counts.begin() + 1, counts.end()));
    Millis period = 0;
    if (HasRhythm(std::vector<double>(counts.begin() + 1, counts.end()), history,
                  window_ * static_cast<Millis>(counts.size()))) {
      const SlotChoice choice = ChooseSlots(window_, history);
      if (choice.period) {
        std::vector<double> used;
        for (size_t i : choice.slots) used.push_back(slots[i]);
        std::tie(mean, stddev) = Moments(used);
        stddev = std::max(stddev, std::sqrt(mean));
        period = choice.period;
      }
    }
    std::vector<std::pair<std::string, std::string>> labels;
    if (domain) labels.push_back({"domain", *domain});
    out->samples.push_back({"throughput_reviews", labels, count});
    out->samples.push_back({"throughput_baseline_mean_reviews", labels, mean});
    out->samples.push_back({"throughput_baseline_stddev_reviews", labels, stddev});
    out->samples.push_back(
        {"throughput_baseline_period_seconds", labels, double(period) / kSecond});
    if (!AtLeast(mean, min_mean_)) return;
    out->samples.push_back({"throughput_drop_threshold_reviews", labels, DropThreshold(mean, stddev)});

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
    const std::string against = period == kWeek  ? " at this hour of the previous weeks"
                                : period == kDay ? " at this hour of the previous days"
                                                 : " per " + FormatDuration(window_);
    alert.message = scope_name + ": " + Num(count, 0) + " reviews in the last " +
                    FormatDuration(window_) + " vs a mean of " + Num(mean, 1) + against +
                    " (z " + (flat ? "n/a" : Num(z, 1)) + ")";
    alert.details = {{"direction", drop ? "drop" : "surge"},
                     {"window_reviews", count},
                     {"baseline_mean", Round4(mean)},
                     {"baseline_stddev", Round4(stddev)},
                     {"baseline_buckets", counts.size() - 1},
                     {"baseline_period_seconds", period / kSecond},
                     {"z_score", flat ? nlohmann::json(nullptr) : nlohmann::json(Round4(z))}};
    alert.rule = drop ? "ArgusThroughputDrop" : "ArgusThroughputSurge";
    alert.evidence = {"reviews in the last " + FormatDuration(window_), Evidence::Unit::kCount, count, mean,
                      drop ? DropThreshold(mean, stddev) : SurgeThreshold(mean, stddev)};
    out->alerts.push_back(std::move(alert));
  }

  // The count at or below which the window is a drop: drop_ratio of the
  // mean, and a z-score at most drop_z (unless the baseline is flat).
  double DropThreshold(double mean, double stddev) const {
    const double by_ratio = drop_ratio_ * mean;
    return stddev < kTolerance ? by_ratio : std::max(0.0, std::min(by_ratio, mean + drop_z_ * stddev));
  }

  // The count at or above which the window is a surge: surge_ratio of the
  // mean, a z-score at least surge_z (unless flat) and surge_min_count.
  double SurgeThreshold(double mean, double stddev) const {
    const double by_ratio = std::max(surge_min_, surge_ratio_ * mean);
    return stddev < kTolerance ? by_ratio : std::max(by_ratio, mean + surge_z_ * stddev);
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
