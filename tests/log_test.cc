#include "exporter/base/log.h"

#include <gtest/gtest.h>

#include <sstream>

namespace argus {
namespace {

TEST(Logfmt, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(LogfmtValue("plain"), "plain");
  EXPECT_EQ(LogfmtValue(""), "\"\"");
  EXPECT_EQ(LogfmtValue("two words"), "\"two words\"");
  EXPECT_EQ(LogfmtValue("a=b"), "\"a=b\"");
  EXPECT_EQ(LogfmtValue("say \"hi\""), "\"say \\\"hi\\\"\"");
}

TEST(Logfmt, AHostileValueCannotForgeALine) {
  std::ostringstream out;
  Logger log(out, LogLevel::kInfo);
  log.Info("msg", {{"agent", "x\nts=0 level=error msg=forged"}});
  const std::string line = out.str();
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_NE(line.find("agent=\"x\\nts=0 level=error msg=forged\""), std::string::npos) << line;
  EXPECT_EQ(line.rfind("ts=", 0), 0u);
  EXPECT_NE(line.find(" level=info msg=msg "), std::string::npos);
}

TEST(Logfmt, LevelFiltersLines) {
  std::ostringstream out;
  Logger log(out, LogLevel::kWarn);
  log.Info("hidden");
  log.Debug("hidden");
  log.Warn("shown");
  log.Error("shown too");
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
  EXPECT_NE(out.str().find("level=warn msg=shown"), std::string::npos);
  EXPECT_NE(out.str().find("level=error msg=\"shown too\""), std::string::npos);
  EXPECT_FALSE(ParseLogLevel("verbose").has_value());
}

}  // namespace
}  // namespace argus
