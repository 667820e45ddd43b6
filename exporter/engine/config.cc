#include "exporter/engine/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace argus {

Config::Config() : checks(AllChecks()) {}

Config Config::Clone() const {
  Config copy;
  copy.database = database;
  copy.interval = interval;
  copy.query_timeout = query_timeout;
  copy.listen_address = listen_address;
  copy.top_reasons = top_reasons;
  copy.sources = sources;
  copy.sources_incremental = sources_incremental;
  copy.prometheus_job = prometheus_job;
  copy.runbook_base_url = runbook_base_url;
  copy.dashboard_url = dashboard_url;
  copy.external_url = external_url;
  copy.names = names;
  copy.checks.clear();
  for (const auto& c : checks) copy.checks.push_back(c->Clone());
  copy.pipeline = pipeline;
  for (const Config& p : pipelines) copy.pipelines.push_back(p.Clone());
  return copy;
}

const Check* Config::FindCheck(std::string_view id) const {
  for (const auto& c : checks) {
    if (c->id() == id) return c.get();
  }
  return nullptr;
}

Millis Config::Lookback() const {
  Millis longest = 0;
  for (const auto& c : checks) {
    if (c->enabled) longest = std::max(longest, c->Lookback());
  }
  return longest;
}

namespace {

// A config error: where it is and what is wrong. Thrown only inside this
// file and turned into a Status at its edge.
struct ConfigError {
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& node, const std::string& key, const std::string& what) {
  std::string where = key;
  if (node.Mark().line >= 0) where += " (line " + std::to_string(node.Mark().line + 1) + ")";
  throw ConfigError{where + ": " + what};
}

std::string Scalar(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) Fail(node, key, "must be a single value");
  return node.Scalar();
}

double Number(const YAML::Node& node, const std::string& key) {
  const std::string text = Scalar(node, key);
  std::istringstream in(text);
  double value;
  in >> value;
  if (in.fail() || !in.eof() || !std::isfinite(value)) {
    Fail(node, key, "must be a number, not '" + text + "'");
  }
  return value;
}

Millis Duration(const YAML::Node& node, const std::string& key) {
  const std::string text = Scalar(node, key);
  auto d = ParseDuration(text);
  if (!d || *d <= 0) {
    Fail(node, key, "must be a positive duration such as 90s, 6h or 7d, not '" + text + "'");
  }
  return *d;
}

bool Bool(const YAML::Node& node, const std::string& key) {
  const std::string text = Scalar(node, key);
  if (text == "true") return true;
  if (text == "false") return false;
  Fail(node, key, "must be true or false, not '" + text + "'");
}

void Expect(const YAML::Node& node, const std::string& key, YAML::NodeType::value type,
            const char* what) {
  if (node.Type() != type) Fail(node, key, std::string("must be ") + what);
}

void ApplyParam(const Param& p, const YAML::Node& node, const std::string& key) {
  if (auto* millis = std::get_if<Millis*>(&p.target)) {
    **millis = Duration(node, key);
    return;
  }
  if (auto* names = std::get_if<std::vector<std::string>*>(&p.target)) {
    if (node.IsNull()) {
      (*names)->clear();
      return;
    }
    Expect(node, key, YAML::NodeType::Sequence, "a list of names");
    std::vector<std::string> values;
    for (const auto& item : node) values.push_back(Scalar(item, key));
    **names = std::move(values);
    return;
  }
  double value = Number(node, key);
  switch (p.kind) {
    case Param::Kind::kCount:
      if (value < 0 || value != std::floor(value)) Fail(node, key, "must be a whole number >= 0");
      break;
    case Param::Kind::kRatio:
      if (value < 0 || value > 1) Fail(node, key, "must be a ratio between 0 and 1");
      break;
    case Param::Kind::kFactor:
      if (value < 0) Fail(node, key, "must not be negative");
      break;
    default:
      break;
  }
  **std::get_if<double*>(&p.target) = value;
}

void ApplyCheck(Check& check, const YAML::Node& node, const std::string& prefix) {
  if (node.IsNull()) return;
  Expect(node, prefix, YAML::NodeType::Map, "a map of settings");
  std::vector<Param> params = check.Params();
  for (const auto& entry : node) {
    const std::string name = entry.first.Scalar();
    const std::string key = prefix + "." + name;
    if (name == "enabled") {
      check.enabled = Bool(entry.second, key);
      continue;
    }
    auto it = std::find_if(params.begin(), params.end(),
                           [&](const Param& p) { return p.key == name; });
    if (it == params.end()) Fail(entry.first, key, "unknown key");
    ApplyParam(*it, entry.second, key);
  }
}

void ApplySources(SourceQueries& sources, bool* incremental, const YAML::Node& node) {
  if (node.IsNull()) return;
  Expect(node, "sources", YAML::NodeType::Map, "a map of table name to SQL query");
  for (const auto& entry : node) {
    const std::string name = entry.first.Scalar();
    const std::string key = "sources." + name;
    if (name == "incremental") {
      *incremental = Bool(entry.second, key);
      continue;
    }
    std::string* target = name == "submissions" ? &sources.submissions
                          : name == "reviews"   ? &sources.reviews
                          : name == "costs"     ? &sources.costs
                                                : nullptr;
    if (!target) Fail(entry.first, key, "unknown table (submissions, reviews, costs; or incremental)");
    if (name == "costs" && entry.second.IsNull()) {
      sources.costs.clear();  // the pipeline records no costs
      continue;
    }
    std::string sql = Scalar(entry.second, key);
    // The default of 0.1.0 (a conffile an operator may have kept) selected
    // the token columns, which Argus never read: it is the default still.
    if (name == "costs" &&
        sql == "SELECT id, incurred_at, agent, model, usd, input_tokens, output_tokens FROM costs") {
      sql = SourceQueries().costs;
    }
    if (sql.find_first_not_of(" \t\r\n;") == std::string::npos) {
      Fail(entry.second, key, "must be a SELECT query");
    }
    *target = sql;
  }
}

// `labels:` (NameRules): relabel rules and the most distinct names kept.
void ApplyLabels(NameRules& names, const YAML::Node& node) {
  if (node.IsNull()) return;
  Expect(node, "labels", YAML::NodeType::Map, "a map with relabel and max_values");
  auto kind_of = [](const YAML::Node& n, const std::string& key) {
    const std::string text = Scalar(n, key);
    for (size_t k = 0; k < kNameKinds.size(); ++k) {
      if (text == kNameKinds[k]) return static_cast<NameKind>(k);
    }
    Fail(n, key, "must be agent, domain, reason or model, not '" + text + "'");
  };
  for (const auto& entry : node) {
    const std::string name = entry.first.Scalar();
    const std::string key = "labels." + name;
    if (name == "relabel") {
      names.relabel.clear();
      if (entry.second.IsNull()) continue;
      Expect(entry.second, key, YAML::NodeType::Sequence, "a list of {label, regex, replacement}");
      for (size_t i = 0; i < entry.second.size(); ++i) {
        const YAML::Node rule = entry.second[i];
        const std::string at = key + "[" + std::to_string(i) + "]";
        Expect(rule, at, YAML::NodeType::Map, "a map with label, regex and replacement");
        RelabelRule r{NameKind::kAgent, "", "$1"};
        bool has_label = false, has_regex = false;
        for (const auto& field : rule) {
          const std::string f = field.first.Scalar();
          if (f == "label") {
            r.kind = kind_of(field.second, at + ".label");
            has_label = true;
          } else if (f == "regex") {
            r.regex = Scalar(field.second, at + ".regex");
            has_regex = true;
          } else if (f == "replacement") {
            r.replacement = Scalar(field.second, at + ".replacement");
          } else {
            Fail(field.first, at + "." + f, "unknown key (label, regex, replacement)");
          }
        }
        if (!has_label || !has_regex) Fail(rule, at, "needs a label and a regex");
        NameRules one;
        one.relabel.push_back(r);
        if (std::string bad = ValidateNameRules(one); !bad.empty()) {
          Fail(rule, at, bad.substr(bad.find(": ") + 2));
        }
        names.relabel.push_back(std::move(r));
      }
    } else if (name == "max_values") {
      Expect(entry.second, key, YAML::NodeType::Map, "a map of label (agent, domain, reason, model) to a count");
      for (const auto& limit : entry.second) {
        const std::string at = key + "." + limit.first.Scalar();
        const size_t k = static_cast<size_t>(kind_of(limit.first, at));
        const double n = Number(limit.second, at);
        if (n < 0 || n != std::floor(n) || n > 1e6) {
          Fail(limit.second, at, "must be a whole number from 0 (no limit) to 1000000");
        }
        names.max_values[k] = static_cast<size_t>(n);
      }
    } else {
      Fail(entry.first, key, "unknown key (relabel, max_values)");
    }
  }
}

void ApplyChecks(Config& config, const YAML::Node& value, const std::string& key) {
  if (value.IsNull()) return;
  Expect(value, key, YAML::NodeType::Map, "a map of check id to settings");
  for (const auto& check_entry : value) {
    const std::string id = check_entry.first.Scalar();
    auto it = std::find_if(config.checks.begin(), config.checks.end(),
                           [&](const auto& c) { return c->id() == id; });
    if (it == config.checks.end()) Fail(check_entry.first, key + "." + id, "unknown check");
    ApplyCheck(**it, check_entry.second, key + "." + id);
  }
}

// Rules across keys: each Param::at_least, then each check's own. `root`
// holds the `checks:` map; `prefix` names where (pipelines[1]. ...).
void CheckConsistency(const Config& c, const YAML::Node& root, const std::string& prefix = "") {
  for (const auto& check : c.checks) {
    const std::string id(check->id());
    const YAML::Node node = root["checks"] ? root["checks"][id] : YAML::Node();
    auto fail = [&](const std::string& key, const std::string& what) {
      Fail(node ? node : root, prefix + "checks." + id + "." + key, what);
    };
    for (const Param& p : check->Params()) {
      if (p.at_least.empty()) continue;
      if (*check->Value(p.key) < *check->Value(p.at_least)) {
        fail(p.key, std::string("must not be ") +
                        (p.kind == Param::Kind::kDuration ? "shorter" : "smaller") + " than " +
                        p.at_least);
      }
    }
    if (auto error = check->Validate()) fail(error->key, error->what);
  }
}

// `pipelines:`: a list of {name, database, sources, checks}, each a copy
// of the top level with those over it.
void ApplyPipelines(Config& config, const YAML::Node& list) {
  Expect(list, "pipelines", YAML::NodeType::Sequence,
         "a list of pipelines, each with a name and a database");
  if (!config.database.empty()) {
    Fail(list, "pipelines", "set either database: (one pipeline) or pipelines:, not both");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string at = "pipelines[" + std::to_string(i) + "]";
    Expect(entry, at, YAML::NodeType::Map, "a map with name, database, and optionally sources and checks");
    Config p = config.Clone();
    p.pipelines.clear();
    for (const auto& field : entry) {
      const std::string key = field.first.Scalar();
      if (key == "name") {
        p.pipeline = Scalar(field.second, at + ".name");
        if (!ValidPipelineName(p.pipeline)) {
          Fail(field.second, at + ".name",
               "must be 1 to 64 letters, digits, '_' or '-', not '" + p.pipeline.substr(0, 80) + "'");
        }
      } else if (key == "database") {
        p.database = Scalar(field.second, at + ".database");
      } else if (key == "sources") {
        p.sources = SourceQueries();
        p.sources_incremental = false;
        ApplySources(p.sources, &p.sources_incremental, field.second);
      } else if (key == "checks") {
        ApplyChecks(p, field.second, at + ".checks");
      } else {
        Fail(field.first, at + "." + key, "unknown key (name, database, sources, checks)");
      }
    }
    if (p.pipeline.empty()) Fail(entry, at + ".name", "missing: every pipeline needs a name");
    if (p.database.empty()) Fail(entry, at + ".database", "missing: every pipeline needs a database");
    if (!names.insert(p.pipeline).second) {
      Fail(entry, at + ".name", "'" + p.pipeline + "' names two pipelines");
    }
    CheckConsistency(p, entry, at + ".");
    config.pipelines.push_back(std::move(p));
  }
  if (config.pipelines.empty()) Fail(list, "pipelines", "lists no pipeline");
}

}  // namespace

bool ValidPipelineName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

std::string DuplicateKey(const YAML::Node& node) {
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (std::string d = DuplicateKey(item); !d.empty()) return d;
    }
  }
  if (!node.IsMap()) return "";
  std::map<std::string, int> lines;
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const int line = entry.first.Mark().line + 1;
    auto [it, fresh] = lines.emplace(key, line);
    if (!fresh) {
      return "key '" + key + "' appears twice, on lines " + std::to_string(it->second) + " and " +
             std::to_string(line) + "; keep one";
    }
    if (std::string d = DuplicateKey(entry.second); !d.empty()) return d;
  }
  return "";
}

Status ParseConfig(const std::string& yaml_text, Config* config) {
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (root.IsNull()) return Status::Ok();  // an empty file keeps every default
    if (!root.IsMap()) return Status::Error("config: the top level must be a map of settings");
    if (std::string d = DuplicateKey(root); !d.empty()) return Status::Error("config: " + d);
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      const YAML::Node& value = entry.second;
      if (key == "database") {
        config->database = Scalar(value, key);
      } else if (key == "interval") {
        config->interval = Duration(value, key);
        if (config->interval < kMinInterval) {
          Fail(value, key, "must be " + FormatDuration(kMinInterval) + " or more, not '" +
                               value.Scalar() + "'");
        }
      } else if (key == "query_timeout") {
        config->query_timeout = Duration(value, key);
        if (config->query_timeout < kSecond || config->query_timeout > 3600 * kSecond) {
          Fail(value, key, "must be from 1s to 1h, not '" + value.Scalar() + "'");
        }
      } else if (key == "listen_address") {
        config->listen_address = Scalar(value, key);
      } else if (key == "top_reasons") {
        double n = Number(value, key);
        if (n < 1 || n != std::floor(n) || n > 1000) {
          Fail(value, key, "must be a whole number from 1 to 1000");
        }
        config->top_reasons = n;
      } else if (key == "prometheus_job") {
        config->prometheus_job = Scalar(value, key);
        if (config->prometheus_job.empty() ||
            config->prometheus_job.find_first_of("\"\\\n") != std::string::npos) {
          Fail(value, key, "must be a job name without quotes, backslashes or newlines");
        }
      } else if (key == "runbook_base_url" || key == "dashboard_url") {
        std::string url = Scalar(value, key);
        const size_t scheme = url.find("://");
        const std::string name = scheme == std::string::npos ? "" : url.substr(0, scheme);
        if ((name != "http" && name != "https" && name != "file") ||
            url.find_first_of(" \"\\\n<>'{}") != std::string::npos) {
          Fail(value, key, "must be an absolute http://, https:// or file:// URL without spaces, "
                           "quotes or braces: alerts are read far from this host, not '" + url + "'");
        }
        (key == "dashboard_url" ? config->dashboard_url : config->runbook_base_url) = std::move(url);
      } else if (key == "external_url") {
        const std::string url = Scalar(value, key);
        config->external_url = NormalizeExternalUrl(url);
        if (config->external_url.empty()) {
          Fail(value, key, "must be an http:// or https:// URL with a host and an optional path, "
                           "no query or fragment, not '" + url + "'");
        }
      } else if (key == "labels") {
        ApplyLabels(config->names, value);
      } else if (key == "sources") {
        ApplySources(config->sources, &config->sources_incremental, value);
      } else if (key == "checks") {
        ApplyChecks(*config, value, key);
      } else if (key == "pipelines") {
        continue;  // below, over everything else
      } else {
        Fail(entry.first, key, "unknown key");
      }
    }
    CheckConsistency(*config, root);
    if (const YAML::Node list = root["pipelines"]; list && !list.IsNull()) {
      ApplyPipelines(*config, list);
    }
  } catch (const ConfigError& e) {
    return Status::Error("config: " + e.message);
  } catch (const YAML::Exception& e) {
    return Status::Error("config: malformed YAML at line " + std::to_string(e.mark.line + 1) +
                         ": " + e.msg);
  }
  return Status::Ok();
}

namespace {

void EmitParam(YAML::Emitter& out, const Param& p) {
  out << YAML::Key << p.key << YAML::Value;
  if (auto* millis = std::get_if<Millis*>(&p.target)) {
    out << FormatDuration(**millis);
  } else if (auto* names = std::get_if<std::vector<std::string>*>(&p.target)) {
    out << YAML::Flow << **names;
  } else {
    double v = **std::get_if<double*>(&p.target);
    std::ostringstream text;
    text << v;
    out << text.str();
  }
  out << YAML::Comment(p.help);
}

}  // namespace

std::string DefaultConfigYaml() {
  Config c;
  YAML::Emitter out;
  out << YAML::Comment("Argus configuration. Every key is optional; shown are the defaults.");
  out << YAML::BeginMap;
  // No default: an example path here would be taken for a setting.
  out << YAML::Key << "database" << YAML::Value << YAML::DoubleQuoted << ""
      << YAML::Comment("the pipeline's SQLite file (e.g. /var/lib/pipeline/pipeline.db), opened "
                       "read-only, or a PostgreSQL URI (postgresql://argus@db.example/pipeline); "
                       "no default: set it or pass --db. Several pipelines instead: a "
                       "pipelines: list of {name, database, sources, checks} (docs/configuration.md)");
  out << YAML::Key << "interval" << YAML::Value << FormatDuration(c.interval)
      << YAML::Comment("how often the server runs the checks (1s or more)");
  out << YAML::Key << "query_timeout" << YAML::Value << FormatDuration(c.query_timeout)
      << YAML::Comment("a read of the database running longer is interrupted and its checks "
                       "fail for that cycle (1s to 1h)");
  out << YAML::Key << "listen_address" << YAML::Value << c.listen_address
      << YAML::Comment("HOST:PORT of the HTTP server; --web.listen-address overrides");
  out << YAML::Key << "top_reasons" << YAML::Value << static_cast<int>(c.top_reasons)
      << YAML::Comment("rejection reasons beyond the N most frequent are published as 'other'");
  out << YAML::Key << "prometheus_job" << YAML::Value << c.prometheus_job
      << YAML::Comment("job label of the scrape config; every generated rule selects on it");
  out << YAML::Key << "dashboard_url" << YAML::Value << c.dashboard_url
      << YAML::Comment("the Grafana dashboard every alert links to (absolute URL)");
  out << YAML::Key << "runbook_base_url" << YAML::Value << c.runbook_base_url
      << YAML::Comment("where docs/runbooks.md is published (absolute URL); rules link to its sections");
  out << YAML::Key << "external_url" << YAML::Value << c.external_url
      << YAML::Comment("where people reach Argus (behind a proxy: its public URL, e.g. "
                       "https://ops.example/argus/); rules and pages link there; "
                       "--web.external-url overrides");
  out << YAML::Key << "labels"
      << YAML::Comment("how the pipeline's names become agents, domains, reasons and models")
      << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "relabel" << YAML::Value << YAML::Flow << YAML::BeginSeq << YAML::EndSeq
      << YAML::Comment("e.g. - {label: agent, regex: 'run-\\d+-(.*)', replacement: '$1'}: a whole "
                       "match, first rule wins");
  out << YAML::Key << "max_values" << YAML::Comment("distinct names kept per label, in the order first read; "
                                                    "the rest read as 'other' (0: no limit)")
      << YAML::Value << YAML::BeginMap;
  for (size_t k = 0; k < kNameKinds.size(); ++k) {
    out << YAML::Key << kNameKinds[k] << YAML::Value << c.names.max_values[k];
  }
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "sources" << YAML::Comment("one SELECT per table, returning its columns")
      << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "submissions" << YAML::Value << c.sources.submissions;
  out << YAML::Key << "reviews" << YAML::Value << c.sources.reviews;
  out << YAML::Key << "costs" << YAML::Value << c.sources.costs
      << YAML::Comment("null when the pipeline records no costs");
  out << YAML::Key << "incremental" << YAML::Value << false
      << YAML::Comment("custom queries only: their id only grows, so read just new rows");
  out << YAML::EndMap;
  out << YAML::Key << "checks" << YAML::Value << YAML::BeginMap;
  for (auto& check : c.checks) {
    out << YAML::Key << std::string(check->id()) << YAML::Comment(std::string(check->summary()))
        << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "enabled" << YAML::Value << true;
    for (const Param& p : check->Params()) EmitParam(out, p);
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Status LoadYamlFile(const std::string& path, const std::string& kind,
                    const std::function<Status(const std::string&)>& parse) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(kind + " " + path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  Status s = parse(text.str());
  if (!s.ok()) return Status::Error(path + ": " + s.message());
  return s;
}

Status LoadConfig(const std::string& path, Config* config) {
  return LoadYamlFile(path, "config",
                      [&](const std::string& text) { return ParseConfig(text, config); });
}

std::string NormalizeExternalUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos || url.size() > 2048) return "";
  const std::string name = url.substr(0, scheme);
  if (name != "http" && name != "https") return "";
  const size_t host_end = url.find('/', scheme + 3);
  const std::string host =
      url.substr(scheme + 3, host_end == std::string::npos ? std::string::npos : host_end - scheme - 3);
  if (host.empty()) return "";
  for (unsigned char c : url) {
    // Nothing a link, a YAML rule or a Go template would read otherwise:
    // no query, fragment, escapes, credentials or template braces.
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '?' ||
        c == '#' || c == '\'' || c == '{' || c == '}' || c == '%' || c == '@') {
      return "";
    }
  }
  std::string normalized = url;
  if (normalized.back() != '/') normalized += '/';
  if (normalized.find("//", scheme + 3) != std::string::npos) return "";
  return normalized;
}

std::string ExternalPath(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? "/" : url.substr(path);
}

}  // namespace argus
