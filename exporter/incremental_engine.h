#ifndef ARGUS_INCREMENTAL_ENGINE_H_
#define ARGUS_INCREMENTAL_ENGINE_H_

#include <map>
#include <memory>
#include <string>

#include "config.h"
#include "engine.h"
#include "log.h"
#include "source.h"
#include "window_state.h"

namespace argus {

// Evaluates the checks cycle after cycle at the cost of what changed: each
// Run reads only the rows with ids above those already read (in bounded
// batches, so no read holds the database long), folds them into a
// WindowState, moves the windows to `now`, and evaluates every check from
// the aggregates. The first Run reads only the longest window (found by the
// primary-key seek where the source allows it). A replaced database (another
// file, or ids lower than those read) is read again from scratch. Sources
// whose ids cannot be trusted to grow (custom `sources:` queries, unless
// `sources.incremental: true`) are evaluated whole-window every cycle
// instead. Not thread-safe: one Run at a time.
class IncrementalEngine {
 public:
  // Keeps a copy of `config`; `source` and `log` must outlive the engine.
  IncrementalEngine(const Config& config, PipelineSource& source, Logger* log = nullptr,
                    int64_t batch_rows = 20000);

  CycleResult Run(Millis now);

  bool incremental() const { return incremental_; }
  int64_t reloads() const { return reloads_; }
  // Rows the window state holds.
  size_t rows_kept() const { return state_ ? state_->reviews_kept() + state_->costs_kept() : 0; }

 private:
  void Reset(const std::string& why);
  // Reads every new row of the three tables into the state.
  // `fresh`: which tables have ids above those read (from MaxIds).
  TableErrors ReadNewRows(Millis now, bool cold, const bool fresh[3]);

  const Config config_;
  PipelineSource& source_;
  Logger* log_;
  const int64_t batch_rows_;
  const bool incremental_;
  std::unique_ptr<WindowState> state_;
  int64_t last_submission_ = -1, last_review_ = -1, last_cost_ = -1;
  std::string generation_;
  Millis last_now_ = INT64_MIN;
  int64_t reloads_ = 0;
};

}  // namespace argus

#endif  // ARGUS_INCREMENTAL_ENGINE_H_
