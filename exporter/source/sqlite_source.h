#ifndef ARGUS_SQLITE_SOURCE_H_
#define ARGUS_SQLITE_SOURCE_H_

#include <memory>
#include <string>

#include "exporter/source/name_map.h"
#include "exporter/source/source.h"

namespace argus {

class ConnectionPool;  // sqlite_connection.h

// Reads the pipeline's SQLite database, strictly read-only: connections
// open the file with SQLITE_OPEN_READONLY and PRAGMA query_only, and every
// read is one short transaction, so no lock outlives a read. Idle
// connections are kept for the next read, and dropped when the file at the
// path is another one (replaced) or a read failed, so a repaired file is
// picked up by the next read. Thread-safe: each read takes a connection of
// its own.
class SqliteSource : public PipelineSource {
 public:
  // Each read may take `query_timeout` before it is interrupted (see
  // ReadDeadline).
  SqliteSource(std::string path, SourceQueries queries,
               Millis query_timeout = 30 * kSecond);
  ~SqliteSource() override;

  Status ReadSubmissions(const ReadRequest& request,
                         const std::function<void(const SubmissionRow&)>& visit,
                         ReadStats* stats) override;
  Status ReadReviews(const ReadRequest& request,
                     const std::function<void(const ReviewRow&)>& visit,
                     ReadStats* stats) override;
  Status ReadCosts(const ReadRequest& request, const std::function<void(const CostRow&)>& visit,
                   ReadStats* stats) override;

  Status MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) override;
  // Every read has a connection of its own.
  bool concurrent_reads() const override { return true; }
  // The file's device and inode, or "" when it cannot be seen.
  std::string Generation() override;

  // Maps every name read (NameMap); none maps nothing. Call before the
  // first read.
  // Seeds the map with each kind's most recent names (reference tables
  // only), so that a limit keeps the names in use.
  void SetNames(std::shared_ptr<NameMap> names) override;
  const NameMap* names() const override { return names_.get(); }

  // How often a read waited for the writer to checkpoint a growing
  // write-ahead log (ConnectionPool::AwaitQuiet).
  int64_t wal_backoffs() const;

  // Opens the database and prepares every source query once, so that a
  // misspelt table or column is reported before the first cycle.
  Status Validate() override;

  SqliteSource(const SqliteSource&) = delete;
  SqliteSource& operator=(const SqliteSource&) = delete;

 private:
  void Map(NameKind kind, std::string* name) const {
    if (names_) names_->Apply(kind, name);
  }
  std::shared_ptr<NameMap> names_;
  std::string path_;
  SourceQueries queries_;
  std::shared_ptr<ConnectionPool> pool_;
};

// Refuses source queries that would write (or hold more than one
// statement), as far as SQLite can tell without running them: each is
// prepared on an empty database of the reference schema and, when the file
// at `path` can be opened, on it. A query that prepares on neither is left
// to the first read to report.
Status CheckQueriesOnlyRead(const std::string& path, const SourceQueries& queries);

}  // namespace argus

#endif  // ARGUS_SQLITE_SOURCE_H_
