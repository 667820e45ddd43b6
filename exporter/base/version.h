#ifndef ARGUS_BASE_VERSION_H_
#define ARGUS_BASE_VERSION_H_

namespace argus {

// The release (CMake's project version) and the git revision it was built
// from ("unknown" outside a checkout).
const char* Version();
const char* Revision();

}  // namespace argus

#endif  // ARGUS_BASE_VERSION_H_
