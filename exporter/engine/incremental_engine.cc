#include "exporter/engine/incremental_engine.h"

#include <chrono>

namespace argus {
namespace {

// What the enabled checks read, and the longest window's edge.
StateNeeds AllNeeds(const Config& config) {
  StateNeeds needs{.review_edges = {config.Lookback()}};
  for (const auto& check : config.checks) {
    if (check->enabled) needs.Merge(check->Needs());
  }
  return needs;
}

}  // namespace

bool IncrementalSource(const Config& config) {
  const SourceQueries reference;
  const SourceQueries& q = config.sources;
  return config.sources_incremental ||
         (q.submissions == reference.submissions && q.reviews == reference.reviews &&
          (q.costs == reference.costs || q.costs.empty()));
}

IncrementalEngine::IncrementalEngine(const Config& config, PipelineSource& source, Logger* log,
                                     RowFeed* feed, int64_t batch_rows)
    : config_(config.Clone()),
      source_(source),
      log_(log),
      incremental_(IncrementalSource(config)),
      needs_(AllNeeds(config)),
      own_feed_(feed ? nullptr : std::make_unique<RowFeed>(source, incremental_, batch_rows)),
      feed_(feed ? feed : own_feed_.get()) {
  if (!incremental_ && log_) {
    log_->Warn(
        "sources: replaces a table by a query; evaluating the whole windows every cycle "
        "(set sources.incremental: true if each query's id only grows as rows are appended)");
  }
  if (incremental_) feed_->Join(&sink_);
}

IncrementalEngine::~IncrementalEngine() { feed_->Leave(&sink_); }

void IncrementalEngine::StateSink::Submission(const SubmissionRow& row) {
  engine_.state_->AddActivity(row.agent, row.created_at);
}

void IncrementalEngine::StateSink::Review(const ReviewRow& row) { engine_.state_->AddReview(row); }

void IncrementalEngine::StateSink::Cost(const CostRow& row) {
  WindowState& state = *engine_.state_;
  const uint32_t agent = state.agents.Intern(row.agent);
  state.AddCost(agent, row.incurred_at, row.usd);
  state.AddActivity(agent, row.incurred_at);
}

void IncrementalEngine::StateSink::Skipped(const SkippedRows& rows) {
  engine_.skipped_.submissions += rows.submissions;
  engine_.skipped_.reviews += rows.reviews;
  engine_.skipped_.costs += rows.costs;
}

void IncrementalEngine::StateSink::Restart(RestartCause) {
  engine_.state_ = std::make_unique<WindowState>(engine_.needs_);
  engine_.state_->AdvanceTo(engine_.now_);
}

CycleResult IncrementalEngine::Run(Millis now) {
  const auto start = std::chrono::steady_clock::now();
  skipped_ = {};
  if (!incremental_) {
    CycleResult result = RunChecks(config_, source_, now);
    // Other sinks of the feed (the pipeline totals) are counted afresh.
    const RowFeed::Result read = feed_->Read(now);
    if (result.database_error.empty()) result.database_error = read.errors.Any();
    result.duration_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  const bool clock_went_back = state_ && now < now_;
  now_ = now;
  if (clock_went_back) {
    if (log_) log_->Warn("reading the database again from scratch", {{"why", "the clock went back"}});
    feed_->Rejoin(&sink_);
  }
  if (!state_) state_ = std::make_unique<WindowState>(needs_);
  // Move the windows first, so that new rows land in their segment at once.
  state_->AdvanceTo(now);
  const RowFeed::Result read = feed_->Read(now);
  // And file the rows just read in time order, in this cycle, not the next.
  state_->AdvanceTo(now);
  if (!read.replaced.empty() && log_) {
    log_->Warn("reading the database again from scratch", {{"why", read.replaced}});
  }
  CycleResult result = EvaluateChecks(config_, now, read.errors, [&](const Check& check, CheckOutput* out) {
    check.EvaluateState(*state_, out);
  });
  result.skipped = skipped_;
  result.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace argus
