#include "exporter/serve/pipelines.h"

#include "exporter/base/gzip.h"
#include "exporter/serve/metrics.h"

namespace argus {

Pipelines::Pipelines(std::vector<Member> members) : members_(std::move(members)) {}

std::shared_ptr<Pipelines> Pipelines::Of(Exporter& exporter) {
  std::vector<Member> one;
  one.push_back({"", std::shared_ptr<Exporter>(&exporter, [](Exporter*) {})});
  return std::make_shared<Pipelines>(std::move(one));
}

Exporter* Pipelines::Find(std::string_view name) const {
  for (const Member& m : members_) {
    if (m.name == name) return m.exporter.get();
  }
  return nullptr;
}

std::string Pipelines::Names() const {
  std::string names;
  for (const Member& m : members_) names += (names.empty() ? "" : ", ") + m.name;
  return names;
}

bool Pipelines::Ready() const {
  for (const Member& m : members_) {
    if (!m.exporter->Latest()) return false;
  }
  return true;
}

Pipelines::Metrics Pipelines::MergedMetrics() const {
  // The pipelines that have had a cycle: one whose first read is slow
  // does not hold back the others' metrics (its own appear with its
  // first cycle).
  std::vector<std::shared_ptr<const Published>> parts;
  for (const Member& m : members_) {
    if (auto latest = m.exporter->Latest()) parts.push_back(std::move(latest));
  }
  if (parts.empty()) return {};
  std::shared_ptr<Merged> merged;
  {
    std::lock_guard lock(mu_);
    if (merged_ && merged_->parts == parts) merged = merged_;
  }
  if (!merged) {
    merged = std::make_shared<Merged>();
    std::vector<const std::vector<prometheus::MetricFamily>*> families;
    for (const auto& p : parts) families.push_back(&p->metric_families);
    merged->text = std::make_shared<const std::string>(MergedMetricsText(families));
    merged->parts = std::move(parts);
    std::lock_guard lock(mu_);
    merged_ = merged;
  }
  Metrics out;
  out.text = merged->text;
  out.gzip = [merged] {
    std::call_once(merged->gzip_once,
                   [&] { merged->gzip = std::make_shared<const std::string>(Gzip(*merged->text)); });
    return merged->gzip;
  };
  return out;
}

void Pipelines::Start() {
  for (Member& m : members_) m.exporter->Start();
}

void Pipelines::Stop() {
  for (Member& m : members_) m.exporter->Stop();
}

}  // namespace argus
