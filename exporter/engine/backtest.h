#ifndef ARGUS_ENGINE_BACKTEST_H_
#define ARGUS_ENGINE_BACKTEST_H_

// Replays a pipeline's history through the detections: the incremental
// engine is stepped from one instant to the next, each step seeing only the
// rows written by then, in one pass over the rows (not a cold check per
// step), and the alerts are gathered into episodes.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exporter/base/alert.h"
#include "exporter/base/status.h"
#include "exporter/engine/config.h"
#include "exporter/source/source.h"

namespace argus {

struct BacktestOptions {
  // Evaluation instants: from, from + step, ... up to to (to itself when
  // it is a whole number of steps after from).
  Millis from = 0, to = 0;
  Millis step = 3600 * 1000;
};

// A run of consecutive evaluations raising the same alert id.
struct Episode {
  std::string id, check;
  Severity severity = Severity::kInfo;  // the worst of the run
  Millis start = 0, end = 0;            // its first and last evaluation
  int64_t evaluations = 0;
};

struct BacktestResult {
  Status status;  // an evaluation that could not read the database stops the replay
  BacktestOptions options;
  int64_t evaluations = 0;
  std::vector<Episode> episodes;  // by start, then id
};

// Replays `source` from options.from to options.to. A row counts from its
// id on: each step reads the rows whose ids are at most the largest id of
// a row stamped at or before the step (found in one pass before the
// replay), so a history written in time order is seen as it was written.
BacktestResult RunBacktest(const Config& config, PipelineSource& source,
                           const BacktestOptions& options);

// {"from","to","step_seconds","evaluations","episodes":[...],"by_check":{...}}
nlohmann::json BacktestJson(const BacktestResult& result, const Config& config);
// A timeline for a person: one line per episode, then a line per check.
std::string BacktestText(const BacktestResult& result, const Config& config);

}  // namespace argus

#endif  // ARGUS_ENGINE_BACKTEST_H_
