#include "schedlab/suite/lesson_verdicts.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>

#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace schedlab::suite {
namespace {

using kernels::Claim;
using kernels::ClaimSide;
using kernels::Relation;
using kernels::Who;

const kernels::Scenario* scenario_named(const std::string& name) {
  for (const kernels::Scenario& s : kernels::scenarios()) {
    if (s.name == name) return &s;
  }
  return nullptr;  // a graph file
}

bool is(const reports::Cell& c, Who who) {
  if (!SchedulerRegistry::global().has(c.scheduler)) return false;
  const SchedulerTraits& t = SchedulerRegistry::global().info(c.scheduler).traits;
  switch (who) {
    case Who::baseline:
      return c.baseline;
    case Who::parallel:
      return !c.baseline;
    case Who::one_process:
      return !c.baseline && t.processes == ProcessModel::one_process;
    case Who::own_processes:
      return t.processes == ProcessModel::process_per_worker ||
             (t.processes == ProcessModel::processes_of_threads && c.threads == 1);
  }
  return false;
}

bool on_side(const reports::Cell& c, const ClaimSide& side) {
  return is(c, side.who) && c.workers * c.threads == side.workers;
}

bool in_variant(const reports::Cell& c, const Claim& claim) {
  if (claim.gil >= 0 && c.gil != (claim.gil == 1)) return false;
  for (const auto& [k, v] : claim.variant) {
    auto it = c.param_values.find(k);
    if (it == c.param_values.end() || it->second != v) return false;
  }
  return true;
}

// "threads/2", with the parameters where the claim spans several variants: "threads/2[n=4]".
std::string label(const reports::Cell& c, const Claim& claim) {
  std::string out = c.scheduler + "/" + c.workers_text();
  if (claim.variant.empty() && !c.params.empty()) out += "[" + c.params + "]";
  return out;
}

std::string wanted(const Claim& claim, double tolerance) {
  const char* how = claim.relation == Relation::about     ? "about"
                    : claim.relation == Relation::at_most ? "at most"
                                                          : "at least";
  return fmt::format("{} {:.2f} wanted, within {:.0f}%", how, claim.ratio, 100 * (tolerance - 1));
}

bool holds(const Claim& claim, double ratio, double tolerance) {
  switch (claim.relation) {
    case Relation::about:
      return ratio >= claim.ratio / tolerance && ratio <= claim.ratio * tolerance;
    case Relation::at_most:
      return ratio <= claim.ratio * tolerance;
    case Relation::at_least:
      return ratio >= claim.ratio / tolerance;
  }
  return false;
}

reports::ClaimVerdict judge_claim(const Claim& claim,
                                  const std::vector<const reports::Cell*>& cells,
                                  const reports::Context& context) {
  const double tolerance = claim.computing ? kComputingClaimTolerance : kSleepingClaimTolerance;
  reports::ClaimVerdict out{claim.text, "untested", ""};
  std::vector<std::string> measured, failed, starved, busy_pairs;
  size_t pairs = 0, held = 0;
  double busiest = 0;
  for (const reports::Cell* s : cells) {
    if (!in_variant(*s, claim) || !on_side(*s, claim.subject)) continue;
    for (const reports::Cell* r : cells) {
      if (r == s || !in_variant(*r, claim) || !on_side(*r, claim.reference)) continue;
      if (r->params != s->params || r->gil != s->gil) continue;
      // The same kind on both sides: each scheduler against itself.
      if (claim.subject.who == claim.reference.who && r->scheduler != s->scheduler) continue;
      ++pairs;
      const std::string pair = fmt::format("{} against {}", label(*s, claim), label(*r, claim));
      if (!s->measured() || !r->measured() || r->wall.median <= 0) {
        starved.push_back(pair + ": a cell failed or was not measured");
        continue;
      }
      const double ratio = s->wall.median / r->wall.median;
      measured.push_back(fmt::format("{}: {:.2f}", pair, ratio));
      if (holds(claim, ratio, tolerance)) {
        ++held;
        continue;
      }
      const double busy =
          std::max(reports::busy_share(*s, context.cores), reports::busy_share(*r, context.cores));
      if (busy >= reports::kBusyShare) {
        busy_pairs.push_back(pair);
        busiest = std::max(busiest, busy);
      } else if (claim.computing && context.cores > 0 && context.cores < claim.subject.workers) {
        starved.push_back(fmt::format("{} missed, but it needs {} cores and the machine has {}",
                                      pair, claim.subject.workers, context.cores));
      } else {
        failed.push_back(pair);
      }
    }
  }
  if (pairs == 0) {
    out.detail = "no cells of this run test it";
    return out;
  }
  if (!busy_pairs.empty()) {
    starved.push_back(
        fmt::format("{} missed, but the machine was busy: other programs took up to "
                    "{:.0f}% of the CPU",
                    fmt::join(busy_pairs, ", "), 100 * busiest));
  }
  out.detail = measured.empty()
                   ? ""
                   : fmt::format("{} ({})", fmt::join(measured, "; "), wanted(claim, tolerance));
  auto add = [&](const std::vector<std::string>& why) {
    out.detail += fmt::format("{}{}", out.detail.empty() ? "" : ". ", fmt::join(why, "; "));
  };
  if (context.unit_ms <= 0) {
    // Every lesson's sleeps and computations are so many units: at --unit 0 what is measured is
    // the schedulers' own cost, of which no notebook speaks.
    out.verdict = "inconclusive";
    add(
        {"At --unit 0 the tasks neither sleep nor compute: judge lessons with --unit 20ms or "
         "more"});
  } else if (claim.one_pair_suffices && held > 0) {
    out.verdict = "held";
    if (!failed.empty() || !starved.empty()) add({"One pair suffices for this claim"});
  } else if (!failed.empty()) {
    out.verdict = "not held";
    add({fmt::format("Missed on a quiet machine: {}", fmt::join(failed, ", "))});
  } else if (!starved.empty()) {
    out.verdict = "inconclusive";
    add(starved);
  } else {
    out.verdict = "held";
  }
  return out;
}

reports::LessonVerdict judge_lesson(const kernels::Scenario& s,
                                    const std::vector<const reports::Cell*>& cells,
                                    const reports::Context& context) {
  reports::LessonVerdict out{s.name, s.notebook, s.takeaway, {}, "held", ""};
  for (const Claim& claim : s.claims) out.claims.push_back(judge_claim(claim, cells, context));
  auto first = [&](const char* verdict) -> const reports::ClaimVerdict* {
    for (const reports::ClaimVerdict& c : out.claims) {
      if (c.verdict == verdict) return &c;
    }
    return nullptr;
  };
  if (const reports::ClaimVerdict* c = first("not held")) {
    out.verdict = "not held";
    out.reason = fmt::format("\"{}\" did not hold: {}", c->text, c->detail);
  } else if (const reports::ClaimVerdict* open = first("inconclusive")) {
    out.verdict = "inconclusive";
    out.reason = fmt::format("\"{}\": {}", open->text, open->detail);
  } else if (!first("held")) {
    out.verdict = "inconclusive";
    out.reason =
        "no cell of this run tests its claims (they need the speedup baseline and 2 or 4 "
        "workers of the schedulers they name)";
  }
  return out;
}

}  // namespace

std::vector<reports::LessonVerdict> judge_lessons(const reports::SuiteResult& result) {
  std::vector<reports::LessonVerdict> out;
  std::vector<std::string> done;
  for (const reports::Cell& c : result.cells) {
    if (std::find(done.begin(), done.end(), c.scenario) != done.end()) continue;
    done.push_back(c.scenario);
    const kernels::Scenario* s = scenario_named(c.scenario);
    if (!s || s->claims.empty()) continue;
    std::vector<const reports::Cell*> cells;
    for (const reports::Cell& x : result.cells) {
      if (x.scenario == c.scenario) cells.push_back(&x);
    }
    out.push_back(judge_lesson(*s, cells, result.context));
  }
  return out;
}

}  // namespace schedlab::suite
