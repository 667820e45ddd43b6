// libFuzzer target: the YAML config loader and the web config loader, given
// any bytes. Either parses or refuses with a message; never crashes. A
// config that parses is also turned into rules and defaults (what `serve`
// does with it next).
#include <cstddef>
#include <cstdint>
#include <string>

#include "exporter/engine/config.h"
#include "exporter/engine/rules.h"
#include "exporter/serve/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  argus::Config config;
  argus::Status s = argus::ParseConfig(text, &config);
  if (s.ok()) {
    (void)config.Lookback();
    (void)argus::RulesYaml(config);
  } else if (s.message().empty()) {
    __builtin_trap();  // a refusal must say why
  }
  argus::WebConfig web;
  argus::Status w = argus::ParseWebConfig(text, &web);
  if (!w.ok() && w.message().empty()) __builtin_trap();
  return 0;
}
