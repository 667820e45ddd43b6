#ifndef ARGUS_BASE_NAMES_H_
#define ARGUS_BASE_NAMES_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace argus {

// Strings seen in the pipeline, each stored once and named by a dense index.
class Names {
 public:
  uint32_t Intern(const std::string& name);
  const std::string& operator[](uint32_t index) const { return names_[index]; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> index_;
};

}  // namespace argus

#endif  // ARGUS_BASE_NAMES_H_
