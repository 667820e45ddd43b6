#ifndef ARGUS_EXPORTER_H_
#define ARGUS_EXPORTER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "exporter/engine/config.h"
#include "exporter/engine/engine.h"
#include "exporter/engine/failure_report.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/base/log.h"
#include "exporter/serve/metrics.h"
#include "exporter/engine/hourly_history.h"
#include "exporter/engine/pipeline_totals.h"

namespace argus {

// Everything one completed cycle produced, as the HTTP endpoints serve it.
// Immutable once published.
struct Published {
  CycleResult result;
  nlohmann::json check_body;  // the /check body
  std::string metrics_text;   // the /metrics body
  // The same as metric families, kept when the pipeline is one of several
  // (config `pipelines:`), for the merged /metrics.
  std::vector<prometheus::MetricFamily> metric_families;
  std::string checked_at;     // when the cycle evaluated (ISO-8601)

  // What the status page draws: the last days hour by hour, since when
  // each alert has been raised (its id's first evaluation in the run of
  // cycles raising it), and the agents seen.
  HistoryView history;
  std::map<std::string, Millis> raised_since;
  std::vector<std::string> known_agents;

  // metrics_text gzip-compressed, made once, by the first scrape that asks.
  std::shared_ptr<const std::string> MetricsGzip() const;
  // The status page for links starting `base`, rendered by `render` once,
  // for the first view that asks (every view of one cycle gets the same
  // page); another base (a second server in tests) is rendered each time.
  std::shared_ptr<const std::string> StatusPage(const std::string& base,
                                                const std::function<std::string()>& render) const;
  // That page gzip-compressed, made once, by the first view that asks.
  std::shared_ptr<const std::string> StatusPageGzip(const std::string& base,
                                                    const std::function<std::string()>& render) const;

 private:
  mutable std::once_flag gzip_once_, page_once_, page_gzip_once_;
  mutable std::shared_ptr<const std::string> metrics_gzip_, page_, page_gzip_;
  mutable std::string page_base_;
};

// The long-running heart of `argus_exporter serve`: runs a cycle (pipeline
// totals, every check, failure reports, metrics text) every interval on a
// background thread and publishes the result. RunCycle may also be called
// from request threads; calls that overlap share one run. Thread-safe.
// `source` must be safe for concurrent reads (SqliteSource is).
class Exporter {
 public:
  // `fixed_now`, when set, is the instant every cycle evaluates as of.
  Exporter(Config config, std::unique_ptr<PipelineSource> source, std::optional<Millis> fixed_now,
           Logger& log);
  ~Exporter();
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // Runs a cycle now, or waits for the one already running; returns its
  // result.
  std::shared_ptr<const Published> RunCycle();
  // The last completed cycle, or null before the first.
  std::shared_ptr<const Published> Latest() const;

  // Reads one agent's failure report as of the evaluation instant.
  FailureReportResult Report(const std::string& agent, int hours);

  // Starts and stops the background loop (Stop waits for a running cycle).
  void Start();
  void Stop();

  // The configuration in force (a reload replaces it; a copy of the pointer
  // stays valid).
  std::shared_ptr<const Config> config() const;

  // Replaces the configuration from the next cycle on, and with it the
  // source when `source` is given (a new database path or source queries);
  // then runs a cycle with it. The window state is built anew.
  void Reload(Config config, std::unique_ptr<PipelineSource> source);
  // Records a reload that was refused (the old configuration keeps running),
  // and publishes that in a new cycle's metrics.
  void ReloadFailed();

 private:
  std::shared_ptr<const Published> DoCycle();
  Millis Now() const;

  // Takes a pending reload, if any, into the cycle's own state.
  void ApplyReload();

  const std::optional<Millis> fixed_now_;
  Logger& log_;

  // Owned by the thread running DoCycle (one at a time); config_ and
  // source_ are also read, under mu_, by the request threads.
  std::shared_ptr<const Config> config_;
  std::shared_ptr<PipelineSource> source_;
  // The one reader of new rows; the engine's window state and the totals
  // are its sinks. Declared before both, so that it outlives them.
  std::unique_ptr<RowFeed> feed_;
  PipelineTotals totals_;
  HourlyHistory history_;
  std::map<std::string, Millis> raised_since_;
  std::unique_ptr<IncrementalEngine> engine_;
  ExporterStats stats_;
  int64_t replacements_seen_ = 0;
  // The next cycle reads the whole history (the first one, after a reload
  // or a replaced database); its memory is trimmed after it.
  bool read_whole_ = true;
  // What each check said in its last good run, served again (marked as
  // such) while it cannot run: Argus never answers "all clear" blind.
  struct LastGood {
    Millis at = 0;
    std::vector<Alert> alerts;
    std::vector<Sample> samples;
  };
  std::map<std::string, LastGood> last_good_;
  // Takes the good runs of `result` in, and puts the last good results of
  // the checks that could not run into it.
  void KeepLastGood(const Config& config, CycleResult& result);

  mutable std::mutex mu_;
  std::shared_ptr<const Published> latest_;
  // A reload waiting for the next cycle, and the outcome of the last one.
  std::shared_ptr<const Config> pending_config_;
  std::shared_ptr<PipelineSource> pending_source_;
  uint64_t reloads_requested_ = 0, reloads_applied_ = 0;
  bool last_reload_ok_ = true;
  double reloads_taken_ = 0, reloads_refused_ = 0;
  double last_reload_success_seconds_ = 0;
  std::optional<std::shared_future<std::shared_ptr<const Published>>> in_flight_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread loop_;
};

}  // namespace argus

#endif  // ARGUS_EXPORTER_H_
