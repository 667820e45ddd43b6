#ifndef ARGUS_SERVE_PIPELINES_H_
#define ARGUS_SERVE_PIPELINES_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/serve/exporter.h"

namespace argus {

// The pipelines one process evaluates: one Exporter each, with its own
// database, source, engine, cycle loop and published state, so that one
// failing database fails only its own pipeline. A configuration without
// `pipelines:` has one member, unnamed and unlabelled: everything is as
// with a single exporter. Thread-safe.
class Pipelines {
 public:
  struct Member {
    std::string name;  // "" for the one pipeline of `database:`
    std::shared_ptr<Exporter> exporter;
  };
  // The one unnamed pipeline of `exporter`, which the caller keeps.
  static std::shared_ptr<Pipelines> Of(Exporter& exporter);
  explicit Pipelines(std::vector<Member> members);

  size_t size() const { return members_.size(); }
  // Whether the members carry a `pipeline` label (config `pipelines:`).
  bool labelled() const { return !members_.empty() && !members_.front().name.empty(); }
  const std::vector<Member>& members() const { return members_; }
  // The member named `name`, or null.
  Exporter* Find(std::string_view name) const;
  // "a, b, c": for messages.
  std::string Names() const;
  // Whether every member has completed a cycle.
  bool Ready() const;

  // The /metrics body of every member's last cycle in one exposition
  // (made once per set of cycles, shared by the scrapes that ask), and the
  // same gzip-compressed; members without a cycle yet are left out; null
  // before any member has had one.
  struct Metrics {
    std::shared_ptr<const std::string> text;
    std::function<std::shared_ptr<const std::string>()> gzip;
  };
  Metrics MergedMetrics() const;

  void Start();
  void Stop();

 private:
  std::vector<Member> members_;
  struct Merged {
    std::vector<std::shared_ptr<const Published>> parts;
    std::shared_ptr<const std::string> text;
    std::once_flag gzip_once;
    std::shared_ptr<const std::string> gzip;
  };
  mutable std::mutex mu_;
  mutable std::shared_ptr<Merged> merged_;  // guarded by mu_
};

}  // namespace argus

#endif  // ARGUS_SERVE_PIPELINES_H_
