#include "exporter/base/names.h"

namespace argus {

uint32_t Names::Intern(const std::string& name) {
  auto [it, inserted] = index_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (inserted) names_.push_back(name);
  return it->second;
}

}  // namespace argus
