#include "exporter/cli/cli.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>

#include <csignal>
#include <pthread.h>

#include "exporter/engine/backtest.h"
#include "exporter/engine/config.h"
#include "exporter/cli/demo.h"
#include "exporter/engine/engine.h"
#include "exporter/serve/exporter.h"
#include "exporter/engine/failure_report.h"
#include "exporter/serve/http_server.h"
#include "exporter/serve/pipelines.h"
#include "exporter/engine/incremental_engine.h"
#include "exporter/base/log.h"
#include "exporter/engine/rules.h"
#include "exporter/base/version.h"
#include "exporter/source/sqlite_connection.h"
#include "exporter/source/open_source.h"
#include "exporter/source/sqlite_source.h"
#include "exporter/serve/web_config.h"

namespace argus {
namespace {

constexpr const char* kProgram = "argus_exporter";
// Strings from the database may hold any bytes; JSON output replaces what is
// not UTF-8 rather than failing.
constexpr auto kReplaceInvalidUtf8 = nlohmann::json::error_handler_t::replace;

Millis WallClock() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string PipelineNames(const Config& config) {
  std::string names;
  for (const Config& p : config.pipelines) names += (names.empty() ? "" : ", ") + p.pipeline;
  return names;
}

// Flags every subcommand shares.
struct CommonFlags {
  std::string db;
  std::string config_path;
  std::string now_text;
  std::string pipeline;
  bool one_pipeline = false;  // a subcommand that reads one pipeline

  void Add(CLI::App* app, bool with_config = true, bool pick_pipeline = false) {
    one_pipeline = pick_pipeline;
    if (pick_pipeline) {
      app->add_option("--pipeline", pipeline,
                      "with pipelines: in the config, the one to read (needed when it lists several)");
    }
    app->add_option("--db", db, "the pipeline's database: the path of a SQLite file, or a PostgreSQL connection URI (postgresql://user@host/db)");
    if (with_config) app->add_option("--config", config_path, "YAML config file");
    app->add_option("--now", now_text,
                    "evaluate as of this instant (ISO-8601 or Unix seconds) instead of the clock");
  }

  // Loads the config and applies the flags over it.
  Status Resolve(Config* config, Millis* now) const {
    if (!config_path.empty()) {
      if (Status s = LoadConfig(config_path, config); !s.ok()) return s;
    }
    if (!config->pipelines.empty()) {
      if (!db.empty()) {
        return Status::Error("--db: the config lists pipelines: (" + PipelineNames(*config) +
                             "); each has its database there");
      }
      if (one_pipeline) {
        if (pipeline.empty() && config->pipelines.size() > 1) {
          return Status::Error("the config lists several pipelines (" + PipelineNames(*config) +
                               "): pick one with --pipeline NAME");
        }
        auto it = std::find_if(config->pipelines.begin(), config->pipelines.end(), [&](const Config& p) {
          return pipeline.empty() || p.pipeline == pipeline;
        });
        if (it == config->pipelines.end()) {
          return Status::Error("--pipeline: no pipeline named '" + pipeline + "' in the config (" +
                               PipelineNames(*config) + ")");
        }
        Config picked = std::move(*it);
        *config = std::move(picked);
      }
    } else if (!pipeline.empty()) {
      return Status::Error("--pipeline: the config lists no pipelines:");
    }
    if (!db.empty()) config->database = db;
    *now = WallClock();
    if (!now_text.empty()) {
      auto parsed = ParseTimestamp(now_text);
      if (!parsed) {
        return Status::Error("--now: '" + now_text +
                             "' is not a timestamp (ISO-8601 or Unix seconds)");
      }
      *now = *parsed;
    }
    return Status::Ok();
  }
};

// --web.external-url over the config's external_url.
Status ApplyExternalUrl(const std::string& flag, Config* config) {
  if (flag.empty()) return Status::Ok();
  config->external_url = NormalizeExternalUrl(flag);
  if (config->external_url.empty()) {
    return Status::Error("--web.external-url: '" + flag +
                         "' is not an http:// or https:// URL with a host and an optional path "
                         "(no query or fragment)");
  }
  return Status::Ok();
}

int Fail(std::ostream& err, const std::string& message) {
  err << kProgram << ": " << message << "\n";
  return kExitUnknown;
}

void PrintText(const CycleResult& r, std::ostream& out) {
  const char* state = r.Count(Severity::kCritical)  ? "CRITICAL"
                      : r.any_check_failed()        ? "UNKNOWN"
                      : r.Count(Severity::kWarning) ? "WARNING"
                                                    : "OK";
  out << "ARGUS " << state << " - " << r.alerts.size() << " alerts ("
      << r.Count(Severity::kCritical) << " critical, " << r.Count(Severity::kWarning)
      << " warning, " << r.Count(Severity::kInfo) << " info) at " << FormatTimestamp(r.now)
      << "\n";
  for (const Alert& a : r.alerts) {
    out << SeverityName(a.severity) << "\t" << a.id() << "\t" << a.message << "\n";
  }
  for (const CheckRun& run : r.runs) {
    if (!run.error.empty()) out << "error\t" << run.check << "\t" << run.error << "\n";
  }
}

int ExitStatus(const CycleResult& r) {
  if (r.Count(Severity::kCritical)) return kExitCritical;
  if (r.any_check_failed()) return kExitUnknown;
  if (r.Count(Severity::kWarning)) return kExitWarning;
  return kExitOk;
}

// The configuration and instant of a subcommand that reads the database.
Status ResolveWithDatabase(const CommonFlags& flags, Config* config, Millis* now) {
  if (Status s = flags.Resolve(config, now); !s.ok()) return s;
  if (config->database.empty()) return Status::Error("no database: pass --db or set database:");
  return CheckDatabase(config->database, config->sources);
}

int RunCheck(const CommonFlags& flags, const std::string& format, std::ostream& out,
             std::ostream& err) {
  Config config;
  Millis now;
  if (Status s = ResolveWithDatabase(flags, &config, &now); !s.ok()) return Fail(err, s.message());
  const auto opened = OpenPipelineSource(config.database, config.sources, config.query_timeout);
  PipelineSource& source = *opened;
  source.SetNames(std::make_shared<NameMap>(config.names));
  // The engine is left for the process's end to reclaim: taking its window
  // state apart node by node would add about a tenth to a cold check.
  // (Kept reachable, so a leak checker does not count it.)
  static auto* kept = new std::vector<std::unique_ptr<IncrementalEngine>>;
  kept->push_back(std::make_unique<IncrementalEngine>(config, source));
  const CycleResult result = kept->back()->Run(now);
  if (format == "text") {
    PrintText(result, out);
  } else {
    out << CheckBody(result, config, source).dump(2, ' ', false, kReplaceInvalidUtf8) << "\n";
  }
  if (!result.database_ok()) err << kProgram << ": " << result.database_error << "\n";
  return ExitStatus(result);
}

int RunReport(const CommonFlags& flags, const std::string& agent, int hours, std::ostream& out,
              std::ostream& err) {
  Config config;
  Millis now;
  if (Status s = ResolveWithDatabase(flags, &config, &now); !s.ok()) return Fail(err, s.message());
  const auto opened = OpenPipelineSource(config.database, config.sources, config.query_timeout);
  PipelineSource& source = *opened;
  source.SetNames(std::make_shared<NameMap>(config.names));
  FailureReportResult r = BuildFailureReport(source, config, agent, hours, now);
  if (!r.status.ok()) return Fail(err, r.status.message());
  out << r.report.dump(2, ' ', false, kReplaceInvalidUtf8) << "\n";
  return kExitOk;
}

struct BacktestFlags {
  std::string from, to, step = "1h", format = "text";
};

int RunBacktestCommand(const CommonFlags& flags, const BacktestFlags& b, std::ostream& out,
                       std::ostream& err) {
  Config config;
  Millis unused;
  if (Status s = ResolveWithDatabase(flags, &config, &unused); !s.ok()) return Fail(err, s.message());
  BacktestOptions options;
  auto from = ParseTimestamp(b.from), to = ParseTimestamp(b.to);
  auto step = ParseDuration(b.step);
  if (!from) return Fail(err, "--from: '" + b.from + "' is not a timestamp (ISO-8601 or Unix seconds)");
  if (!to) return Fail(err, "--to: '" + b.to + "' is not a timestamp (ISO-8601 or Unix seconds)");
  if (!step || *step < kMinute) return Fail(err, "--step: '" + b.step + "' is not a duration of 1m or more");
  if (*to < *from) return Fail(err, "--to is before --from");
  if ((*to - *from) / *step > 200000) {
    return Fail(err, "--step: more than 200,000 evaluations from --from to --to; take a longer step");
  }
  options.from = *from;
  options.to = *to;
  options.step = *step;
  const auto opened = OpenPipelineSource(config.database, config.sources, config.query_timeout);
  PipelineSource& source = *opened;
  source.SetNames(std::make_shared<NameMap>(config.names));
  const BacktestResult r = RunBacktest(config, source, options);
  if (!r.status.ok()) return Fail(err, r.status.message());
  if (b.format == "json") {
    out << BacktestJson(r, config).dump(2, ' ', false, kReplaceInvalidUtf8) << "\n";
  } else {
    out << BacktestText(r, config);
  }
  return kExitOk;
}

int RunDemo(const CommonFlags& flags, DemoOptions options, bool no_plants, std::ostream& out,
            std::ostream& err) {
  Config config;
  if (Status s = flags.Resolve(&config, &options.now); !s.ok()) return Fail(err, s.message());
  if (flags.db.empty()) return Fail(err, "demo: --db PATH is required");
  options.path = flags.db;
  options.plants = !no_plants;
  if (Status s = WriteDemo(options); !s.ok()) return Fail(err, s.message());
  out << "wrote demo pipeline " << options.path << " (" << options.agents << " agents, "
      << options.days << " days up to " << FormatTimestamp(options.now) << ")\n";
  return kExitOk;
}

struct ServeFlags {
  std::string listen_address;
  std::string interval;
  std::string log_level = "info";
  std::string web_config_file;
  std::string external_url, route_prefix;
  bool enable_lifecycle = false;

  // The serving configuration: the config file with the flags over it, as
  // at start and at every reload.
  Status Resolve(const CommonFlags& common, Config* config, Millis* now) const {
    if (Status s = common.Resolve(config, now); !s.ok()) return s;
    if (config->pipelines.empty()) {
      if (config->database.empty()) return Status::Error("no database: pass --db or set database: (or pipelines:)");
      if (Status s = CheckDatabase(config->database, config->sources); !s.ok()) return s;
    }
    for (const Config& p : config->pipelines) {
      if (Status s = CheckDatabase(p.database, p.sources); !s.ok()) {
        return Status::Error("pipelines[" + p.pipeline + "]." + s.message());
      }
    }
    if (!listen_address.empty()) config->listen_address = listen_address;
    if (Status s = ApplyExternalUrl(external_url, config); !s.ok()) return s;
    if (!interval.empty()) {
      auto parsed = ParseDuration(interval);
      if (!parsed || *parsed < kMinInterval) {
        return Status::Error("--interval: '" + interval + "' is not a duration of " +
                             FormatDuration(kMinInterval) + " or more");
      }
      config->interval = *parsed;
    }
    // The flags are over the whole configuration: each pipeline's too.
    for (Config& p : config->pipelines) {
      p.interval = config->interval;
      p.external_url = config->external_url;
      p.listen_address = config->listen_address;
    }
    return Status::Ok();
  }

  // Where the endpoints answer (--web.route-prefix, by default the path of
  // the external URL) and where links point.
  Status Paths(const Config& config, WebPaths* paths) const {
    paths->base = ExternalPath(config.external_url);
    // A route prefix and no external URL: the links go where the
    // endpoints are.
    const bool external_given = !external_url.empty() || config.external_url != Config().external_url;
    std::string prefix = route_prefix.empty() ? paths->base : route_prefix;
    if (prefix.empty() || prefix[0] != '/' || prefix.find_first_of("?#% \"\\") != std::string::npos ||
        prefix.find("//") != std::string::npos) {
      return Status::Error("--web.route-prefix: '" + route_prefix +
                           "' is not a path starting with '/' (e.g. /argus)");
    }
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    paths->route_prefix = prefix;
    if (!external_given) paths->base = prefix + "/";
    return Status::Ok();
  }

  // The users of --web.config.file (none without it).
  Status Auth(std::shared_ptr<const BasicAuth>* auth) const {
    WebConfig web;
    if (!web_config_file.empty()) {
      if (Status s = LoadWebConfig(web_config_file, &web); !s.ok()) return s;
    }
    *auth = std::make_shared<const BasicAuth>(std::move(web));
    return Status::Ok();
  }
};

std::unique_ptr<PipelineSource> OpenSource(const Config& config, Logger& log) {
  auto source = OpenPipelineSource(config.database, config.sources, config.query_timeout);
  if (Status s = source->Validate(); !s.ok()) {
    log.Error("database not readable yet; serving anyway and retrying every cycle",
              {{"err", s.message()}});
  }
  return source;
}

// The configurations of the pipelines `config` names: its `pipelines:`,
// or itself as the one pipeline of `database:`.
std::vector<Config> PipelineConfigs(Config config) {
  std::vector<Config> out;
  if (config.pipelines.empty()) {
    out.push_back(std::move(config));
  } else {
    out = std::move(config.pipelines);
  }
  return out;
}

int RunServe(const CommonFlags& flags, const ServeFlags& serve, std::ostream& err) {
  Config config;
  Millis now;
  if (Status s = serve.Resolve(flags, &config, &now); !s.ok()) return Fail(err, s.message());
  std::shared_ptr<const BasicAuth> auth;
  if (Status s = serve.Auth(&auth); !s.ok()) return Fail(err, s.message());
  auto level = ParseLogLevel(serve.log_level);
  if (!level) return Fail(err, "--log.level: must be debug, info, warn or error");
  Logger log(err, *level);
  WebPaths paths;
  if (Status s = serve.Paths(config, &paths); !s.ok()) return Fail(err, s.message());

  // Signals are taken by this thread alone (sigwait below), never by the
  // server's or the loops' threads.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string listen = config.listen_address;
  std::string db;
  for (const Config& p : config.pipelines) db += (db.empty() ? "" : ", ") + p.pipeline + "=" + DatabaseForDisplay(p.database);
  if (config.pipelines.empty()) db = DatabaseForDisplay(config.database);
  const Millis interval = config.interval;
  std::optional<Millis> fixed_now;
  if (!flags.now_text.empty()) fixed_now = now;
  // One exporter per pipeline, each logging with its pipeline's name.
  std::vector<std::unique_ptr<Logger>> loggers;
  std::map<std::string, Logger*> logger_of;
  std::vector<Pipelines::Member> members;
  for (Config& c : PipelineConfigs(std::move(config))) {
    Logger* l = &log;
    if (!c.pipeline.empty()) {
      loggers.push_back(std::make_unique<Logger>(log, Logger::Fields{{"pipeline", c.pipeline}}));
      l = loggers.back().get();
    }
    logger_of[c.pipeline] = l;
    auto source = OpenSource(c, *l);
    std::string name = c.pipeline;
    members.push_back({std::move(name), std::make_shared<Exporter>(std::move(c), std::move(source), fixed_now, *l)});
  }
  auto pipelines = std::make_shared<Pipelines>(std::move(members));
  HttpServer server(pipelines, log);
  server.SetAuth(auth);
  server.SetPaths(paths);

  // SIGHUP and POST /-/reload: the config file and the web config file are
  // read again; either one bad refuses the whole reload, and the running
  // configuration stays. Each pipeline takes its own part; pipelines added
  // or removed take effect at the next restart.
  std::mutex reload_mu;
  auto reload = [&](const char* trigger) -> Status {
    std::lock_guard lock(reload_mu);
    Config fresh;
    Millis unused;
    std::shared_ptr<const BasicAuth> fresh_auth;
    Status s = serve.Resolve(flags, &fresh, &unused);
    if (s.ok()) s = serve.Auth(&fresh_auth);
    if (s.ok() && fresh.pipelines.empty() == pipelines->labelled()) {
      s = Status::Error(fresh.pipelines.empty()
                            ? "the config now has database: instead of pipelines:; that takes a restart"
                            : "the config now has pipelines: instead of database:; that takes a restart");
    }
    if (!s.ok()) {
      log.Error("configuration reload refused; the previous configuration stays in force",
                {{"trigger", trigger}, {"err", s.message()}});
      for (const auto& m : pipelines->members()) m.exporter->ReloadFailed();
      return s;
    }
    if (fresh.listen_address != listen) {
      log.Warn("listen_address changed; it takes effect at the next restart",
               {{"listening", listen}, {"configured", fresh.listen_address}});
    }
    if (WebPaths fresh_paths; serve.Paths(fresh, &fresh_paths).ok() &&
                              (fresh_paths.base != paths.base || fresh_paths.route_prefix != paths.route_prefix)) {
      log.Warn("external_url changed; the pages' links and route prefix change at the next restart",
               {{"serving_under", paths.route_prefix + "/"}, {"configured", fresh.external_url}});
    }
    std::vector<Config> fresh_configs = PipelineConfigs(std::move(fresh));
    std::string fresh_db;
    for (const auto& m : pipelines->members()) {
      auto it = std::find_if(fresh_configs.begin(), fresh_configs.end(),
                             [&](const Config& c) { return c.pipeline == m.name; });
      if (it == fresh_configs.end()) {
        log.Warn("pipeline no longer configured; it is removed at the next restart", {{"pipeline", m.name}});
        continue;
      }
      const std::shared_ptr<const Config> current = m.exporter->config();
      std::unique_ptr<PipelineSource> new_source;
      // Other names: read everything again, mapped anew.
      if (it->database != current->database || it->sources != current->sources ||
          it->query_timeout != current->query_timeout || !(it->names == current->names)) {
        new_source = OpenSource(*it, *logger_of[m.name]);
      }
      fresh_db += (fresh_db.empty() ? "" : ", ") + (m.name.empty() ? "" : m.name + "=") +
                  DatabaseForDisplay(it->database);
      m.exporter->Reload(std::move(*it), std::move(new_source));
      fresh_configs.erase(it);
    }
    for (const Config& added : fresh_configs) {
      log.Warn("pipeline added; it is read from the next restart", {{"pipeline", added.pipeline}});
    }
    server.SetAuth(fresh_auth);
    log.Info("configuration reloaded", {{"trigger", trigger}, {"db", fresh_db}});
    return Status::Ok();
  };
  if (serve.enable_lifecycle) server.EnableLifecycle([&] { return reload("http"); });
  if (Status s = server.Start(listen); !s.ok()) return Fail(err, s.message());
  log.Info("listening", {{"address", listen},
                         {"port", std::to_string(server.port())},
                         {"db", db},
                         {"interval", FormatDuration(interval)},
                         {"auth", auth->enabled() ? "basic" : "none"},
                         {"lifecycle", serve.enable_lifecycle ? "enabled" : "disabled"}});
  pipelines->Start();
  int sig = 0;
  while (sigwait(&signals, &sig) == 0) {
    if (sig == SIGHUP) {
      reload("SIGHUP");
      continue;
    }
    break;
  }
  log.Info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  // A query still running (or a long one a /check started) is interrupted,
  // so shutdown never waits for it.
  InterruptReads();
  server.Stop();
  pipelines->Stop();
  return kExitOk;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Argus: watches an AI-agent pipeline's SQLite database, runs seven detections "
               "and publishes them to Prometheus, Alertmanager and Grafana.",
               kProgram};
  app.require_subcommand(0, 1);

  CommonFlags check_flags, report_flags, demo_flags;
  std::string format = "json";
  CLI::App* check = app.add_subcommand(
      "check", "run every check once and print the alerts; exit 0 ok, 1 warning, 2 critical, "
               "3 could not run");
  check_flags.Add(check, true, true);
  check->add_option("--format", format, "json (the /check body) or text")
      ->check(CLI::IsMember({"json", "text"}));

  std::string agent;
  int hours = kDefaultReportHours;
  CLI::App* report = app.add_subcommand("report", "print one agent's failure report as JSON");
  report_flags.Add(report, true, true);
  report->add_option("agent", agent, "the agent")->required();
  report->add_option("--hours", hours, "lookback in hours, 1 to 720")
      ->check(CLI::Range(kMinReportHours, kMaxReportHours));

  DemoOptions demo_options;
  bool no_plants = false;
  CLI::App* demo = app.add_subcommand(
      "demo", "write a realistic demo pipeline with one planted case of each detection");
  demo_flags.Add(demo, false);
  demo->add_option("--agents", demo_options.agents, "agents, at least 6")
      ->check(CLI::Range(6, 10000));
  demo->add_option("--days", demo_options.days, "days of history up to --now, at least 8")
      ->check(CLI::Range(8, 3650));
  demo->add_option("--rate", demo_options.rate,
                   "submissions per agent per hour (with planted cases: 1 to 60; 2 to 12 for a "
                   "working week)")
      ->check(CLI::Range(0.01, 60.0));
  demo->add_option("--seed", demo_options.seed, "random seed");
  demo->add_flag("--no-plants", no_plants, "a healthy pipeline on which no check fires");
  demo->add_option("--profile", demo_options.profile,
                   "steady (work at every hour) or working-week (weekdays 08:00-20:00 UTC with a "
                   "10:00-12:00 rush; 35 days of history unless --days says otherwise)")
      ->check(CLI::IsMember({"steady", "working-week"}));
  demo->add_flag("--force", demo_options.force, "replace an existing file");

  CommonFlags serve_flags;
  ServeFlags serve_options;
  CLI::App* serve = app.add_subcommand(
      "serve", "run the exporter: checks every --interval, /metrics, the JSON API and a "
               "status page (the default when no subcommand is given)");
  serve_flags.Add(serve);
  serve->add_option("--web.listen-address", serve_options.listen_address,
                    "HOST:PORT to listen on (default :27487; port 0 picks a free one)");
  serve->add_option("--interval", serve_options.interval, "how often to run the checks (60s)");
  serve->add_option("--log.level", serve_options.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  serve->add_option("--web.config.file", serve_options.web_config_file,
                    "exporter-toolkit web config: basic_auth_users (bcrypt hashes); "
                    "see docs/deployment.md");
  serve->add_flag("--web.enable-lifecycle", serve_options.enable_lifecycle,
                  "enable POST /-/reload (SIGHUP always reloads)");
  serve->add_option("--web.external-url", serve_options.external_url,
                    "the URL people reach Argus at, e.g. https://ops.example/argus/ behind a proxy "
                    "(links on the pages start with its path; default: external_url of the config)");
  serve->add_option("--web.route-prefix", serve_options.route_prefix,
                    "the path prefix the endpoints answer under (default: the path of "
                    "--web.external-url)");

  CommonFlags backtest_flags;
  BacktestFlags backtest_options;
  CLI::App* backtest = app.add_subcommand(
      "backtest", "replay the database's history through the checks, step by step, and print "
                  "the alert episodes (for tuning thresholds before deploying)");
  backtest_flags.Add(backtest, true, true);  // --now is accepted; --from and --to set the instants
  backtest->add_option("--from", backtest_options.from, "first evaluation instant (ISO-8601 or Unix seconds)")
      ->required();
  backtest->add_option("--to", backtest_options.to, "last evaluation instant")->required();
  backtest->add_option("--step", backtest_options.step, "time between evaluations (1h)");
  backtest->add_option("--format", backtest_options.format, "text (a timeline) or json")
      ->check(CLI::IsMember({"json", "text"}));

  std::string rules_config, rules_external_url, unused_now;
  CLI::App* rules = app.add_subcommand(
      "rules", "print the Prometheus alerting rules for the configuration");
  rules->add_option("--config", rules_config, "YAML config file");
  rules->add_option("--web.external-url", rules_external_url,
                    "Argus's URL for the status_url annotations (default: external_url of the config)");
  auto valid_now = [](const std::string& text) {
    return ParseTimestamp(text) ? std::string() : "not a timestamp (ISO-8601 or Unix seconds)";
  };
  rules->add_option("--now", unused_now, "accepted like every subcommand; the rules do not depend on it")
      ->check(valid_now);

  CLI::App* config_cmd = app.add_subcommand(
      "config", "print the default configuration: every key, its default and its meaning");
  config_cmd->add_option("--now", unused_now, "accepted like every subcommand; the defaults do not depend on it")
      ->check(valid_now);

  bool version = false;
  app.add_flag("--version", version, "print the version and exit");

  // No subcommand means serve: `argus_exporter --db x` runs the exporter.
  std::vector<std::string> full = args;
  if (full.empty() || (full[0].rfind("-", 0) == 0 && full[0] != "--help" && full[0] != "-h" &&
                       full[0] != "--version")) {
    full.insert(full.begin(), "serve");
  }
  // The top-level help shows serve's flags too: they work without it.
  auto help = [&] {
    const std::string serve_help = serve->help();
    size_t options = serve_help.find("Options:");
    if (options == std::string::npos) options = serve_help.find("OPTIONS");
    return app.help() + "\nWithout a subcommand, " + kProgram + " runs serve with these flags:\n" +
           serve_help.substr(options == std::string::npos ? 0 : options);
  };
  std::vector<std::string> reversed(full.rbegin(), full.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << (app.get_subcommands().empty() ? help() : app.help());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << help();
      return kExitOk;
    }
    std::string message = e.what();
    return Fail(err, "error: " + message + " (see --help)");
  }
  if (version) {
    out << kProgram << " " << Version() << " (revision " << Revision() << ")\n";
    return kExitOk;
  }
  if (*check) return RunCheck(check_flags, format, out, err);
  if (*report) return RunReport(report_flags, agent, hours, out, err);
  if (*demo) {
    if (demo_options.profile == "working-week" && demo->count("--days") == 0) demo_options.days = 35;
    return RunDemo(demo_flags, demo_options, no_plants, out, err);
  }
  if (*backtest) return RunBacktestCommand(backtest_flags, backtest_options, out, err);
  if (*serve) return RunServe(serve_flags, serve_options, err);
  if (*rules) {
    Config config;
    if (!rules_config.empty()) {
      if (Status s = LoadConfig(rules_config, &config); !s.ok()) return Fail(err, s.message());
    }
    if (Status s = ApplyExternalUrl(rules_external_url, &config); !s.ok()) return Fail(err, s.message());
    out << RulesYaml(config);
    return kExitOk;
  }
  if (*config_cmd) {
    out << DefaultConfigYaml();
    return kExitOk;
  }
  out << help();
  return kExitOk;
}

}  // namespace argus
