#include "exporter/engine/config.h"

#include <gtest/gtest.h>

#include "exporter/engine/rules.h"

#include <fstream>
#include <sstream>

namespace argus {
namespace {

std::string Error(const std::string& yaml) {
  Config config;
  Status s = ParseConfig(yaml, &config);
  return s.ok() ? "" : s.message();
}

TEST(Config, DefaultsAreTheSpecs) {
  Config c;
  EXPECT_EQ(c.interval, 60 * kSecond);
  EXPECT_EQ(c.listen_address, ":27487");
  EXPECT_EQ(c.FindCheck("dormant_agent")->Value("warning_after"), 6 * kHour);
  EXPECT_EQ(c.FindCheck("quality_regression")->Value("warning_drop"), 0.2);
  EXPECT_EQ(c.FindCheck("throughput_anomaly")->Value("min_baseline_mean"), 6);
  EXPECT_EQ(c.FindCheck("rejection_spike")->Value("critical_factor"), 6);
  EXPECT_EQ(c.FindCheck("stuck_loop")->Value("streak_critical"), 8);
  EXPECT_EQ(c.FindCheck("cost_spike")->Value("min_usd"), 5);
  EXPECT_EQ(c.FindCheck("domain_rejection_pattern")->Value("critical_ratio"), 0.8);
  EXPECT_EQ(c.Lookback(), 29 * kDay + kHour);  // cost_spike: 4 weekly slots of 24h, and an hour
  EXPECT_EQ(c.checks.size(), 7u);
}

TEST(Config, AppliesEveryKindOfSetting) {
  Config c;
  Status s = ParseConfig(R"(
database: /var/lib/pipeline.db
interval: 30s
listen_address: 127.0.0.1:9999
top_reasons: 5
sources:
  reviews: SELECT id, sub AS submission_id, t AS reviewed_at, v AS verdict, r AS reason, NULL AS score, NULL AS note FROM verdicts;
checks:
  stuck_loop:
    item_rejections: 4
    window: 12h
  dormant_agent:
    expected_agents: [rio, ada]
  cost_spike:
    enabled: false
)",
                         &c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.database, "/var/lib/pipeline.db");
  EXPECT_EQ(c.interval, 30 * kSecond);
  EXPECT_EQ(c.listen_address, "127.0.0.1:9999");
  EXPECT_EQ(c.top_reasons, 5);
  EXPECT_NE(c.sources.reviews.find("FROM verdicts"), std::string::npos);
  EXPECT_EQ(c.FindCheck("stuck_loop")->Value("item_rejections"), 4);
  EXPECT_EQ(c.FindCheck("stuck_loop")->Value("window"), 12 * kHour);
  EXPECT_FALSE(c.FindCheck("cost_spike")->enabled);
}

TEST(Config, CloneIsIndependent) {
  Config a;
  ASSERT_TRUE(ParseConfig("checks:\n  stuck_loop:\n    streak: 6\n", &a).ok());
  Config b = a.Clone();
  ASSERT_TRUE(ParseConfig("checks:\n  stuck_loop:\n    streak: 7\n", &b).ok());
  EXPECT_EQ(a.FindCheck("stuck_loop")->Value("streak"), 6);
  EXPECT_EQ(b.FindCheck("stuck_loop")->Value("streak"), 7);
}

TEST(Config, EmptyFileKeepsDefaults) { EXPECT_EQ(Error(""), ""); }

TEST(Config, RefusesMalformedYaml) {
  EXPECT_NE(Error("checks: [unclosed\n").find("malformed YAML at line"), std::string::npos);
  EXPECT_NE(Error("a: b\n  c: d\n: :\n").find("config:"), std::string::npos);
}

TEST(Config, RefusesATopLevelThatIsNotAMap) {
  EXPECT_EQ(Error("- a\n- b\n"), "config: the top level must be a map of settings");
}

TEST(Config, NamesTheUnknownKeyAndItsLine) {
  EXPECT_EQ(Error("interval: 30s\nintreval: 5s\n"), "config: intreval (line 2): unknown key");
  EXPECT_EQ(Error("checks:\n  stuck_loop:\n    streek: 5\n"),
            "config: checks.stuck_loop.streek (line 3): unknown key");
  EXPECT_EQ(Error("checks:\n  stuck_loops: {}\n"),
            "config: checks.stuck_loops (line 2): unknown check");
  EXPECT_EQ(Error("sources:\n  verdicts: SELECT 1\n"),
            "config: sources.verdicts (line 2): unknown table (submissions, reviews, costs; or incremental)");
}

TEST(Config, RefusesWrongTypes) {
  EXPECT_EQ(Error("checks:\n  stuck_loop:\n    streak: five\n"),
            "config: checks.stuck_loop.streak (line 3): must be a number, not 'five'");
  EXPECT_EQ(Error("checks:\n  stuck_loop:\n    streak: [5]\n"),
            "config: checks.stuck_loop.streak (line 3): must be a single value");
  EXPECT_EQ(Error("checks:\n  stuck_loop:\n    streak: 2.5\n"),
            "config: checks.stuck_loop.streak (line 3): must be a whole number >= 0");
  EXPECT_EQ(Error("checks:\n  cost_spike:\n    enabled: maybe\n"),
            "config: checks.cost_spike.enabled (line 3): must be true or false, not 'maybe'");
  EXPECT_EQ(Error("checks:\n  dormant_agent:\n    expected_agents: rio\n"),
            "config: checks.dormant_agent.expected_agents (line 3): must be a list of names");
  EXPECT_EQ(Error("checks: 5\n"), "config: checks (line 1): must be a map of check id to settings");
  EXPECT_EQ(Error("top_reasons: 0\n"),
            "config: top_reasons (line 1): must be a whole number from 1 to 1000");
}

TEST(Config, RefusesNegativeOrZeroWindows) {
  EXPECT_EQ(Error("checks:\n  quality_regression:\n    window: -24h\n"),
            "config: checks.quality_regression.window (line 3): must be a positive duration "
            "such as 90s, 6h or 7d, not '-24h'");
  EXPECT_NE(Error("interval: 0s\n").find("interval (line 1): must be a positive duration"),
            std::string::npos);
  EXPECT_NE(Error("interval: soon\n").find("interval (line 1)"), std::string::npos);
}

TEST(Config, RefusesRatiosOutsideZeroToOne) {
  EXPECT_EQ(Error("checks:\n  quality_regression:\n    warning_drop: 1.5\n"),
            "config: checks.quality_regression.warning_drop (line 3): must be a ratio between "
            "0 and 1");
  EXPECT_EQ(Error("checks:\n  domain_rejection_pattern:\n    top_reason_share: -0.1\n"),
            "config: checks.domain_rejection_pattern.top_reason_share (line 3): must be a ratio "
            "between 0 and 1");
  EXPECT_EQ(Error("checks:\n  cost_spike:\n    min_usd: -5\n"),
            "config: checks.cost_spike.min_usd (line 3): must not be negative");
}

TEST(Config, RefusesCriticalBelowWarning) {
  EXPECT_EQ(Error("checks:\n  stuck_loop:\n    streak: 9\n"),
            "config: checks.stuck_loop.streak_critical (line 3): must not be smaller than streak");
  EXPECT_NE(Error("checks:\n  dormant_agent:\n    warning_after: 2d\n").find(
                "critical_after (line 3): must not be shorter than warning_after"),
            std::string::npos);
}

TEST(Config, ThroughputBaselineMustBeWholeBuckets) {
  EXPECT_NE(Error("checks:\n  throughput_anomaly:\n    window: 5h\n")
                .find("checks.throughput_anomaly.baseline (line 3): must be a whole multiple"),
            std::string::npos);
  EXPECT_EQ(Error("checks:\n  throughput_anomaly:\n    window: 4h\n"), "");
}

TEST(Config, RefusesAnEmptySourceQuery) {
  EXPECT_EQ(Error("sources:\n  costs: ';'\n"),
            "config: sources.costs (line 2): must be a SELECT query");
}

TEST(LoadConfig, NamesTheFile) {
  Config c;
  Status s = LoadConfig("/nonexistent/argus.yml", &c);
  EXPECT_EQ(s.message(), "config /nonexistent/argus.yml: cannot be read");
  const std::string path = ::testing::TempDir() + "/argus_bad.yml";
  std::ofstream(path) << "interval: 30s\nbogus: 1\n";
  s = LoadConfig(path, &c);
  EXPECT_EQ(s.message(), path + ": config: bogus (line 2): unknown key");
}

}  // namespace
}  // namespace argus

namespace argus {
namespace {

TEST(DefaultConfigYaml, ReadsBackAsTheDefaults) {
  Config c;
  Status s = ParseConfig(DefaultConfigYaml(), &c);
  ASSERT_TRUE(s.ok()) << s.message();
  Config defaults;
  for (size_t i = 0; i < c.checks.size(); ++i) {
    for (const Param& p : defaults.checks[i]->Params()) {
      if (std::holds_alternative<std::vector<std::string>*>(p.target)) continue;
      EXPECT_EQ(c.checks[i]->Value(p.key), defaults.checks[i]->Value(p.key)) << p.key;
    }
  }
  EXPECT_EQ(c.sources.reviews, defaults.sources.reviews);
  // The database has no default, and the example does not pretend one: a
  // check with it and no --db says so rather than reading a path nobody
  // chose.
  EXPECT_EQ(c.database, "");
}

TEST(DefaultConfigYaml, IsTheShippedExample) {
  std::ifstream in(ARGUS_SOURCE_DIR "/docs/argus.yml");
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), DefaultConfigYaml())
      << "docs/argus.yml is stale: regenerate it with `argus_exporter config > docs/argus.yml`";
}

TEST(DefaultConfigYaml, DocumentsEveryKey) {
  std::ifstream in(std::string(ARGUS_SOURCE_DIR) + "/docs/configuration.md");
  std::ostringstream text;
  text << in.rdbuf();
  Config c;
  for (auto& check : c.checks) {
    EXPECT_NE(text.str().find("`" + std::string(check->id()) + "`"), std::string::npos) << check->id();
    for (const Param& p : check->Params()) {
      EXPECT_NE(text.str().find("`" + p.key + "`"), std::string::npos) << check->id() << "." << p.key;
    }
  }
}

}  // namespace
}  // namespace argus

namespace argus {
namespace {

TEST(Rules, SelectJobTouchesMetricNamesOnly) {
  EXPECT_EQ(SelectJob("argus_a >= 1", "argus"), "argus_a{job=\"argus\"} >= 1");
  EXPECT_EQ(SelectJob("argus_a {w=\"x\"} / my_argus_b", "j"), "argus_a{job=\"j\",w=\"x\"} / my_argus_b");
  EXPECT_EQ(SelectJob("argus_a{w=\"argus_b \\\" argus_c\"}", "j"), "argus_a{job=\"j\",w=\"argus_b \\\" argus_c\"}");
  EXPECT_EQ(SelectJob("max without(window) (argus_a and ignoring(window) argus_b)", "j"),
            "max without(window) (argus_a{job=\"j\"} and ignoring(window) argus_b{job=\"j\"})");
}

// A config written by 0.1.0 kept its default costs query, with the token
// columns: it is still the default, read incrementally and by seek.
TEST(Config, TheOldDefaultCostsQueryIsTheDefault) {
  Config c;
  ASSERT_TRUE(ParseConfig("sources:\n  costs: SELECT id, incurred_at, agent, model, usd, input_tokens, "
                          "output_tokens FROM costs\n",
                          &c).ok());
  EXPECT_TRUE(c.sources == SourceQueries());
}

// Alerts are read far from the Argus host: their links must be absolute.
TEST(Config, LinksInAlertsAreAbsoluteURLs) {
  const Config defaults;
  EXPECT_EQ(defaults.runbook_base_url.rfind("file:///", 0), 0u);
  EXPECT_EQ(defaults.dashboard_url.rfind("http://", 0), 0u);
  for (const char* bad : {"runbook_base_url: docs/runbooks.md\n", "dashboard_url: /d/argus-overview\n",
                          "runbook_base_url: \"https://x/a b\"\n", "dashboard_url: javascript://%0Aalert(1)\n",
                          "runbook_base_url: \"https://x/{{ $labels.agent }}\"\n"}) {
    Config c;
    const Status s = ParseConfig(bad, &c);
    EXPECT_NE(s.message().find("must be an absolute http://, https:// or file:// URL"), std::string::npos)
        << bad << ": " << s.message();
  }
  Config c;
  ASSERT_TRUE(ParseConfig("runbook_base_url: https://wiki.example/argus/runbooks.md\n"
                          "dashboard_url: https://grafana.example/d/argus-overview\n",
                          &c).ok());
  const std::string rules = RulesYaml(c);
  EXPECT_NE(rules.find("runbook_url: https://wiki.example/argus/runbooks.md#argusstuckloop"), std::string::npos);
  EXPECT_NE(rules.find("dashboard_url: https://grafana.example/d/argus-overview"), std::string::npos);
}

// Argus's own URL, as Prometheus's --web.external-url: the rules' status
// links start with it; anything but an http(s) URL with a host is refused.
TEST(Config, ExternalUrlIsWhereTheRulesLinkTo) {
  EXPECT_EQ(Config().external_url, "http://localhost:27487/");
  for (const char* bad : {"external_url: /argus\n", "external_url: ftp://x/\n", "external_url: https://\n",
                          "external_url: \"https://x/a b\"\n", "external_url: https://x/?q=1\n",
                          "external_url: https://x/#top\n", "external_url: https://x//a\n",
                          "external_url: https://user:pw@x/\n", "external_url: https://x/a%2Fb/\n",
                          "external_url: \"https://x/{{ $labels.agent }}\"\n"}) {
    EXPECT_NE(Error(bad).find("external_url"), std::string::npos) << bad;
  }
  Config c;
  ASSERT_TRUE(ParseConfig("external_url: https://ops.example/argus\n", &c).ok());
  EXPECT_EQ(c.external_url, "https://ops.example/argus/");
  EXPECT_EQ(ExternalPath(c.external_url), "/argus/");
  EXPECT_EQ(ExternalPath("http://localhost:27487/"), "/");
  const std::string rules = RulesYaml(c);
  EXPECT_NE(rules.find("status_url: https://ops.example/argus/{{ with $labels.pipeline }}pipelines/{{ . }}/{{ end }}"
                       "{{ if $labels.agent }}agents/"
                       "{{ $labels.agent | urlquery | reReplaceAll \"\\\\+\" \"%20\" }}{{ end }}"),
            std::string::npos)
      << rules.substr(rules.find("status_url"), 200);
}

}  // namespace
}  // namespace argus

namespace argus {
namespace {

TEST(Config, RefusesAnIntervalBelowOneSecondAsTheFlagDoes) {
  EXPECT_NE(Error("interval: 1ms\n").find("interval (line 1): must be 1s or more"), std::string::npos)
      << Error("interval: 1ms\n");
  EXPECT_NE(Error("interval: 999ms\n"), "");
  EXPECT_EQ(Error("interval: 1s\n"), "");
}

TEST(Config, RefusesARepeatedKeyNamingBothLines) {
  const std::string e = Error(
      "checks:\n  stuck_loop:\n    min_rejections: 3\n  dormant_agent:\n    enabled: false\n"
      "  stuck_loop:\n    min_rejections: 9\n");
  EXPECT_NE(e.find("key 'stuck_loop' appears twice, on lines 2 and 6"), std::string::npos) << e;
  EXPECT_NE(Error("interval: 5s\ninterval: 10s\n").find("on lines 1 and 2"), std::string::npos);
  EXPECT_NE(Error("checks:\n  stuck_loop:\n    window: 6h\n    window: 7h\n").find("'window'"),
            std::string::npos);
}

TEST(Config, QueryTimeoutIsBounded) {
  Config config;
  ASSERT_TRUE(ParseConfig("query_timeout: 5s\n", &config).ok());
  EXPECT_EQ(config.query_timeout, 5 * kSecond);
  EXPECT_NE(Error("query_timeout: 10ms\n"), "");
  EXPECT_NE(Error("query_timeout: 2h\n"), "");
}

}  // namespace
}  // namespace argus
