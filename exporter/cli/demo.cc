#include "exporter/cli/demo.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "schema.h"

namespace argus {
namespace {

const char* const kAgentNames[] = {"atlas", "bard", "cato", "dax", "echo", "fern", "gale", "hale"};
const char* const kDomains[] = {"ai-alignment", "health", "legal", "finance"};
const char* const kReasons[] = {"missing_evidence", "factual_error", "off_topic",
                                "formatting", "duplicate"};
const char* const kNotes[] = {"No source supports the central claim.",
                              "Two figures contradict the cited paper.",
                              "Answers a different question than the task asked.",
                              "Tables are malformed; the checker cannot parse them.",
                              "Same content as an earlier approved item."};
const char* const kModels[] = {"claude-sonnet", "gpt-4o", "llama-3-70b"};

// Planted cases, as of `now`: who and what.
constexpr int kDormantAgent = 0;       // atlas: silent for the last 10h
constexpr int kRegressingAgent = 1;    // bard: most work rejected in the last 24h
constexpr int kSpikingAgent = 2;       // cato: a burst of rejections in the last hour
constexpr int kLoopingAgent = 3;       // dax: one item rejected five times
constexpr int kSpendingAgent = 4;      // echo: a runaway model in the last day
constexpr const char* kStalledDomain = "legal";     // no reviews for 6h
constexpr const char* kFailingDomain = "finance";   // rejected across agents

// Inserts rows through prepared statements inside one transaction.
class DemoDb {
 public:
  ~DemoDb() {
    for (sqlite3_stmt* s : {sub_, rev_, cost_}) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }

  Status Open(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return Error("cannot create");
    if (sqlite3_exec(db_, kSchemaSql, nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Error("cannot write the schema");
    }
    const char* sql[] = {
        "INSERT INTO submissions (created_at, agent, domain, item) VALUES (?, ?, ?, ?)",
        "INSERT INTO reviews (submission_id, reviewed_at, verdict, reason, score, note) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        "INSERT INTO costs (incurred_at, agent, model, usd, input_tokens, output_tokens) "
        "VALUES (?, ?, ?, ?, ?, ?)"};
    sqlite3_stmt** out[] = {&sub_, &rev_, &cost_};
    for (int i = 0; i < 3; ++i) {
      if (sqlite3_prepare_v2(db_, sql[i], -1, out[i], nullptr) != SQLITE_OK) {
        return Error("cannot prepare");
      }
    }
    return Status::Ok();
  }

  Status Commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Error("cannot commit");
    }
    return Status::Ok();
  }

  // Three timestamp spellings, as real pipelines mix them.
  int64_t Submission(Millis t, const std::string& agent, const std::string& domain,
                     const std::string& item) {
    Text(sub_, 1, FormatTimestamp(t / 1000 * 1000));
    Text(sub_, 2, agent);
    Text(sub_, 3, domain);
    Text(sub_, 4, item);
    Step(sub_);
    return sqlite3_last_insert_rowid(db_);
  }

  void Review(int64_t submission, Millis t, bool approved, const std::string& reason,
              double score, const std::string& note) {
    std::string ts = FormatTimestamp(t);
    ts[10] = ' ';
    if (ts.back() == 'Z') ts.pop_back();
    sqlite3_bind_int64(rev_, 1, submission);
    Text(rev_, 2, ts);
    Text(rev_, 3, approved ? "approved" : "rejected");
    if (approved) {
      sqlite3_bind_null(rev_, 4);
      sqlite3_bind_null(rev_, 6);
    } else {
      Text(rev_, 4, reason);
      Text(rev_, 6, note);
    }
    sqlite3_bind_double(rev_, 5, score);
    Step(rev_);
  }

  void Cost(Millis t, const std::string& agent, const std::string& model, double usd,
            int input_tokens, int output_tokens) {
    sqlite3_bind_double(cost_, 1, double(t) / 1000.0);
    Text(cost_, 2, agent);
    Text(cost_, 3, model);
    sqlite3_bind_double(cost_, 4, usd);
    sqlite3_bind_int(cost_, 5, input_tokens);
    sqlite3_bind_int(cost_, 6, output_tokens);
    Step(cost_);
  }

 private:
  Status Error(const std::string& what) {
    return Status::Error("demo database: " + what + ": " + (db_ ? sqlite3_errmsg(db_) : ""));
  }
  static void Text(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  static void Step(sqlite3_stmt* s) {
    sqlite3_step(s);
    sqlite3_reset(s);
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt *sub_ = nullptr, *rev_ = nullptr, *cost_ = nullptr;
};

// Collects every row of the demo in memory, then writes them in time order
// (a real pipeline appends as things happen, so ids grow with time).
class DemoRows {
 public:
  int64_t Submission(Millis t, const std::string& agent, const std::string& domain,
                     const std::string& item) {
    rows_.push_back({t, Row::kSubmission, submissions_, agent, domain, item, false, "", 0, "", 0, 0});
    return submissions_++;
  }
  void Review(int64_t submission, Millis t, bool approved, const std::string& reason,
              double score, const std::string& note) {
    rows_.push_back({t, Row::kReview, submission, "", "", "", approved, reason, score, note, 0, 0});
  }
  void Cost(Millis t, const std::string& agent, const std::string& model, double usd, int in,
            int out) {
    rows_.push_back({t, Row::kCost, 0, agent, "", "", false, model, usd, "", in, out});
  }

  void WriteTo(DemoDb& db) {
    std::stable_sort(rows_.begin(), rows_.end(),
                     [](const Row& a, const Row& b) { return a.at < b.at; });
    std::vector<int64_t> ids(submissions_);
    for (const Row& r : rows_) {
      switch (r.kind) {
        case Row::kSubmission:
          ids[r.ref] = db.Submission(r.at, r.agent, r.domain, r.item);
          break;
        case Row::kReview:
          db.Review(ids[r.ref], r.at, r.approved, r.text, r.number, r.note);
          break;
        case Row::kCost:
          db.Cost(r.at, r.agent, r.text, r.number, r.in, r.out);
          break;
      }
    }
  }

 private:
  struct Row {
    Millis at;
    enum Kind : char { kSubmission, kReview, kCost } kind;
    int64_t ref;  // the submission's number
    std::string agent, domain, item;
    bool approved;
    std::string text;  // reason of a review, model of a cost
    double number;     // score of a review, USD of a cost
    std::string note;
    int in, out;  // tokens of a cost
  };
  std::vector<Row> rows_;
  int64_t submissions_ = 0;
};

// Generates the history of every agent, then the planted cases.
class DemoGenerator {
 public:
  DemoGenerator(const DemoOptions& o, DemoRows& db) : o_(o), db_(db), rng_(o.seed) {}

  void Run() {
    for (int i = 0; i < o_.agents; ++i) Agent(i);
    if (!o_.plants) return;
    PlantRejectionBurst();
    PlantStuckItem();
    PlantRunawayModel();
  }

 private:
  static std::string AgentName(int i) {
    if (i < 8) return kAgentNames[i];
    char buf[32];
    std::snprintf(buf, sizeof buf, "agent-%03d", i + 1);
    return buf;
  }
  double Uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng_); }

  bool WorkingWeek() const { return o_.profile == "working-week"; }
  // The first working moment at or after `t`: weekdays 08:00-20:00 UTC.
  static Millis NextWorking(Millis t) {
    for (int i = 0; i < 8 * 24; ++i) {
      const int64_t hour = t / kHour;
      const int weekday = static_cast<int>((hour / 24 + 3) % 7);  // Monday 0
      const int hour_of_day = static_cast<int>(hour % 24);
      if (weekday < 5 && hour_of_day >= 8 && hour_of_day < 20) return t;
      t = (hour + 1) * kHour;
    }
    return t;
  }
  // Work goes twice as fast in the 10:00-12:00 rush of a working week.
  double Pace(Millis t) const {
    const int hour_of_day = static_cast<int>((t / kHour) % 24);
    return WorkingWeek() && hour_of_day >= 10 && hour_of_day < 12 ? 0.5 : 1.0;
  }
  Millis Minutes(double lo, double hi) { return static_cast<Millis>(Uniform(lo, hi) * kMinute); }

  // Whether the evaluator writes a verdict at `t`: not in the future, and not
  // for the stalled domain in the last 6h.
  bool Reviewed(const std::string& domain, Millis t) const {
    if (t > o_.now) return false;
    return !(o_.plants && domain == kStalledDomain && t > o_.now - 6 * kHour);
  }
  bool Silent(int agent, Millis t) const {
    return o_.plants && agent == kDormantAgent && t > o_.now - 10 * kHour;
  }

  void Calls(int agent, Millis t, int calls) {
    for (int c = 0; c < calls; ++c) {
      int in = static_cast<int>(Uniform(800, 4000)), out = static_cast<int>(Uniform(200, 1200));
      // Drawn one after the other: as arguments of one call their order
      // would be the compiler's choice, and the demo would differ between
      // compilers.
      const double usd = Uniform(0.02, 0.05);
      const Millis at = t - Minutes(0, 2);
      db_.Cost(at, AgentName(agent), kModels[agent % 3], usd, in, out);
    }
  }

  void Agent(int i) {
    const std::string agent = AgentName(i);
    // The last three of every eight agents also work in finance; with
    // fewer than seven agents, the fifth as well, so that the failing domain
    // has rejections from two agents.
    const bool finance = i % 8 >= 5 || (o_.agents < 7 && i % 8 == 4);
    const int domain_count = finance ? 4 : 3;
    const Millis step = static_cast<Millis>(kHour / o_.rate);
    const char* prefix = i % 3 == 0 ? "claim" : i % 3 == 1 ? "pr" : "task";
    Millis t = o_.now - o_.days * kDay + static_cast<Millis>(Uniform(0, 1) * step);
    if (WorkingWeek()) t = NextWorking(t);
    for (int64_t k = 0; t <= o_.now && !Silent(i, t); ++k) {
      const std::string domain = kDomains[(k + i) % domain_count];
      const std::string item = std::string(prefix) + "-" + std::to_string(i * 1000000 + k);
      const int64_t sid = db_.Submission(t, agent, domain, item);
      Calls(i, t, 1 + k % 2);
      const Millis reviewed = t + Minutes(1, 10);
      bool rejected = k % 5 == 2, retry = rejected;
      std::string reason = kReasons[(k / 5 + i) % 5];
      std::string note = kNotes[(k / 5 + i) % 5];
      if (o_.plants && reviewed > o_.now - 24 * kHour) {
        if (i == kRegressingAgent) {
          rejected = k % 5 != 0;
          retry = false;
        }
        if (domain == kFailingDomain) {
          rejected = k % 10 < 7;
          retry = false;
          if ((k / 4) % 4 != 3) {
            reason = "policy_violation";
            note = "Recommends a product the policy forbids naming.";
          }
        }
      }
      if (Reviewed(domain, reviewed)) {
        db_.Review(sid, reviewed, !rejected, reason,
                   rejected ? Uniform(0.1, 0.5) : Uniform(0.7, 0.98), note);
        const Millis again = reviewed + Minutes(5, 15);
        if (retry && again <= o_.now && !Silent(i, again)) {
          const int64_t retry_id = db_.Submission(again, agent, domain, item);
          Calls(i, again, 1);
          const Millis verdict = again + Minutes(1, 10);
          if (Reviewed(domain, verdict)) {
            db_.Review(retry_id, verdict, true, "", Uniform(0.7, 0.98), "");
          }
        }
      }
      t += static_cast<Millis>(step * Pace(t) * Uniform(0.8, 1.2));
      if (WorkingWeek()) t = NextWorking(t);
    }
  }

  // cato: a burst of rejections in the last hour, each for a different item:
  // eight, or, at higher rates, seven times the agent's usual rejections
  // an hour and two more, so that it is a spike beyond chance at any rate.
  void PlantRejectionBurst() {
    const std::string agent = AgentName(kSpikingAgent);
    const int burst = std::max(8, static_cast<int>(std::ceil(7 * o_.rate * 0.2)) + 2);
    for (int j = 0; j < burst; ++j) {
      const Millis t = o_.now - 55 * kMinute + j * 48 * kMinute / burst;
      const int64_t sid = db_.Submission(t, agent, kDomains[j % 2], "task-burst-" + std::to_string(j));
      Calls(kSpikingAgent, t, 1);
      db_.Review(sid, t + 2 * kMinute, false, kReasons[j % 4], Uniform(0.1, 0.3), kNotes[j % 4]);
    }
  }

  // dax: item claim-42 rejected five times in the last 6h, never approved.
  void PlantStuckItem() {
    const std::string agent = AgentName(kLoopingAgent);
    for (int j = 0; j < 5; ++j) {
      const Millis t = o_.now - 330 * kMinute + j * 65 * kMinute;
      const int64_t sid = db_.Submission(t, agent, "ai-alignment", "claim-42");
      Calls(kLoopingAgent, t, 2);
      db_.Review(sid, t + 3 * kMinute, false, "missing_evidence", Uniform(0.1, 0.3),
                 "Still no source for the claim; same citation as before.");
    }
  }

  // echo: 25 calls to an expensive model in the last 20h: $5 in all, or
  // 1.4 times the agent's usual daily spend when that is more (a higher
  // --rate spends more every day), so that the day's spend is about 2.4
  // times the usual: a cost-spike warning at any rate.
  void PlantRunawayModel() {
    const std::string agent = AgentName(kSpendingAgent);
    // Usual calls a day: 1.5 per submission, 1 more per retry (1 in 5),
    // at $0.035 on average.
    const double usual_daily = o_.rate * 24 * 1.7 * 0.035;
    const double price = std::max(0.20, 1.4 * usual_daily / 25);
    for (int j = 0; j < 25; ++j) {
      db_.Cost(o_.now - 20 * kHour + j * 48 * kMinute, agent, "claude-opus", price, 30000, 4000);
    }
  }

  const DemoOptions& o_;
  DemoRows& db_;
  std::mt19937_64 rng_;
};

}  // namespace

Status WriteDemo(const DemoOptions& options) {
  if (options.agents < 6 || options.agents > 10000) {
    return Status::Error("demo: --agents must be from 6 to 10000");
  }
  if (options.days < 8 || options.days > 3650) {
    return Status::Error("demo: --days must be from 8 to 3650 (the checks look back 8 days)");
  }
  if (!(options.rate > 0 && options.rate <= 60)) {
    return Status::Error("demo: --rate must be above 0 and at most 60 per hour");
  }
  if (options.plants && options.rate < 1) {
    return Status::Error("demo: the planted cases need --rate 1 or more (below, a day holds too "
                         "few reviews for the domain pattern to stand out from chance); "
                         "--no-plants takes any rate");
  }
  if (options.profile != "steady" && options.profile != "working-week") {
    return Status::Error("demo: --profile must be steady or working-week");
  }
  if (options.profile == "working-week" && options.plants && (options.rate < 2 || options.rate > 12)) {
    return Status::Error("demo: a working-week pipeline with planted cases needs --rate from 2 to "
                         "12 (below, a burst of rejections is also a day's quality regression; "
                         "above, a regression is also an hour's rejection spike); --no-plants "
                         "takes any rate");
  }
  if (options.profile == "working-week" && options.days < kWorkingWeekMinDays) {
    return Status::Error("demo: a working-week pipeline needs --days " +
                         std::to_string(kWorkingWeekMinDays) +
                         " or more (the checks learn its rhythm from weeks of history)");
  }
  std::error_code ec;
  if (std::filesystem::exists(options.path, ec)) {
    if (!options.force) {
      return Status::Error("demo: " + options.path + " exists; pass --force to replace it");
    }
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      std::filesystem::remove(options.path + suffix, ec);
    }
  }
  DemoRows rows;
  DemoGenerator(options, rows).Run();
  DemoDb db;
  if (Status s = db.Open(options.path); !s.ok()) return s;
  rows.WriteTo(db);
  return db.Commit();
}

}  // namespace argus
