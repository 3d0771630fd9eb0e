#include "schedlab/suite/lesson.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "schedlab/core/duration.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/suggest.hpp"
#include "schedlab/core/value_json.hpp"
#include "schedlab/kernels/flights.hpp"
#include "schedlab/reports/results.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/resource_usage.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "schedlab/suite/spec.hpp"

namespace schedlab::suite {

const kernels::Scenario& find_lesson(const std::string& name) {
  std::vector<std::string> lessons;
  for (const kernels::Scenario& s : kernels::scenarios()) {
    if (!s.lesson_suite) continue;
    if (s.name == name) return s;
    lessons.push_back(s.name);
  }
  throw UsageError(
      fmt::format("'{}' is not a lesson{}; lessons: {} (`schedlab lesson` shows "
                  "them with their notebooks)",
                  name, did_you_mean(name, lessons), fmt::join(lessons, ", ")));
}

double guess_seconds(const std::string& written, const std::string& typed) {
  // How people answer: "3", "3s", "3 s", "3 seconds", "3 sec", " 2.5 ".
  std::string text;
  for (char ch : written) {
    if (!std::isspace(static_cast<unsigned char>(ch))) text += ch;
  }
  for (const char* word : {"seconds", "second", "secs", "sec"}) {
    if (text.size() > std::strlen(word) && text.ends_with(word)) {
      text.resize(text.size() - std::strlen(word));
      text += 's';
      break;
    }
  }
  // A bare number is seconds; anything with a unit ("500ms", "3s", or a wrong "5m") is read as
  // written, so a wrong unit is an error rather than a different number.
  const bool bare = !text.empty() && std::isdigit(static_cast<unsigned char>(text.back()));
  try {
    return parse_duration_ms(bare ? text + "s" : text, typed, 3'600'000) / 1000;
  } catch (const UsageError&) {
    throw UsageError(fmt::format(
        "{}: write a number of seconds from 0 to 3600, such as 3, 2.5 or 500ms", typed));
  }
}

std::vector<LessonCase> lesson_cases(std::span<const unsigned> workers,
                                     std::span<const std::string> schedulers,
                                     unsigned threads_per_worker) {
  const SchedulerRegistry& registry = SchedulerRegistry::global();
  std::vector<LessonCase> cases;
  auto add = [&](const SchedulerInfo& info) {
    const bool threaded = info.traits.processes == ProcessModel::processes_of_threads;
    for (unsigned w : workers) {
      const unsigned n = info.workers_for(w);  // the baseline runs on one worker, once
      if (std::none_of(cases.begin(), cases.end(), [&](const LessonCase& c) {
            return c.scheduler == info.name && c.workers == n;
          }))
        cases.push_back(
            {.scheduler = info.name, .workers = n, .threads = threaded ? threads_per_worker : 1});
    }
  };
  auto first = [&](auto wanted) {
    for (const SchedulerInfo* info : registry.list()) {
      if (wanted(info->traits)) return add(*info);
    }
  };
  add(registry.baseline());
  if (schedulers.empty()) {
    first([](const SchedulerTraits& t) {
      return !t.speedup_baseline && t.processes == ProcessModel::one_process;
    });
    first([](const SchedulerTraits& t) { return t.processes == ProcessModel::process_per_worker; });
  }
  for (const std::string& name : schedulers) add(registry.info(name));
  return cases;
}

std::string cluster_summary(const LessonCase& c, uint64_t memory_limit) {
  const SchedulerInfo& info = SchedulerRegistry::global().info(c.scheduler);
  if (info.traits.processes != ProcessModel::processes_of_threads) return "";
  auto gb = [](double bytes) { return fmt::format("{:.3g} GB", bytes / 1e9); };
  const double limit = static_cast<double>(memory_limit);
  return fmt::format(
      "{}: {} worker process{} x {} thread{} = {} threads, {}", c.scheduler, c.workers,
      c.workers == 1 ? "" : "es", c.threads, c.threads == 1 ? "" : "s", c.lanes(),
      memory_limit ? fmt::format("memory limit {} each ({})", gb(limit), gb(limit * c.workers))
                   : "no memory limit");
}

void apply_guess(const std::string& guess, std::vector<LessonCase>& cases) {
  const size_t eq = guess.find('=');
  std::string who = guess.substr(0, eq);
  std::optional<unsigned> workers;
  if (const size_t slash = who.find('/'); slash != std::string::npos) {
    const std::string count = who.substr(slash + 1);
    if (!count.empty() && count.size() <= 4 &&
        count.find_first_not_of("0123456789") == std::string::npos)
      workers = static_cast<unsigned>(std::stoul(count));
    else
      workers = 0;  // matches no case: the message below says how to write it
    who.resize(slash);
  }
  const SchedulerRegistry& registry = SchedulerRegistry::global();
  std::vector<LessonCase*> matching;
  for (LessonCase& c : cases) {
    if (eq != std::string::npos && registry.has(who) && c.scheduler == registry.info(who).name &&
        (!workers || c.workers == *workers))
      matching.push_back(&c);
  }
  if (matching.size() != 1) {
    std::vector<std::string> names;
    for (const LessonCase& c : cases) {
      const bool several = std::count_if(cases.begin(), cases.end(), [&](const LessonCase& o) {
                             return o.scheduler == c.scheduler;
                           }) > 1;
      names.push_back(several ? fmt::format("{}/{}", c.scheduler, c.workers) : c.scheduler);
    }
    throw UsageError(fmt::format(
        "--guess {}: write SCHEDULER=SECONDS for one of the lesson's cases ({}), e.g. {}=3", guess,
        fmt::join(names, ", "), names.back()));
  }
  matching.front()->guess = guess_seconds(guess.substr(eq + 1), "--guess " + guess);
}

namespace {

bool same_value(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.as_double(), y = b.as_double();
    return std::abs(x - y) <= 1e-9 * std::max({1.0, std::abs(x), std::abs(y)});
  }
  // Python's tuples and lists are one kind here, and so are a list and an array of numbers.
  const auto sequence = [](const Value& v) {
    return v.kind() == ValueKind::list || v.kind() == ValueKind::array;
  };
  const auto size = [](const Value& v) {
    return v.kind() == ValueKind::list ? v.as_list().size() : v.as_array().size();
  };
  const auto item = [](const Value& v, size_t i) {
    return v.kind() == ValueKind::list ? v.as_list()[i] : Value(v.as_array()[i]);
  };
  if (sequence(a) && sequence(b)) {
    if (size(a) != size(b)) return false;
    for (size_t i = 0; i < size(a); ++i) {
      if (!same_value(item(a, i), item(b, i))) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

bool LessonQuestion::right() const {
  return answer && value && same_value(*answer, *value);
}

std::optional<Value> read_answer(const std::string& text) {
  // Python's way of writing values, as JSON: tuples (a one-item "(2,)" too) become lists and
  // single-quoted strings double-quoted ones; nothing inside a string changes.
  std::string json;
  char quote = 0;  // the quote of the string we are in, if any
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quote) {
      if (ch == '\\' && i + 1 < text.size()) {
        json += ch;
        json += text[++i];
      } else if (ch == quote) {
        json += '"';
        quote = 0;
      } else {
        json += ch == '"' ? std::string("\\\"") : std::string(1, ch);
      }
      continue;
    }
    if (ch == '\'' || ch == '"') {
      quote = ch;
      json += '"';
    } else if (ch == '(' || ch == ')') {
      if (ch == ')') {  // a trailing comma: "(2,)"
        const size_t last = json.find_last_not_of(" \t");
        if (last != std::string::npos && json[last] == ',') json.erase(last);
      }
      json += ch == '(' ? '[' : ']';
    } else {
      json += ch;
    }
  }
  const nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || parsed.is_null() || parsed.is_object()) return std::nullopt;
  try {
    return value_from_json(parsed);
  } catch (const UsageError&) {
    return std::nullopt;
  }
}

Lesson::Lesson(LessonSettings settings)
    : settings_(std::move(settings)), scenario_(find_lesson(settings_.name)) {
  if (!(settings_.unit_ms > 0)) throw UsageError("--unit must be more than 0 for a lesson");
  if (settings_.workers.empty()) throw UsageError("a lesson needs at least one worker count");
  params_ = kernels::complete_params(scenario_, kernels::parse_params(settings_.params));
  described_ = kernels::describe_params(scenario_, params_);
  gil_ = settings_.gil.value_or(std::any_of(scenario_.classroom.begin(), scenario_.classroom.end(),
                                            [](const kernels::ClassroomCase& c) { return c.gil; }));
  cases_ = lesson_cases(settings_.workers, settings_.schedulers, settings_.threads_per_worker);
  std::vector<std::string> schedulers;
  for (const LessonCase& c : cases_) schedulers.push_back(c.scheduler);
  check_worker_settings(schedulers,
                        {settings_.threads_per_worker, settings_.memory_limit, settings_.fresh_pool,
                         settings_.chunksize},
                        "the lesson's");
  for (const std::string& g : settings_.guesses) apply_guess(g, cases_);
  if (settings_.data_dir.empty()) settings_.data_dir = kernels::default_data_dir();
  built_ = kernels::build_scenario(scenario_, params_, {settings_.unit_ms, settings_.data_dir});
  if (scenario_.questions) {
    for (kernels::ValueQuestion& q : scenario_.questions(built_.graph, built_.targets, params_))
      questions_.push_back({.asked = std::move(q.asked), .nodes = std::move(q.nodes)});
  }
  for (const std::string& a : settings_.answers) {
    const size_t eq = a.find('=');
    const std::string number = a.substr(0, eq);
    const bool digits = !number.empty() && number.size() <= 3 &&
                        number.find_first_not_of("0123456789") == std::string::npos;
    const size_t i = digits ? std::stoul(number) : 0;
    if (eq == std::string::npos || i < 1 || i > questions_.size()) {
      throw UsageError(
          fmt::format("--answer {}: write N=VALUE for one of the lesson's {} value question{}{}", a,
                      questions_.size(), questions_.size() == 1 ? "" : "s",
                      questions_.empty() ? " (it has none: leave --answer out)" : ", e.g. 1=6"));
    }
    questions_[i - 1].answer = read_answer(a.substr(eq + 1));
    if (!questions_[i - 1].answer) {
      throw UsageError(
          fmt::format("--answer {}: write a number, a string or a list such as [2, 3, 4, 5]", a));
    }
  }
}

void Lesson::compute_answers() {
  std::vector<NodeId> nodes;
  for (const LessonQuestion& q : questions_)
    nodes.insert(nodes.end(), q.nodes.begin(), q.nodes.end());
  if (nodes.empty()) {
    for (LessonQuestion& q : questions_) q.value = Value(List{});  // a question of nothing
    return;
  }
  ComputeResult r = compute(
      built_.graph, nodes,
      {.scheduler = SchedulerRegistry::global().baseline().name, .gil = gil_, .skip_sleep = true});
  size_t at = 0;
  for (LessonQuestion& q : questions_) {
    if (q.nodes.size() == 1) {
      q.value = std::move(r.values[at++]);
      continue;
    }
    List items;
    for (size_t k = 0; k < q.nodes.size(); ++k) items.push_back(std::move(r.values[at++]));
    q.value = Value(std::move(items));
  }
}

std::vector<Value> Lesson::run_case(size_t i, std::span<Observer* const> observers) {
  const kernels::BuiltScenario& b = built_;
  if (!calibration_) calibration_ = calibrate(b.graph, b.targets);
  LessonCase& c = cases_.at(i);
  const SchedulerInfo& info = SchedulerRegistry::global().info(c.scheduler);
  // Only where the scheduler keeps a pool, as in a suite.
  const bool fresh = info.traits.pools_workers && settings_.fresh_pool;
  const unsigned chunksize = info.traits.pools_workers ? settings_.chunksize : 1;
  CellPrediction p = predict_cell(b.graph, b.targets, *calibration_, info,
                                  {.workers = c.workers,
                                   .gil = gil_,
                                   .threads_per_worker = c.threads,
                                   .fresh_pool = fresh,
                                   .chunksize = chunksize,
                                   .second_ms = settings_.unit_ms});
  c.predicted = p.predicted_ms / settings_.unit_ms;
  c.work = p.work_ms / settings_.unit_ms;
  c.span = p.span_ms / settings_.unit_ms;
  c.chain = std::move(p.chain);
  c.reasoning = std::move(p.reasoning);
  c.slowed_by = std::move(p.slowed_by);
  c.not_slowed_by = std::move(p.not_slowed_by);

  const uint64_t memory_limit = info.traits.limits_worker_memory ? settings_.memory_limit : 0;
  // Workers (a pool, a cluster) are started before the clock, as a suite's warm-up run would,
  // unless a fresh pool per run is the point.
  if (!fresh) {
    SchedulerRegistry::global().acquire(info.name, {.workers = c.workers,
                                                    .threads_per_worker = c.threads,
                                                    .memory_limit = memory_limit,
                                                    .chunksize = chunksize});
  }
  const MachineCpu before = machine_cpu();
  ComputeResult r =
      compute(b.graph, b.targets,
              {.scheduler = c.scheduler,
               .workers = c.workers,
               .threads_per_worker = c.threads,
               .memory_limit = memory_limit,
               .fresh_pool = fresh,
               .chunksize = chunksize,
               .gil = gil_,
               .observers = std::vector<Observer*>(observers.begin(), observers.end())});
  const MachineCpu after = machine_cpu();
  c.measured = r.stats.wall_ms / settings_.unit_ms;
  c.busy = reports::Repetition{.wall_ms = r.stats.wall_ms,
                               .other_cpu_ms = after.others_ms(before, r.stats.cpu_ms)}
               .other_cpu_share(std::max(1u, std::thread::hardware_concurrency()));
  return std::move(r.values);
}

}  // namespace schedlab::suite
