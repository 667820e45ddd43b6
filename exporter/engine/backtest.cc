#include "exporter/engine/backtest.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <sstream>

#include "exporter/base/format.h"
#include "exporter/engine/incremental_engine.h"

namespace argus {
namespace {

enum { kSubmissionsBound, kReviewsBound, kCostsBound };

// The source as it was at one step: per table, only rows up to the largest
// id stamped at or before the step.
class SteppedSource : public PipelineSource {
 public:
  SteppedSource(PipelineSource& inner, std::array<std::vector<int64_t>, 3> bounds)
      : inner_(inner), bounds_(std::move(bounds)) {}

  void SetStep(size_t step) { step_ = step; }

  Status ReadSubmissions(const ReadRequest& request,
                         const std::function<void(const SubmissionRow&)>& visit,
                         ReadStats* stats) override {
    ReadRequest r = request;
    if (!Bound(kSubmissionsBound, &r)) return Status::Ok();
    return inner_.ReadSubmissions(r, visit, stats);
  }
  Status ReadReviews(const ReadRequest& request, const std::function<void(const ReviewRow&)>& visit,
                     ReadStats* stats) override {
    ReadRequest r = request;
    if (!Bound(kReviewsBound, &r)) return Status::Ok();
    return inner_.ReadReviews(r, visit, stats);
  }
  Status ReadCosts(const ReadRequest& request, const std::function<void(const CostRow&)>& visit,
                   ReadStats* stats) override {
    ReadRequest r = request;
    if (!Bound(kCostsBound, &r)) return Status::Ok();
    return inner_.ReadCosts(r, visit, stats);
  }
  Status MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) override {
    *submissions = bounds_[kSubmissionsBound][step_];
    *reviews = bounds_[kReviewsBound][step_];
    *costs = bounds_[kCostsBound][step_];
    return Status::Ok();
  }
  bool concurrent_reads() const override { return inner_.concurrent_reads(); }
  std::string Generation() override { return inner_.Generation(); }

 private:
  // Limits `r` to the step's rows; false when the table has none yet.
  bool Bound(int table, ReadRequest* r) const {
    const int64_t bound = bounds_[table][step_];
    if (bound < 0) return false;
    r->up_to_id = r->up_to_id < 0 ? bound : std::min(r->up_to_id, bound);
    return true;
  }

  PipelineSource& inner_;
  const std::array<std::vector<int64_t>, 3> bounds_;
  size_t step_ = 0;
};

// For each table and step, the largest id of a row stamped at or before
// the step (-1 when none), in one pass over every row.
Status StepBounds(PipelineSource& source, const BacktestOptions& o, size_t steps,
                  std::array<std::vector<int64_t>, 3>* out) {
  for (auto& b : *out) b.assign(steps, -1);
  auto note = [&](int table, Millis at, int64_t id) {
    if (at > o.to) return;
    const size_t step = at <= o.from ? 0 : static_cast<size_t>((at - o.from + o.step - 1) / o.step);
    if (step < steps) (*out)[table][step] = std::max((*out)[table][step], id);
  };
  ReadRequest all;
  all.details = false;
  all.times_only = true;
  ReadStats stats;
  Status s = source.ReadSubmissions(
      all, [&](const SubmissionRow& r) { note(kSubmissionsBound, r.created_at, r.id); }, &stats);
  if (s.ok()) {
    s = source.ReadReviews(all, [&](const ReviewRow& r) { note(kReviewsBound, r.reviewed_at, r.id); },
                           &stats);
  }
  if (s.ok()) {
    s = source.ReadCosts(all, [&](const CostRow& r) { note(kCostsBound, r.incurred_at, r.id); },
                         &stats);
  }
  if (!s.ok()) return s;
  for (auto& b : *out) {
    for (size_t i = 1; i < b.size(); ++i) b[i] = std::max(b[i], b[i - 1]);
  }
  return Status::Ok();
}

}  // namespace

BacktestResult RunBacktest(const Config& config, PipelineSource& source,
                           const BacktestOptions& options) {
  BacktestResult result;
  result.options = options;
  if (options.step <= 0 || options.to < options.from) {
    result.status = Status::Error("backtest: --to must not be before --from, and --step positive");
    return result;
  }
  const size_t steps = static_cast<size_t>((options.to - options.from) / options.step) + 1;
  std::array<std::vector<int64_t>, 3> bounds;
  if (Status s = StepBounds(source, options, steps, &bounds); !s.ok()) {
    result.status = s;
    return result;
  }
  SteppedSource stepped(source, std::move(bounds));
  IncrementalEngine engine(config, stepped);
  std::map<std::string, Episode> open;
  // Rows are read a day ahead, in one read rather than 24: the engine keeps
  // rows stamped after `now` aside until their time comes.
  const size_t ahead = static_cast<size_t>(std::max<Millis>(0, kDay / options.step));
  for (size_t i = 0; i < steps; ++i) {
    if (i % std::max<size_t>(1, ahead) == 0) stepped.SetStep(std::min(steps - 1, i + ahead));
    const Millis now = options.from + static_cast<Millis>(i) * options.step;
    const CycleResult r = engine.Run(now);
    if (!r.database_ok()) {
      result.status = Status::Error("backtest: at " + FormatTimestamp(now) + ": " + r.database_error);
      break;
    }
    ++result.evaluations;
    std::set<std::string> raised;
    for (const Alert& a : r.alerts) {
      const std::string id = a.id();
      raised.insert(id);
      auto [it, fresh] = open.try_emplace(id);
      Episode& e = it->second;
      if (fresh) {
        e.id = id;
        e.check = a.check;
        e.severity = a.severity;
        e.start = now;
      }
      e.severity = std::max(e.severity, a.severity);
      e.end = now;
      ++e.evaluations;
    }
    for (auto it = open.begin(); it != open.end();) {
      if (raised.count(it->first)) {
        ++it;
        continue;
      }
      result.episodes.push_back(std::move(it->second));
      it = open.erase(it);
    }
  }
  for (auto& [id, e] : open) result.episodes.push_back(std::move(e));
  std::sort(result.episodes.begin(), result.episodes.end(), [](const Episode& a, const Episode& b) {
    return a.start != b.start ? a.start < b.start : a.id < b.id;
  });
  return result;
}

namespace {

// Per check: episodes and the hours they lasted (evaluations x step).
std::map<std::string, std::pair<int64_t, double>> ByCheck(const BacktestResult& r,
                                                          const Config& config) {
  std::map<std::string, std::pair<int64_t, double>> by_check;
  for (const auto& c : config.checks) {
    if (c->enabled) by_check[std::string(c->id())] = {0, 0};
  }
  for (const Episode& e : r.episodes) {
    auto& [episodes, hours] = by_check[e.check];
    ++episodes;
    hours += double(e.evaluations) * double(r.options.step) / kHour;
  }
  return by_check;
}

}  // namespace

nlohmann::json BacktestJson(const BacktestResult& r, const Config& config) {
  nlohmann::json episodes = nlohmann::json::array();
  for (const Episode& e : r.episodes) {
    episodes.push_back({{"id", e.id},
                        {"check", e.check},
                        {"severity", SeverityName(e.severity)},
                        {"start", FormatTimestamp(e.start)},
                        {"end", FormatTimestamp(e.end)},
                        {"evaluations", e.evaluations}});
  }
  nlohmann::json by_check = nlohmann::json::object();
  for (const auto& [check, totals] : ByCheck(r, config)) {
    by_check[check] = {{"episodes", totals.first}, {"alerting_hours", totals.second}};
  }
  return {{"from", FormatTimestamp(r.options.from)},
          {"to", FormatTimestamp(r.options.to)},
          {"step_seconds", r.options.step / kSecond},
          {"evaluations", r.evaluations},
          {"episodes", std::move(episodes)},
          {"by_check", std::move(by_check)}};
}

std::string BacktestText(const BacktestResult& r, const Config& config) {
  std::ostringstream out;
  out << "backtest " << FormatTimestamp(r.options.from) << " .. " << FormatTimestamp(r.options.to)
      << ", every " << FormatDuration(r.options.step) << ": " << r.evaluations << " evaluations, "
      << r.episodes.size() << " alert episodes\n\n";
  for (const Episode& e : r.episodes) {
    const Millis lasted = e.evaluations * r.options.step;
    char line[64];
    std::snprintf(line, sizeof line, "%-8s %8s  ", std::string(SeverityName(e.severity)).c_str(),
                  FormatDuration(lasted).c_str());
    out << FormatTimestamp(e.start) << " .. " << FormatTimestamp(e.end) << "  " << line
        << ValidUtf8(e.id) << "\n";
  }
  out << "\nby check:\n";
  for (const auto& [check, totals] : ByCheck(r, config)) {
    char line[128];
    std::snprintf(line, sizeof line, "  %-26s %5lld episodes  %8.0f alerting hours\n",
                  check.c_str(), static_cast<long long>(totals.first), totals.second);
    out << line;
  }
  return out.str();
}

}  // namespace argus
