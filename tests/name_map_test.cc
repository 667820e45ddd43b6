// How raw names become the names of agents, domains, reasons and models:
// relabel rules, and the limit on distinct names with the rest as "other".
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "exporter/base/format.h"
#include "exporter/engine/config.h"
#include "exporter/engine/engine.h"
#include "exporter/source/name_map.h"
#include "exporter/source/sqlite_source.h"
#include "testing/test_pipeline.h"

namespace argus::testing {
namespace {

// The reference tables, as the pipeline creates them.
constexpr const char* kSchema =
    "CREATE TABLE submissions (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, agent TEXT NOT NULL,"
    "  domain TEXT NOT NULL, item TEXT NOT NULL);"
    "CREATE TABLE reviews (id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL, reviewed_at TEXT NOT NULL,"
    "  verdict TEXT NOT NULL, reason TEXT, score REAL, note TEXT);"
    "CREATE TABLE costs (id INTEGER PRIMARY KEY, incurred_at TEXT NOT NULL, agent TEXT NOT NULL, model TEXT,"
    "  usd REAL NOT NULL, input_tokens INTEGER, output_tokens INTEGER);";

std::string Mapped(NameMap& map, NameKind kind, std::string name) {
  map.Apply(kind, &name);
  return name;
}

TEST(NameMap, RelabelRulesMapWholeNamesFirstMatchWins) {
  NameRules rules;
  rules.relabel = {{NameKind::kAgent, "run-\\d+-(.*)", "$1"},
                   {NameKind::kAgent, "run-(.*)", "any-$1"},
                   {NameKind::kModel, "(gpt-4o)-\\d{4}-\\d{2}-\\d{2}", "$1"}};
  NameMap map(rules);
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "run-8812-researcher"), "researcher");
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "run-x"), "any-x");
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "my-run-8812-researcher"), "my-run-8812-researcher");  // whole match
  EXPECT_EQ(Mapped(map, NameKind::kDomain, "run-1-x"), "run-1-x");  // another label's rule
  EXPECT_EQ(Mapped(map, NameKind::kModel, "gpt-4o-2024-08-06"), "gpt-4o");
  EXPECT_EQ(Mapped(map, NameKind::kReason, ""), "");
  EXPECT_EQ(map.folding(NameKind::kAgent).kept, 3u);  // researcher, any-x, my-run-8812-researcher
}

// What a rule makes is a name like any other: valid, bounded text; a rule
// that maps to "other" folds nothing.
TEST(NameMap, ARulesResultIsANameLikeAnyOther) {
  NameRules rules;
  rules.relabel = {{NameKind::kAgent, "tmp-(.*)", "other"}, {NameKind::kAgent, "(.*)", "$1$1$1"}};
  rules.max_values = {2, 0, 0, 0};
  NameMap map(rules);
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "tmp-1"), kOtherName);
  EXPECT_EQ(map.folding(NameKind::kAgent).folded_rows, 0u);
  const std::string long_name = Mapped(map, NameKind::kAgent, std::string(150, 'a'));
  EXPECT_LE(long_name.size(), 200u);
  EXPECT_TRUE(IsHashedName(long_name)) << long_name;
  // $n must name a group the regex has; ${1} is not the syntax.
  for (const RelabelRule& bad : {RelabelRule{NameKind::kAgent, "run-\\d+", "$1"},
                                 RelabelRule{NameKind::kAgent, "(a)(b)", "$3"},
                                 RelabelRule{NameKind::kAgent, "(a)", "${1}"}}) {
    NameRules r;
    r.relabel = {bad};
    EXPECT_NE(ValidateNameRules(r), "") << bad.regex << " -> " << bad.replacement;
  }
  NameRules good;
  good.relabel = {{NameKind::kAgent, "(a)(b)", "$2-$1 costs $$5"}};
  EXPECT_EQ(ValidateNameRules(good), "");
}

TEST(NameMap, NamesBeyondTheLimitReadAsOtherAndKeepItForTheMapsLife) {
  NameRules rules;
  rules.max_values = {3, 0, 1, 1};
  NameMap map(rules);
  for (const char* a : {"ada", "bob", "cy"}) EXPECT_EQ(Mapped(map, NameKind::kAgent, a), a);
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "dee"), kOtherName);
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "ada"), "ada");  // a place once given stays
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "dee"), kOtherName);
  EXPECT_EQ(Mapped(map, NameKind::kAgent, "eve"), kOtherName);
  const NameMap::Folding f = map.folding(NameKind::kAgent);
  EXPECT_EQ(f.kept, 3u);
  EXPECT_EQ(f.folded_rows, 3u);
  EXPECT_EQ(f.first_folded, "dee");
  for (int i = 0; i < 1000; ++i) Mapped(map, NameKind::kDomain, "d" + std::to_string(i));  // 0: no limit
  EXPECT_EQ(map.folding(NameKind::kDomain).kept, 1000u);
  EXPECT_EQ(map.folding(NameKind::kDomain).folded_rows, 0u);
}

// Reads run on several threads at once: every thread sees the same
// mapping, and exactly the limit's worth of names keep theirs.
TEST(NameMap, ThreadsShareOneMapping) {
  NameRules rules;
  rules.max_values = {50, 0, 0, 0};
  NameMap map(rules);
  std::vector<std::thread> threads;
  std::vector<std::vector<std::string>> seen(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) seen[t].push_back(Mapped(map, NameKind::kAgent, "a" + std::to_string(i)));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(std::count(seen[0].begin(), seen[0].end(), kOtherName), 150);
  EXPECT_EQ(map.folding(NameKind::kAgent).kept, 50u);
}

TEST(NameMap, TheConfigTakesRulesAndLimitsAndRefusesBadOnes) {
  Config c;
  ASSERT_TRUE(ParseConfig("labels:\n"
                          "  relabel:\n"
                          "    - {label: agent, regex: 'run-\\d+-(.*)', replacement: '$1'}\n"
                          "    - {label: model, regex: '(.*)-latest'}\n"
                          "  max_values: {agent: 20, model: 0}\n",
                          &c)
                  .ok());
  ASSERT_EQ(c.names.relabel.size(), 2u);
  EXPECT_EQ(c.names.relabel[0].regex, "run-\\d+-(.*)");
  EXPECT_EQ(c.names.relabel[1].replacement, "$1");
  EXPECT_EQ(c.names.max_values[0], 20u);
  EXPECT_EQ(c.names.max_values[1], 100u);  // the default
  EXPECT_EQ(c.names.max_values[3], 0u);
  EXPECT_TRUE(c.Clone().names == c.names);
  for (const char* bad : {"labels:\n  relabel:\n    - {label: agent, regex: '(unclosed'}\n",
                          "labels:\n  relabel:\n    - {label: team, regex: 'x'}\n",
                          "labels:\n  relabel:\n    - {regex: 'x'}\n",
                          "labels:\n  relabel:\n    - {label: agent, regex: 'x', with: 'y'}\n",
                          "labels:\n  max_values: {agent: -1}\n", "labels:\n  max_values: {agent: 1.5}\n",
                          "labels:\n  max_values: {team: 3}\n", "labels:\n  limits: {}\n"}) {
    Config bad_config;
    const Status s = ParseConfig(bad, &bad_config);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("labels"), std::string::npos) << s.message();
  }
}

// Through the source, a pipeline that names its agents per run is read as
// its few roles: one agent each, none dormant when a run ends.
TEST(NameMap, ARelabelledPipelineHasItsRolesAsAgents) {
  const std::string dir = FreshTestDir("argus_names_");
  const std::string path = dir + "/pipeline.db";
  std::string sql = kSchema;
  int id = 0;
  // 40 runs of an hour each over the last 40 hours, two roles each.
  for (int run = 0; run < 40; ++run) {
    for (const char* role : {"writer", "critic"}) {
      for (int k = 0; k < 3; ++k) {
        ++id;
        const Millis at = kNow - (40 - run) * kHour + k * 10 * kMinute;
        const bool ok = std::string(role) == "writer" || k != 0;
        sql += "INSERT INTO submissions VALUES (" + std::to_string(id) + ", '" + FormatTimestamp(at - kMinute) +
               "', 'run-" + std::to_string(1000 + run) + "-" + role + "', 'legal', 'item-" + std::to_string(id) +
               "');INSERT INTO reviews VALUES (" + std::to_string(id) + ", " + std::to_string(id) + ", '" +
               FormatTimestamp(at) + "', '" + (ok ? "approved" : "rejected") + "', " +
               (ok ? "NULL" : "'off_topic'") + ", NULL, NULL);";
      }
    }
  }
  ExecSql(path, sql);
  Config config;
  ASSERT_TRUE(ParseConfig("labels:\n  relabel:\n    - {label: agent, regex: 'run-\\d+-(.*)'}\n", &config).ok());
  SqliteSource source(path, SourceQueries());
  source.SetNames(std::make_shared<NameMap>(config.names));
  const CycleResult r = RunChecks(config, source, kNow);
  std::set<std::string> agents;
  for (const Sample& s : r.samples) {
    for (const auto& [k, v] : s.labels) {
      if (k == "agent") agents.insert(v);
    }
  }
  EXPECT_EQ(agents, (std::set<std::string>{"critic", "writer"}));
  for (const Alert& a : r.alerts) EXPECT_NE(a.check, "dormant_agent") << a.message;
  // Without the rule, every run that ended over 6 hours ago is dormant.
  SqliteSource raw(path, SourceQueries());
  raw.SetNames(std::make_shared<NameMap>(NameRules()));
  const CycleResult before = RunChecks(Config(), raw, kNow);
  int dormant = 0;
  for (const Alert& a : before.alerts) dormant += a.check == "dormant_agent";
  EXPECT_GT(dormant, 50);
  std::filesystem::remove_all(dir);
}

// The places go to the names the source saw last, not to the oldest ones
// of the history: a pipeline that retired its first agents keeps the names
// of the ones at work.
TEST(NameMap, ASourceSeedsThePlacesWithItsLatestNames) {
  const std::string dir = FreshTestDir("argus_seed_");
  const std::string path = dir + "/pipeline.db";
  std::string sql = kSchema;
  // retired-0..2 worked 20 days ago; now-0..2 in the last hours.
  int id = 0;
  for (const char* agent : {"retired-0", "retired-1", "retired-2", "now-0", "now-1", "now-2"}) {
    const Millis at = kNow - (std::string(agent).rfind("retired", 0) == 0 ? 20 * kDay : 2 * kHour);
    ++id;
    sql += "INSERT INTO submissions VALUES (" + std::to_string(id) + ", '" + FormatTimestamp(at) + "', '" +
           agent + "', 'legal', 'item-" + std::to_string(id) + "');";
  }
  ExecSql(path, sql);
  NameRules rules;
  rules.max_values = {3, 0, 0, 0};
  auto map = std::make_shared<NameMap>(rules);
  SqliteSource source(path, SourceQueries());
  source.SetNames(map);
  EXPECT_EQ(map->folding(NameKind::kAgent).kept, 3u);
  std::vector<std::string> read;
  ReadStats stats;
  ASSERT_TRUE(source.ReadSubmissions(ReadRequest(), [&](const SubmissionRow& r) { read.push_back(r.agent); },
                                     &stats).ok());
  EXPECT_EQ(read, (std::vector<std::string>{"other", "other", "other", "now-0", "now-1", "now-2"}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace argus::testing
