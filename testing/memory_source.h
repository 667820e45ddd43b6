#ifndef ARGUS_MEMORY_SOURCE_H_
#define ARGUS_MEMORY_SOURCE_H_

#include <string>
#include <vector>

#include "exporter/source/source.h"

namespace argus {

// The in-memory twin of SqliteSource: tests append rows (timestamps as the
// raw text a pipeline would store) and the checks read them back through the
// same interface. `fail_*` make a read fail, for fault tests. Not
// thread-safe.
class MemorySource : public PipelineSource {
 public:
  struct Submission {
    int64_t id;
    std::string created_at;
    std::string agent, domain, item;
  };
  struct Review {
    int64_t id;
    int64_t submission_id;
    std::string reviewed_at;
    std::string verdict;
    std::string reason;
    std::optional<double> score;
    std::string note;
  };
  struct Cost {
    int64_t id;
    std::string incurred_at;
    std::string agent, model;
    double usd;
  };

  // Appends a submission and returns its id.
  int64_t AddSubmission(const std::string& created_at, const std::string& agent,
                        const std::string& domain, const std::string& item);
  void AddReview(int64_t submission_id, const std::string& reviewed_at,
                 const std::string& verdict, const std::string& reason = "",
                 const std::string& note = "");
  void AddCost(const std::string& incurred_at, const std::string& agent,
               const std::string& model, double usd);

  Status ReadSubmissions(const ReadRequest& request,
                         const std::function<void(const SubmissionRow&)>& visit,
                         ReadStats* stats) override;
  Status ReadReviews(const ReadRequest& request,
                     const std::function<void(const ReviewRow&)>& visit,
                     ReadStats* stats) override;
  Status ReadCosts(const ReadRequest& request, const std::function<void(const CostRow&)>& visit,
                   ReadStats* stats) override;

  Status MaxIds(int64_t* submissions, int64_t* reviews, int64_t* costs) override;
  // Drops every row, as a database replaced by an empty one.
  void Clear();

  bool fail_submissions = false;
  bool fail_reviews = false;
  bool fail_costs = false;

 private:
  std::vector<Submission> submissions_;
  std::vector<Review> reviews_;
  std::vector<Cost> costs_;
};

}  // namespace argus

#endif  // ARGUS_MEMORY_SOURCE_H_
