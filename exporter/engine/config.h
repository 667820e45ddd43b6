#ifndef ARGUS_CONFIG_H_
#define ARGUS_CONFIG_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exporter/engine/check.h"
#include "exporter/source/name_map.h"
#include "exporter/source/source.h"
#include "exporter/base/status.h"

namespace YAML {
class Node;
}

namespace argus {

// The shortest interval between check cycles, in the config file and on the
// command line alike.
constexpr Millis kMinInterval = kSecond;
// How long one read of the database may take before it is interrupted
// (query_timeout); its checks fail for that cycle, and the reader lock is
// let go.
constexpr Millis kDefaultQueryTimeout = 30 * kSecond;

// Everything an operator can set, with the defaults of SPEC §3. Holds one
// instance of every check (in registry order), each carrying its thresholds.
// Move-only; Clone() makes an independent copy.
struct Config {
  Config();
  Config(Config&&) = default;
  Config& operator=(Config&&) = default;
  Config Clone() const;

  std::string database;
  Millis interval = 60 * kSecond;
  Millis query_timeout = kDefaultQueryTimeout;
  std::string listen_address = ":27487";
  // Rejection reasons beyond the most frequent N are published as "other".
  double top_reasons = 10;
  SourceQueries sources;
  // Custom source queries whose id only grows as rows are appended can be
  // read incrementally too (sources.incremental: true).
  bool sources_incremental = false;
  // The Prometheus job that scrapes Argus, for the exporter-health rules.
  std::string prometheus_job = "argus";
  // Where docs/runbooks.md is published; each rule links to its section.
  // An absolute URL: notifications are read far from this host. The default
  // is where the Debian package installs the runbooks on the Argus host.
  std::string runbook_base_url = "file:///usr/share/doc/argus-exporter/runbooks.md";
  // The Grafana dashboard each alert links to (annotation dashboard_url):
  // Grafana's default address and the shipped dashboard's uid.
  std::string dashboard_url = "http://localhost:3000/d/argus-overview";
  // Where people reach Argus (its status page), as Prometheus's
  // --web.external-url: each rule's status_url annotation and every link on
  // Argus's pages start with it. Always ends in '/'.
  std::string external_url = "http://localhost:27487/";
  // How raw names become the names of agents, domains, reasons and models
  // (`labels:`): relabel rules, and how many distinct ones each keeps.
  NameRules names;
  std::vector<std::unique_ptr<Check>> checks;
  // The name of the pipeline this configuration reads (`pipelines:`), the
  // value of the `pipeline` label on its metrics and alerts; "" for the
  // one pipeline of `database:` (no label).
  std::string pipeline;
  // `pipelines:` of the config file: each one the whole configuration with
  // its own name, database, sources and check settings over the top
  // level's. Empty: the one pipeline of `database:`.
  std::vector<Config> pipelines;

  const Check* FindCheck(std::string_view id) const;
  // How far back the enabled checks read.
  Millis Lookback() const;
};

// Parses YAML text into `config` (which starts from the defaults). Refuses a
// malformed document, an unknown key, a wrong type, a non-positive duration
// or a ratio outside [0, 1], with one message naming the key and line.
Status ParseConfig(const std::string& yaml_text, Config* config);

// The default configuration as a commented YAML document: every key with
// its default and what it does. ParseConfig reads it back unchanged.
std::string DefaultConfigYaml();

// "" when every map in the document has distinct keys; otherwise which key
// appears twice and on which lines. yaml-cpp keeps both entries of a
// repeated key, and the last would silently win.
std::string DuplicateKey(const YAML::Node& root);

// What a pipeline name may be: 1 to 64 letters, digits, '_' or '-'
// (a label value, a URL path segment, a file name alike).
bool ValidPipelineName(const std::string& name);

// Checks an external URL (http:// or https://, a host, an optional path,
// no query or fragment) and returns it ending in '/'; "" when it is not one.
std::string NormalizeExternalUrl(const std::string& url);
// The path of a normalized external URL ("/" or "/argus/").
std::string ExternalPath(const std::string& url);

// Reads and parses a config file; the message names the file.
Status LoadConfig(const std::string& path, Config* config);

// Reads the file at `path` whole and hands its text to `parse`; a failure
// names the file (and `kind` when it cannot be read).
Status LoadYamlFile(const std::string& path, const std::string& kind,
                    const std::function<Status(const std::string&)>& parse);

}  // namespace argus

#endif  // ARGUS_CONFIG_H_
