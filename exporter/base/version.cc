#include "exporter/base/version.h"

#ifndef ARGUS_VERSION
#define ARGUS_VERSION "unknown"
#endif
#ifndef ARGUS_REVISION
#define ARGUS_REVISION "unknown"
#endif

namespace argus {

const char* Version() { return ARGUS_VERSION; }
const char* Revision() { return ARGUS_REVISION; }

}  // namespace argus
