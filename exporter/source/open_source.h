#ifndef ARGUS_SOURCE_OPEN_SOURCE_H_
#define ARGUS_SOURCE_OPEN_SOURCE_H_

#include <memory>
#include <string>

#include "exporter/base/status.h"
#include "exporter/source/source.h"

namespace argus {

// The source the `database` setting names: a PostgreSQL connection URI
// (postgresql://...) or the path of a SQLite file.
std::unique_ptr<PipelineSource> OpenPipelineSource(const std::string& database,
                                                   const SourceQueries& queries,
                                                   Millis query_timeout);

// Refuses, before any read, a `database` setting that cannot work: a
// malformed connection URI, or source queries that would write (as far as
// SQLite can tell; PostgreSQL refuses writes in its read-only
// transactions). The message names the key and the reason, never a password.
Status CheckDatabase(const std::string& database, const SourceQueries& queries);

// `database` as log lines, error bodies and metrics may show it: a URI's
// password replaced by "****".
std::string DatabaseForDisplay(const std::string& database);

}  // namespace argus

#endif  // ARGUS_SOURCE_OPEN_SOURCE_H_
