#include "incremental_engine.h"

#include <chrono>
#include <thread>
#include <vector>

namespace argus {
namespace {

bool DefaultSources(const SourceQueries& q) {
  const SourceQueries reference;
  return q.submissions == reference.submissions && q.reviews == reference.reviews &&
         q.costs == reference.costs;
}

// Reads rows above `*last_id` whose time is after `from`, in batches, until
// a batch comes back short.
template <typename ReadFn>
Status ReadAfter(int64_t batch_rows, Millis from, int64_t* last_id, ReadFn read) {
  while (true) {
    ReadRequest request;
    request.range = {from, kAllTime};
    request.after_id = *last_id;
    request.limit = batch_rows;
    ReadStats stats;
    Status s = read(request, &stats);
    if (!s.ok()) return s;
    if (stats.max_id > *last_id) *last_id = stats.max_id;
    if (stats.rows < batch_rows) return Status::Ok();
  }
}

}  // namespace

IncrementalEngine::IncrementalEngine(const Config& config, PipelineSource& source, Logger* log,
                                     int64_t batch_rows)
    : config_(config.Clone()),
      source_(source),
      log_(log),
      batch_rows_(batch_rows),
      incremental_(DefaultSources(config.sources) || config.sources_incremental) {
  if (!incremental_ && log_) {
    log_->Warn(
        "sources: replaces a table by a query; evaluating the whole windows every cycle "
        "(set sources.incremental: true if each query's id only grows as rows are appended)");
  }
}

void IncrementalEngine::Reset(const std::string& why) {
  if (state_ && log_) log_->Warn("reading the database again from scratch", {{"why", why}});
  if (state_) ++reloads_;
  state_.reset();
  last_submission_ = last_review_ = last_cost_ = -1;
}

TableErrors IncrementalEngine::ReadNewRows(Millis now, bool cold, const bool fresh[3]) {
  TableErrors errors;
  const Millis from = now - config_.Lookback();
  WindowState& state = *state_;
  // Costs and submissions are buffered and applied after the reviews; on a
  // cold start they are read on a second thread meanwhile (the source reads
  // each table through a connection of its own).
  // Compact: agents are numbered in `names` here and mapped to the state's
  // numbers afterwards; activity keeps one latest time per agent.
  struct Cost {
    Millis at;
    int64_t id;
    uint32_t agent;
    double usd;
  };
  Names names;
  std::vector<Cost> costs;
  std::vector<std::vector<Millis>> activity;  // per agent: latest past, then any future
  auto note = [&](uint32_t agent, Millis at) {
    if (activity.size() <= agent) activity.resize(agent + 1);
    auto& times = activity[agent];
    if (at > now) {
      times.push_back(at);
    } else if (times.empty() || times.front() > now) {
      times.insert(times.begin(), at);
    } else if (times.front() < at) {
      times.front() = at;
    }
  };
  auto read_others = [&] {
    if (fresh[2]) {
    Status s = ReadAfter(batch_rows_, from, &last_cost_, [&](const ReadRequest& q, ReadStats* st) {
      return source_.ReadCosts(q,
                               [&](const CostRow& r) {
                                 const uint32_t agent = names.Intern(r.agent);
                                 costs.push_back({r.incurred_at, r.id, agent, r.usd});
                                 note(agent, r.incurred_at);
                               },
                               st);
    });
    if (!s.ok()) errors.costs = s.message();
    }
    if (!fresh[0]) return;
    Status s = ReadAfter(batch_rows_, from, &last_submission_, [&](const ReadRequest& q, ReadStats* st) {
      return source_.ReadSubmissions(
          q, [&](const SubmissionRow& r) { note(names.Intern(r.agent), r.created_at); }, st);
    });
    if (!s.ok()) errors.submissions = s.message();
  };
  std::thread others;
  if (cold) others = std::thread(read_others);
  if (fresh[1]) {
    Status s = ReadAfter(batch_rows_, from, &last_review_, [&](const ReadRequest& q, ReadStats* st) {
      return source_.ReadReviews(q, [&](const ReviewRow& r) { state.AddReview(r); }, st);
    });
    if (!s.ok()) errors.reviews = s.message();
  }
  if (cold) {
    others.join();
  } else {
    read_others();
  }
  std::vector<uint32_t> to_state(names.size());
  for (uint32_t a = 0; a < names.size(); ++a) to_state[a] = state.agents.Intern(names[a]);
  for (const Cost& c : costs) state.AddCost(to_state[c.agent], c.at, c.id, c.usd);
  for (uint32_t a = 0; a < activity.size(); ++a) {
    for (Millis at : activity[a]) state.AddActivity(to_state[a], at);
  }
  return errors;
}

CycleResult IncrementalEngine::Run(Millis now) {
  if (!incremental_) return RunChecks(config_, source_, now);
  const auto start = std::chrono::steady_clock::now();

  const std::string generation = source_.Generation();
  if (generation != generation_) {
    if (!generation_.empty()) Reset("the database file was replaced");
    generation_ = generation;
  }
  if (now < last_now_) Reset("the clock went back");
  // Tables without ids above those read are not read at all this cycle.
  bool fresh[3] = {true, true, true};
  if (state_) {
    int64_t subs, revs, costs;
    if (source_.MaxIds(&subs, &revs, &costs).ok()) {
      if (subs < last_submission_ || revs < last_review_ || costs < last_cost_) {
        Reset("ids went back: the database was replaced");
      } else {
        fresh[0] = subs > last_submission_;
        fresh[1] = revs > last_review_;
        fresh[2] = costs > last_cost_;
      }
    }
  }
  const bool cold = !state_;
  if (!state_) {
    std::vector<Millis> offsets = {config_.Lookback()}, spend_offsets;
    Millis stuck = kHour, domain = kDay;
    for (const auto& check : config_.checks) {
      for (Millis d : check->Offsets()) offsets.push_back(d);
      for (Millis d : check->SpendOffsets()) spend_offsets.push_back(d);
      if (check->id() == "stuck_loop") stuck = static_cast<Millis>(*check->Value("window"));
      if (check->id() == "domain_rejection_pattern") {
        domain = static_cast<Millis>(*check->Value("window"));
      }
    }
    state_ = std::make_unique<WindowState>(offsets, spend_offsets, stuck, domain);
  }
  last_now_ = now;

  // Move the windows first, so that new rows land in their segment at once.
  state_->AdvanceTo(now);
  const TableErrors errors = ReadNewRows(now, cold && source_.concurrent_reads(), fresh);
  CycleResult result = EvaluateChecks(config_, now, errors, [&](const Check& check, CheckOutput* out) {
    check.EvaluateState(*state_, out);
  });
  result.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace argus
