#include "exporter/serve/exporter.h"

#include <malloc.h>

#include "exporter/source/sqlite_connection.h"

#include <chrono>

#include "exporter/base/gzip.h"

namespace argus {
namespace {

Millis WallClockMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::shared_ptr<const std::string> Published::MetricsGzip() const {
  std::call_once(gzip_once_, [this] { metrics_gzip_ = std::make_shared<const std::string>(Gzip(metrics_text)); });
  return metrics_gzip_;
}

std::shared_ptr<const std::string> Published::StatusPage(const std::string& base,
                                                         const std::function<std::string()>& render) const {
  std::call_once(page_once_, [&] {
    page_base_ = base;
    page_ = std::make_shared<const std::string>(render());
  });
  return base == page_base_ ? page_ : std::make_shared<const std::string>(render());
}

std::shared_ptr<const std::string> Published::StatusPageGzip(const std::string& base,
                                                             const std::function<std::string()>& render) const {
  const std::shared_ptr<const std::string> page = StatusPage(base, render);
  if (page != page_) return std::make_shared<const std::string>(Gzip(*page));
  std::call_once(page_gzip_once_, [&] { page_gzip_ = std::make_shared<const std::string>(Gzip(*page_)); });
  return page_gzip_;
}

Exporter::Exporter(Config config, std::unique_ptr<PipelineSource> source,
                   std::optional<Millis> fixed_now, Logger& log)
    : fixed_now_(fixed_now),
      log_(log),
      config_(std::make_shared<const Config>(std::move(config))),
      source_(std::move(source)),
      feed_((source_->SetNames(std::make_shared<NameMap>(config_->names)),
             std::make_unique<RowFeed>(*source_, IncrementalSource(*config_)))),
      totals_(static_cast<size_t>(config_->top_reasons)),
      last_reload_success_seconds_(static_cast<double>(WallClockMillis()) / kSecond) {
  feed_->Join(&totals_);
  feed_->Join(&history_);
  engine_ = std::make_unique<IncrementalEngine>(*config_, *source_, &log_, feed_.get());
}

Exporter::~Exporter() { Stop(); }

Millis Exporter::Now() const { return fixed_now_ ? *fixed_now_ : WallClockMillis(); }

std::shared_ptr<const Published> Exporter::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

std::shared_ptr<const Published> Exporter::RunCycle() {
  std::unique_lock lock(mu_);
  if (in_flight_) {
    auto shared = *in_flight_;
    lock.unlock();
    return shared.get();
  }
  std::promise<std::shared_ptr<const Published>> promise;
  in_flight_ = promise.get_future().share();
  lock.unlock();

  std::shared_ptr<const Published> published = DoCycle();

  lock.lock();
  latest_ = published;
  in_flight_.reset();
  lock.unlock();
  promise.set_value(published);
  return published;
}

std::shared_ptr<const Config> Exporter::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void Exporter::Reload(Config config, std::unique_ptr<PipelineSource> source) {
  uint64_t wanted;
  {
    std::lock_guard lock(mu_);
    pending_config_ = std::make_shared<const Config>(std::move(config));
    pending_source_ = std::move(source);
    wanted = ++reloads_requested_;
  }
  wake_.notify_all();
  // A cycle already running started with the old configuration; the next
  // one takes the new.
  while (true) {
    RunCycle();
    std::lock_guard lock(mu_);
    if (reloads_applied_ >= wanted) return;
  }
}

void Exporter::ReloadFailed() {
  {
    std::lock_guard lock(mu_);
    last_reload_ok_ = false;
    reloads_refused_ += 1;
  }
  RunCycle();
}

void Exporter::ApplyReload() {
  std::unique_lock lock(mu_);
  if (!pending_config_) return;
  std::shared_ptr<const Config> config = std::move(pending_config_);
  std::shared_ptr<PipelineSource> source = std::move(pending_source_);
  const uint64_t applied = reloads_requested_;
  lock.unlock();
  // The old engine leaves the feed before a new feed (a new source) or a
  // new engine takes its place.
  engine_.reset();
  if (source || IncrementalSource(*config) != IncrementalSource(*config_)) {
    // Another database, or ids now trusted to grow or no longer:
    // everything is read and counted afresh.
    if (source) source->SetNames(std::make_shared<NameMap>(config->names));
    feed_ = std::make_unique<RowFeed>(source ? *source : *source_, IncrementalSource(*config));
    totals_ = PipelineTotals(static_cast<size_t>(config->top_reasons));
    feed_->Join(&totals_);
    history_ = HourlyHistory();
    feed_->Join(&history_);
    replacements_seen_ = 0;
    if (source) {  // another database: what was kept says nothing of it
      last_good_.clear();
      stats_.check_last_success.clear();
      stats_.names = {};
    }
  } else if (config->top_reasons != config_->top_reasons) {
    // Other labels: the totals alone are counted afresh.
    totals_ = PipelineTotals(static_cast<size_t>(config->top_reasons));
    feed_->Rejoin(&totals_);
  }
  // A check disabled or set otherwise: its last good run is not what it
  // would say now.
  for (const auto& check : config->checks) {
    const Check* before = config_->FindCheck(check->id());
    if (!check->enabled || !before || !SameSettings(*check, *before)) {
      last_good_.erase(std::string(check->id()));
      if (!check->enabled) stats_.check_last_success.erase(std::string(check->id()));
    }
  }
  // Built outside the lock: the engine logs its own warnings. It catches
  // up on its windows at its first cycle.
  auto engine =
      std::make_unique<IncrementalEngine>(*config, source ? *source : *source_, &log_, feed_.get());
  lock.lock();
  config_ = std::move(config);
  if (source) source_ = std::move(source);
  last_reload_ok_ = true;
  reloads_taken_ += 1;
  last_reload_success_seconds_ = static_cast<double>(WallClockMillis()) / kSecond;
  reloads_applied_ = applied;
  lock.unlock();
  engine_ = std::move(engine);
  read_whole_ = true;
}

std::shared_ptr<const Published> Exporter::DoCycle() {
  ApplyReload();
  const Millis now = Now();
  auto published = std::make_shared<Published>();
  const Config& config = *config_;  // only this thread replaces it
  // The engine has the feed hand the new rows to the totals too.
  published->result = engine_->Run(now);
  CycleResult& result = published->result;
  if (feed_->replacements() > replacements_seen_) {
    read_whole_ = true;
    log_.Warn("database replaced; counting its rows again");
    stats_.database_reloads += double(feed_->replacements() - replacements_seen_);
    replacements_seen_ = feed_->replacements();
  }
  KeepLastGood(config, result);
  history_.Forget(now);
  published->history = ViewOf(history_, now);
  std::map<std::string, Millis> raised_since;
  for (const Alert& a : result.alerts) {
    auto before = raised_since_.find(a.id());
    raised_since[a.id()] = before == raised_since_.end() ? now : std::min(before->second, now);
  }
  raised_since_ = raised_since;
  published->raised_since = std::move(raised_since);
  published->check_body = CheckBody(result, config, *source_);
  published->checked_at = FormatTimestamp(now);

  stats_.up = result.database_ok();
  stats_.cycles += 1;
  stats_.last_run_seconds = static_cast<double>(WallClockMillis()) / kSecond;
  for (const CheckRun& run : result.runs) {
    if (!run.error.empty()) stats_.check_errors[run.check] += 1;
    if (run.error.empty()) stats_.check_last_success[run.check] = now;
  }
  if (result.database_ok() && !result.any_check_failed()) {
    stats_.last_success_seconds = stats_.last_run_seconds;
  }
  {
    std::lock_guard lock(mu_);
    stats_.config_reload_ok = last_reload_ok_;
    stats_.config_reload_success_seconds = last_reload_success_seconds_;
    stats_.config_reloads_taken = reloads_taken_;
    stats_.config_reloads_refused = reloads_refused_;
  }
  if (const NameMap* names = source_->names()) {
    for (size_t k = 0; k < kNameKinds.size(); ++k) {
      const NameMap::Folding f = names->folding(static_cast<NameKind>(k));
      // Said once per source, when the first name is folded.
      if (f.folded_rows > 0 && stats_.names[k].folded_rows == 0) {
        log_.Warn("more distinct names than labels.max_values allows; the rest read as 'other'",
                  {{"label", kNameKinds[k]},
                   {"max_values", std::to_string(names->rules().max_values[k])},
                   {"first_folded", f.first_folded}});
      }
      stats_.names[k] = f;
    }
  }
  if (config.pipeline.empty()) {
    published->metrics_text = RenderMetrics(config, result, totals_, stats_);
  } else {
    published->metric_families = CollectMetrics(config, result, totals_, stats_);
    published->metrics_text = SerializeMetrics(published->metric_families);
  }
  if (read_whole_ && result.database_ok()) {
    // After a cycle that read the whole history (the first, after a reload
    // or a replaced database), the reader threads' buffers go back to the
    // system instead of staying in the allocator's arenas.
    malloc_trim(0);
    read_whole_ = false;
  }
  published->known_agents = totals_.Agents();

  if (!result.database_ok() && ReadsInterrupted()) {
    log_.Info("cycle interrupted: shutting down");
  } else if (!result.database_ok()) {
    log_.Error("cycle could not read the database", {{"err", result.database_error}});
  } else {
    log_.Debug("cycle complete",
               {{"alerts", std::to_string(result.alerts.size())},
                {"critical", std::to_string(result.Count(Severity::kCritical))},
                {"warning", std::to_string(result.Count(Severity::kWarning))},
                {"duration_seconds", std::to_string(result.duration_seconds)}});
  }
  return published;
}

void Exporter::KeepLastGood(const Config& config, CycleResult& result) {
  // Which check published which gauge.
  std::map<std::string, std::string> owner;
  for (const auto& check : config.checks) {
    for (const GaugeInfo& g : check->Gauges()) owner[g.metric] = std::string(check->id());
  }
  for (const CheckRun& run : result.runs) {
    if (!run.error.empty()) continue;
    LastGood& good = last_good_[run.check];
    good = {result.now, {}, {}};
    for (const Alert& a : result.alerts) {
      if (a.check == run.check) good.alerts.push_back(a);
    }
    for (const Sample& s : result.samples) {
      if (owner[s.metric] == run.check) good.samples.push_back(s);
    }
  }
  bool kept = false;
  for (CheckRun& run : result.runs) {
    if (run.error.empty()) continue;
    auto it = last_good_.find(run.check);
    if (it == last_good_.end()) continue;
    run.kept_from = it->second.at;
    result.alerts.insert(result.alerts.end(), it->second.alerts.begin(), it->second.alerts.end());
    result.samples.insert(result.samples.end(), it->second.samples.begin(), it->second.samples.end());
    kept = true;
  }
  if (kept) SortAlerts(result.alerts);
}

FailureReportResult Exporter::Report(const std::string& agent, int hours) {
  std::shared_ptr<const Config> config;
  std::shared_ptr<PipelineSource> source;
  {
    std::lock_guard lock(mu_);
    config = config_;
    source = source_;
  }
  return BuildFailureReport(*source, *config, agent, hours, Now());
}

void Exporter::Start() {
  std::lock_guard lock(mu_);
  if (loop_.joinable()) return;
  stopping_ = false;
  loop_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      RunCycle();
      lock.lock();
      const uint64_t requested = reloads_requested_;
      // A reload wakes the loop: the new interval counts from now.
      wake_.wait_for(lock, std::chrono::milliseconds(config_->interval),
                     [&] { return stopping_ || reloads_requested_ != requested; });
    }
  });
}

void Exporter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
}

}  // namespace argus
