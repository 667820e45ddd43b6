#include "exporter/engine/failure_report.h"

#include <algorithm>
#include <deque>
#include <map>


namespace argus {
namespace {

constexpr size_t kRecentRejections = 10;

struct DomainCounts {
  int reviews = 0, rejections = 0;
};

double Share(int part, int whole) { return whole ? Round4(double(part) / whole) : 0.0; }

}  // namespace

FailureReportResult BuildFailureReport(PipelineSource& source, const Config& config,
                                       const std::string& agent, int hours, Millis now) {
  std::vector<ReviewRow> rows;
  ReadRequest request;
  request.range = {now - hours * kHour, now};
  request.agent = &agent;
  ReadStats stats;
  Status s = source.ReadReviews(request, [&](const ReviewRow& r) { rows.push_back(r); }, &stats);
  if (!s.ok()) return {s, {{"error", s.message()}}};
  std::sort(rows.begin(), rows.end(), [](const ReviewRow& a, const ReviewRow& b) {
    return a.reviewed_at != b.reviewed_at ? a.reviewed_at < b.reviewed_at : a.id < b.id;
  });

  int rejections = 0;
  std::map<std::string, int> reasons;
  std::map<std::string, DomainCounts> domains;
  for (const ReviewRow& r : rows) {
    DomainCounts& d = domains[r.domain];
    d.reviews += 1;
    if (r.approved) continue;
    d.rejections += 1;
    rejections += 1;
    reasons[r.reason] += 1;
  }
  if (rejections == 0) {
    return {Status::Ok(),
            {{"agent", agent}, {"status", "no_rejections"}, {"period_hours", hours}}};
  }

  std::vector<std::pair<std::string, int>> ranked(reasons.begin(), reasons.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  nlohmann::json top = nlohmann::json::array();
  for (const auto& [reason, count] : ranked) {
    top.push_back({{"reason", reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(reason)},
                   {"count", count},
                   {"share", Share(count, rejections)}});
  }
  nlohmann::json by_domain = nlohmann::json::object();
  for (const auto& [domain, c] : domains) {
    by_domain[domain] = {{"reviews", c.reviews},
                         {"rejections", c.rejections},
                         {"rejection_rate", Share(c.rejections, c.reviews)}};
  }
  nlohmann::json recent = nlohmann::json::array();
  Millis first = 0, last = 0;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it->approved) continue;
    if (last == 0) last = it->reviewed_at;
    first = it->reviewed_at;
    if (recent.size() < kRecentRejections) {
      recent.push_back({{"item", it->item},
                        {"domain", it->domain},
                        {"reason", it->reason.empty() ? nlohmann::json(nullptr)
                                                      : nlohmann::json(it->reason)},
                        {"note", it->note.empty() ? nlohmann::json(nullptr)
                                                  : nlohmann::json(it->note)},
                        {"reviewed_at", FormatTimestamp(it->reviewed_at)}});
    }
  }
  nlohmann::json report = {{"agent", agent},
                           {"status", "rejections"},
                           {"period_hours", hours},
                           {"generated_at", FormatTimestamp(now)},
                           {"total_reviews", rows.size()},
                           {"total_rejections", rejections},
                           {"rejection_rate", Share(rejections, static_cast<int>(rows.size()))},
                           {"top_reasons", std::move(top)},
                           {"by_domain", std::move(by_domain)},
                           {"recent_rejections", std::move(recent)},
                           {"first_rejection_at", FormatTimestamp(first)},
                           {"last_rejection_at", FormatTimestamp(last)}};
  for (const auto& check : config.checks) check->AddToReport(rows, &report);
  return {Status::Ok(), std::move(report)};
}

}  // namespace argus
