#ifndef ARGUS_FORMAT_H_
#define ARGUS_FORMAT_H_

#include <string>

namespace argus {

// A number for a human: at most `decimals` decimals, trailing zeros dropped
// ("0.2", "12", "3.75").
std::string Num(double value, int decimals = 2);

// A share as a percentage: "62%".
std::string Percent(double ratio);

}  // namespace argus

#endif  // ARGUS_FORMAT_H_
