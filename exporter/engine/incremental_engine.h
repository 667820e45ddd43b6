#ifndef ARGUS_ENGINE_INCREMENTAL_ENGINE_H_
#define ARGUS_ENGINE_INCREMENTAL_ENGINE_H_

#include <memory>
#include <string>

#include "exporter/base/log.h"
#include "exporter/engine/config.h"
#include "exporter/engine/engine.h"
#include "exporter/engine/window_state.h"
#include "exporter/source/row_feed.h"
#include "exporter/source/source.h"

namespace argus {

// Whether `config`'s source can be read by growing id: the reference
// schema's tables, or custom `sources:` declared incremental.
bool IncrementalSource(const Config& config);

// Evaluates the checks cycle after cycle at the cost of what changed: each
// Run has the row feed hand over the rows added since the last (in bounded
// batches, so no read holds the database long), folds them into a
// WindowState built with what the checks declared they need, moves the
// windows to `now`, and evaluates every check from the aggregates. The first
// Run reads only the longest window (found by the primary-key seek where
// the source allows it), or catches up on it when it joins a feed already
// running. A replaced database is read again from scratch. Sources whose
// ids cannot be trusted to grow are evaluated whole-window every cycle
// instead (RunChecks). Not thread-safe: one Run at a time.
class IncrementalEngine {
 public:
  // Keeps a copy of `config`. Reads through `feed` (shared with other
  // sinks, and then read by Run for all of them) or, without one, through
  // a feed of its own over `source`. `source`, `feed` and `log` must
  // outlive the engine.
  IncrementalEngine(const Config& config, PipelineSource& source, Logger* log = nullptr,
                    RowFeed* feed = nullptr, int64_t batch_rows = 20000);
  ~IncrementalEngine();
  IncrementalEngine(const IncrementalEngine&) = delete;
  IncrementalEngine& operator=(const IncrementalEngine&) = delete;

  CycleResult Run(Millis now);

  bool incremental() const { return incremental_; }
  // How often the feed found the database replaced.
  int64_t replacements() const { return feed_->replacements(); }
  // Rows the window state holds.
  size_t rows_kept() const { return state_ ? state_->reviews_kept() + state_->costs_kept() : 0; }

 private:
  // Folds the feed's rows into the window state.
  class StateSink : public RowSink {
   public:
    explicit StateSink(IncrementalEngine& engine) : engine_(engine) {}
    Millis Since(Millis now) const override { return now - engine_.config_.Lookback(); }
    void Submission(const SubmissionRow& row) override;
    void Review(const ReviewRow& row) override;
    void Cost(const CostRow& row) override;
    void Skipped(const SkippedRows& rows) override;
    void Restart(RestartCause cause) override;

   private:
    IncrementalEngine& engine_;
  };

  const Config config_;
  PipelineSource& source_;
  Logger* log_;
  const bool incremental_;
  const StateNeeds needs_;
  std::unique_ptr<RowFeed> own_feed_;
  RowFeed* feed_;
  StateSink sink_{*this};
  std::unique_ptr<WindowState> state_;
  SkippedRows skipped_;  // in this Run's reads
  Millis now_ = INT64_MIN;
};

}  // namespace argus

#endif  // ARGUS_ENGINE_INCREMENTAL_ENGINE_H_
