#include "format.h"

#include <cmath>
#include <cstdio>

namespace argus {

std::string Num(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s(buf);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string Percent(double ratio) { return Num(std::round(ratio * 100), 0) + "%"; }

}  // namespace argus
