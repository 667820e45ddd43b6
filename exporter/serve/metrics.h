#ifndef ARGUS_METRICS_H_
#define ARGUS_METRICS_H_

#include <array>
#include <vector>

#include <prometheus/metric_family.h>
#include <map>
#include <string>

#include "exporter/engine/config.h"
#include "exporter/source/name_map.h"
#include "exporter/engine/engine.h"
#include "exporter/engine/pipeline_totals.h"

namespace argus {

// What the exporter knows about itself across cycles.
struct ExporterStats {
  bool up = false;                            // database readable in the last cycle
  double last_run_seconds = 0;                // wall clock, Unix seconds
  double last_success_seconds = 0;            // last cycle without any error (0: none yet)
  std::map<std::string, Millis> check_last_success;  // per check: evaluation instant of its last good run
  std::map<std::string, double> check_errors; // cumulative, per check
  double cycles = 0;
  double database_reloads = 0;
  bool config_reload_ok = true;               // the last reload was taken (or none yet)
  double config_reload_success_seconds = 0;   // Unix seconds of the last taken (or start)
  double config_reloads_taken = 0, config_reloads_refused = 0;  // cumulative
  // Per NameKind: distinct names kept and rows whose name was folded into
  // "other" (config labels.max_values), since the source was opened.
  std::array<NameMap::Folding, 4> names{};
};

// The Prometheus text exposition of one completed cycle, built through
// prometheus-cpp (a fresh Registry, serialized by TextSerializer). Built
// once per cycle; every scrape serves the same string.
std::string RenderMetrics(const Config& config, const CycleResult& cycle,
                          const PipelineTotals& totals, const ExporterStats& stats);
// The same as metric families, every series labelled with the
// configuration's pipeline (when it has a name), to be merged with other
// pipelines' by MergedMetricsText; and their text.
std::vector<prometheus::MetricFamily> CollectMetrics(const Config& config, const CycleResult& cycle,
                                                     const PipelineTotals& totals,
                                                     const ExporterStats& stats);
std::string SerializeMetrics(const std::vector<prometheus::MetricFamily>& families);
// One exposition of several pipelines' families (one HELP and TYPE per
// family), through prometheus-cpp's TextSerializer.
std::string MergedMetricsText(const std::vector<const std::vector<prometheus::MetricFamily>*>& parts);

}  // namespace argus

#endif  // ARGUS_METRICS_H_
