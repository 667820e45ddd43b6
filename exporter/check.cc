#include "check.h"

namespace argus {

Alert NewAlert(const Check& check, Millis now, std::string scope) {
  Alert a;
  a.check = std::string(check.id());
  a.category = std::string(check.category());
  a.scope = std::move(scope);
  a.detected_at = now;
  return a;
}

std::optional<double> Check::Value(std::string_view key) const {
  // Params() only hands out pointers to members; nothing is written here.
  for (const Param& p : const_cast<Check*>(this)->Params()) {
    if (p.key != key) continue;
    if (auto* d = std::get_if<double*>(&p.target)) return **d;
    if (auto* m = std::get_if<Millis*>(&p.target)) return static_cast<double>(**m);
  }
  return std::nullopt;
}

}  // namespace argus
