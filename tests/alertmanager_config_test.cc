// The example Alertmanager routing against the checks' default windows: a
// critical alert that keeps firing pages again no sooner than its
// condition's window can change.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <optional>
#include <regex>

#include "exporter/base/timestamp.h"
#include "exporter/engine/config.h"

namespace argus {
namespace {

using Labels = std::map<std::string, std::string>;

// Whether `labels` satisfy every matcher of a route (`a="b"`, `a=~"re"`,
// `a!="b"`), as Alertmanager reads them.
bool Matches(const YAML::Node& route, const Labels& labels) {
  static const std::regex kMatcher(R"re(^\s*([a-zA-Z_]+)\s*(=~|!=|=)\s*"(.*)"\s*$)re");
  for (const auto& m : route["matchers"]) {
    std::smatch parts;
    const std::string text = m.as<std::string>();
    if (!std::regex_match(text, parts, kMatcher)) ADD_FAILURE() << "matcher not understood: " << text;
    const auto it = labels.find(parts[1]);
    const std::string value = it == labels.end() ? "" : it->second;
    if (parts[2] == "=" && value != parts[3].str()) return false;
    if (parts[2] == "!=" && value == parts[3].str()) return false;
    if (parts[2] == "=~" && !std::regex_match(value, std::regex(parts[3].str()))) return false;
  }
  return true;
}

// The repeat_interval Alertmanager applies to `labels`: the deepest first
// matching route's, inherited from its parents.
std::optional<Millis> RepeatInterval(const YAML::Node& route, const Labels& labels,
                                     std::optional<Millis> inherited) {
  if (route["repeat_interval"]) inherited = ParseDuration(route["repeat_interval"].as<std::string>());
  for (const auto& child : route["routes"]) {
    if (Matches(child, labels)) return RepeatInterval(child, labels, inherited);
  }
  return inherited;
}

TEST(AlertmanagerExample, CriticalsRepeatNoSoonerThanTheirWindowCanChange) {
  const YAML::Node am = YAML::LoadFile(std::string(ARGUS_SOURCE_DIR) + "/rules/alertmanager.yml");
  int checked = 0;
  for (const auto& check : Config().checks) {
    const auto window = check->Value("window");
    if (!window) continue;  // dormant_agent: no window, its idle time only grows
    const Labels labels = {{"alertname", "ArgusSomething"}, {"severity", "critical"}, {"check", std::string(check->id())}};
    const auto repeat = RepeatInterval(am["route"], labels, std::nullopt);
    ASSERT_TRUE(repeat) << check->id();
    EXPECT_GE(*repeat, static_cast<Millis>(*window)) << check->id() << ": repeats every "
                                                     << FormatDuration(*repeat) << ", window "
                                                     << FormatDuration(static_cast<Millis>(*window));
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

}  // namespace
}  // namespace argus
