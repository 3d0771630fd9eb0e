#include "schedlab/kernels/scenarios.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <mutex>
#include <numeric>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/ops.hpp"
#include "schedlab/core/suggest.hpp"
#include "schedlab/kernels/flights.hpp"
#include "schedlab/kernels/shapes.hpp"

namespace schedlab::kernels {
namespace {

// Appends item, after sep unless out is empty. (Written out: GCC 12 warns falsely about the
// usual (a ? "" : sep) + b at -O3.)
void append(std::string& out, std::string_view sep, std::string_view item) {
  if (!out.empty()) out += sep;
  out += item;
}

int64_t int_param(const Params& p, const std::string& name, int64_t lo, int64_t hi) {
  const std::string& text = p.at(name);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    throw UsageError(
        fmt::format("parameter {}={} must be an integer from {} to {}", name, text, lo, hi));
  }
  return v;
}

double number_param(const Params& p, const std::string& name, double lo, double hi) {
  const std::string& text = p.at(name);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= lo && v <= hi)) {
    throw UsageError(
        fmt::format("parameter {}={} must be a number from {} to {}", name, text, lo, hi));
  }
  return v;
}

const std::string& choice(const Params& p, const std::string& name,
                          std::initializer_list<const char*> options) {
  const std::string& v = p.at(name);
  std::string valid;
  for (const char* o : options) {
    if (v == o) return v;
    append(valid, "|", o);
  }
  throw UsageError(fmt::format("parameter {}={} must be one of {}", name, v, valid));
}

TaskOptions units(const BuildContext& ctx, double n = 1, LockKind lock = LockKind::none) {
  return TaskOptions::sleeping(ctx.unit_ms * n, lock);
}

// Adds up handles as a chain (Python's sum over Delayed), a balanced tree, or one task.
Delayed reduce(Graph& g, const std::vector<Delayed>& items, const std::string& how,
               TaskOptions add_options) {
  if (how == "fanin") return call(g, Call{"total", add_options}, "sum", items);
  std::vector<Delayed> level = items;
  if (how == "chain") {
    Delayed acc = level[0];
    for (size_t i = 1; i < level.size(); ++i)
      acc = call(g, Call{{}, add_options}, "add", acc, level[i]);
    return acc;
  }
  while (level.size() > 1) {
    std::vector<Delayed> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(call(g, Call{{}, add_options}, "add", level[i], level[i + 1]));
    }
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  return level[0];
}

Delayed slow_arithmetic(Graph& g, TaskOptions slow) {
  auto x = call(g, Call{"x", slow}, "add", 1, 3);
  auto y = call(g, Call{"y", slow}, "sub", 2, 4);
  auto z = call(g, Call{"z", slow}, "mul", x, y);
  return call(g, Call{"result", slow}, "div", z, 5.0);
}

std::vector<NodeId> build_slow_arithmetic(Graph& g, const Params&, const BuildContext& ctx) {
  return {slow_arithmetic(g, units(ctx)).id()};
}

std::vector<NodeId> build_sleeplock(Graph& g, const Params& p, const BuildContext& ctx) {
  LockKind lock = *parse_lock(choice(p, "lock", {"process", "global", "none"}));
  return {slow_arithmetic(g, units(ctx, 1, lock)).id()};
}

// Keys name the item a task works on ("inc-0" is inc of item 0), so pictures read like the
// lesson's code.
std::string item_key(const char* what, int64_t i) {
  return fmt::format("{}-{}", what, i);
}

std::vector<NodeId> build_inc_dbl(Graph& g, const Params& p, const BuildContext& ctx) {
  const std::string& how = choice(p, "reduce", {"chain", "tree", "fanin"});
  std::vector<Delayed> odd;
  const int items[] = {2, 5, 7, 3};
  for (int i = 0; i < 4; ++i) {
    auto d = call(g, Call{item_key("dbl", i), units(ctx)}, "dbl", items[i]);
    odd.push_back(call(g, Call{item_key("inc", i), units(ctx)}, "inc", d));
  }
  return {reduce(g, odd, how, {}).id()};  // the adds do not sleep, as in the lesson
}

std::vector<NodeId> build_inc_dec_add(Graph& g, const Params& p, const BuildContext& ctx) {
  const int64_t n = int_param(p, "n", 1, 100'000);
  std::vector<Delayed> results;
  for (int64_t i = 0; i < n; ++i) {
    auto x = call(g, Call{item_key("inc", i), units(ctx)}, "inc", i);
    auto y = call(g, Call{item_key("dec", i), units(ctx)}, "dec", i);
    results.push_back(call(g, Call{item_key("add", i), units(ctx)}, "add", x, y));
  }
  return {call(g, Call{"total"}, "sum", results).id()};
}

std::vector<NodeId> build_map_reduce(Graph& g, const Params& p, const BuildContext& ctx) {
  const int64_t n = int_param(p, "n", 1, 100'000);
  const std::string& how = choice(p, "reduce", {"chain", "tree"});
  const std::string& of = choice(p, "of", {"b", "a"});
  register_scenario_ops();
  std::vector<Delayed> items;  // b = map(addTwo, a), or a itself as the reduce slide has it
  for (int64_t i = 0; i < n; ++i) {
    items.push_back(of == "b" ? call(g, Call{item_key("addTwo", i), units(ctx)}, "addTwo", i)
                              : literal(g, Value(i), item_key("a", i)));
  }
  return {reduce(g, items, how, units(ctx)).id()};
}

// Seed 002's questions: "dask.compute(*b)" after the map, and the reduce's ".compute()".
std::vector<ValueQuestion> map_reduce_questions(const Graph& g, std::span<const NodeId> targets,
                                                const Params& p) {
  std::vector<ValueQuestion> out;
  if (p.at("of") == "b") {
    ValueQuestion map{"b = list(map(addTwo, a)); dask.compute(*b)", {}};
    for (int64_t i = 0; auto n = g.find(item_key("addTwo", i)); ++i) map.nodes.push_back(*n);
    out.push_back(std::move(map));
  }
  out.push_back(
      {fmt::format("reduce(add, {}).compute()", p.at("of")), {targets.begin(), targets.end()}});
  return out;
}

std::vector<NodeId> build_fib(Graph& g, const Params& p, const BuildContext& ctx) {
  const int64_t k = int_param(p, "k", 1, 10'000), n = int_param(p, "n", 0, 30);
  const double cost = number_param(p, "cost", 0, 1000);
  std::vector<Delayed> fibs;
  for (int64_t i = 0; i < k; ++i) {
    fibs.push_back(call(g, Call{item_key("fib", i)}, "fib_for", n, ctx.unit_ms * cost));
  }
  return {call(g, Call{"fibs"}, "identity", fibs).id()};
}

std::vector<NodeId> build_flights(Graph& g, const Params& p, const BuildContext& ctx) {
  const auto files = static_cast<int>(int_param(p, "files", 1, 1000));
  // "auto": each parse takes about one unit, like every other lesson's tasks.
  const auto rows = p.at("rows") == "auto" ? flights_rows_for_unit(ctx.data_dir, ctx.unit_ms)
                                           : static_cast<int>(int_param(p, "rows", 1, 10'000'000));
  // Seed 004's exercises: each a per-file part and a step that combines the parts.
  struct Query {
    const char *part, *combine, *target;
  };
  static const std::map<std::string, Query, std::less<>> queries = {
      {"len", {"flights.rows", "sum", "rows"}},
      {"not_cancelled", {"flights.not_cancelled", "sum", "not_cancelled"}},
      {"count_by_origin", {"flights.counts", "flights.count_by_origin", "count_by_origin"}},
      {"mean_by_origin", {"flights.delay_sums", "flights.mean_by_origin", "mean_delay_by_origin"}},
      {"mean_by_dayofweek",
       {"flights.weekday_sums", "flights.mean_by_dayofweek", "mean_delay_by_dayofweek"}}};
  const std::string& query = choice(p, "query",
                                    {"max_delay", "len", "not_cancelled", "count_by_origin",
                                     "mean_by_origin", "mean_by_dayofweek"});
  register_flights_ops();
  std::vector<Delayed> maxima, sums, parts;
  const std::vector<std::string> paths = ensure_flights_data(ctx.data_dir, files, rows);
  const auto q = queries.find(query);
  for (size_t i = 0; i < paths.size(); ++i) {
    auto table = call(g, Call{item_key("read", static_cast<int64_t>(i))}, "flights.read", paths[i]);
    if (q != queries.end()) {
      parts.push_back(call(g, Call{item_key(q->second.target, static_cast<int64_t>(i))},
                           q->second.part, table));
      continue;
    }
    maxima.push_back(
        call(g, Call{item_key("max_delay", static_cast<int64_t>(i))}, "flights.max_delay", table));
    sums.push_back(call(g, Call{item_key("delay_sums", static_cast<int64_t>(i))},
                        "flights.delay_sums", table));
  }
  if (q != queries.end()) return {call(g, Call{q->second.target}, q->second.combine, parts).id()};
  auto largest = call(g, Call{"largest_delay"}, "max", maxima);
  auto means = call(g, Call{"mean_delay_by_origin"}, "flights.mean_by_origin", sums);
  return {largest.id(), means.id()};
}

std::vector<NodeId> build_random_dag(Graph& g, const Params& p, const BuildContext& ctx) {
  RandomDagParams r;
  r.layers = static_cast<size_t>(int_param(p, "layers", 1, 10'000));
  r.width = static_cast<size_t>(int_param(p, "width", 1, 100'000));
  r.min_deps = static_cast<size_t>(int_param(p, "min_deps", 1, 64));
  r.max_deps = static_cast<size_t>(int_param(p, "max_deps", 1, 64));
  if (r.max_deps < r.min_deps) throw UsageError("parameter max_deps must be >= min_deps");
  r.seed = static_cast<uint64_t>(int_param(p, "seed", 0, INT64_MAX));
  r.options = units(ctx, number_param(p, "cost", 0, 1000));
  return random_dag(g, r).targets;
}

// Claims against the baseline (sync) of the same variant, and of a kind of scheduler against
// itself at another worker count.
Claim against_sync(std::string text, Who who, unsigned workers, Relation relation, double ratio,
                   bool computing = false) {
  return {std::move(text), {who, workers}, {Who::baseline, 1}, relation, ratio, computing};
}
Claim against_itself(std::string text, Who who, unsigned workers, unsigned reference_workers,
                     Relation relation, double ratio) {
  return {std::move(text), {who, workers}, {who, reference_workers}, relation, ratio};
}
// A claim for one variant only: these parameter values, without (0) or with (1) the GIL.
Claim only(Params variant, int gil, Claim c) {
  c.variant = std::move(variant);
  c.gil = gil;
  return c;
}
Claim one_pair_suffices(Claim c) {
  c.one_pair_suffices = true;
  return c;
}

std::vector<Scenario> make_scenarios() {
  return {
      {"slow-arithmetic",
       "seed 003",
       "(1 + 3) * (2 - 4) / 5 with every operation sleeping one unit. The add and the sub do not "
       "depend on each other, so any parallel scheduler runs them side by side: 3 units instead "
       "of 4. More workers do not help, because the rest is a chain.",
       true,
       {},
       build_slow_arithmetic,
       "Dask Schedulers",
       "Independent tasks run side by side; the dependent chain after them does not shrink.",
       {against_sync("any parallel scheduler with 2 workers takes 3 units instead of sync's 4",
                     Who::parallel, 2, Relation::about, 0.75),
        against_itself("4 workers are no better than 2 (the rest is a chain)", Who::parallel, 4, 2,
                       Relation::about, 1)}},
      {"inc-dbl",
       "seed 000",
       "2x + 1 as inc(dbl(x)) over [2, 5, 7, 3], each op sleeping one unit, then summed. Python's "
       "sum over delayed values makes a chain of adds (reduce=chain); delayed(sum) makes one "
       "fan-in task (reduce=fanin); reduce=tree pairs them up. The four dbl/inc pairs are "
       "independent: 4 units on 2 workers, 2 units on 4.",
       true,
       {{"reduce", "fanin", "chain, tree or fanin"}},
       build_inc_dbl,
       "Dask Parallelism",
       "Independent calls run in parallel: the time is the work divided among the workers.",
       {against_sync("2 workers take half of sync's time (4 units instead of 8)", Who::parallel, 2,
                     Relation::about, 0.5),
        against_sync("4 workers take a quarter (2 units)", Who::parallel, 4, Relation::about,
                     0.25)},
       {{{{"reduce", "chain"}}}, {{{"reduce", "fanin"}}}}},
      {"inc-dec-add",
       "seed 001",
       "For i in range(n): add(inc(i), dec(i)), every op sleeping one unit, then one sum. The inc "
       "and dec of each i are independent of everything else, so 3n units of work take about "
       "3n/workers units, never less than 2 (the span).",
       true,
       {{"n", "10", "how many (inc, dec, add) triples (the lesson's range(10))"}},
       build_inc_dec_add,
       "Dask Delayed - Parallelism",
       "The same loop with delayed calls takes about 3n/workers units instead of 3n.",
       // The lesson's range(10); other n give other fractions (n=3: 5 of 9 units on 2 workers).
       {only({{"n", "10"}}, -1,
             against_sync("2 workers take about half of sync's 3n units (15 of 30 for n=10)",
                          Who::parallel, 2, Relation::about, 0.5)),
        only({{"n", "10"}}, -1,
             against_sync("4 workers take about a quarter of them (8 of 30 units for n=10)",
                          Who::parallel, 4, Relation::about, 8.0 / 30))},
       {{}},
       nullptr,
       {{2, 2}, {8, 2}}},
      {"map-reduce",
       "seed 002",
       "addTwo over [0, 1, ..., n-1] (each one unit), reduced by add (one unit each) as a chain, "
       "as functools.reduce does, or a tree. The map is embarrassingly parallel; the chain "
       "reduction is n - 1 units on any number of workers, the tree only log2(n).",
       true,
       {{"n", "4", "list length (the lesson's [0, 1, 2, 3])"},
        {"reduce", "chain", "chain or tree"},
        {"of", "b", "what is reduced: b, the mapped values, or a, as the reduce slide does"}},
       build_map_reduce,
       "Parallelism in Python",
       "The map is parallel; a chain reduction takes as many steps as there are items.",
       {only({{"n", "4"}, {"reduce", "chain"}, {"of", "b"}}, -1,
             against_sync("4 workers take 4 units of sync's 7 with the chain reduction: only "
                          "the map shrinks",
                          Who::parallel, 4, Relation::about, 4.0 / 7)),
        only({{"n", "4"}, {"reduce", "tree"}, {"of", "b"}}, -1,
             against_sync("4 workers take 3 units of sync's 7 with the tree reduction",
                          Who::parallel, 4, Relation::about, 3.0 / 7))},
       {{}},
       map_reduce_questions},
      {"fib",
       "seed 004",
       "k independent CPU-bound tasks, each computing fib(n) again and again for one unit of CPU "
       "time, with no sleeping. C++ threads scale up to the number of cores; with the emulated "
       "GIL (--gil) only one thread of a process computes at a time, so threads are no faster "
       "than sync, while processes (one GIL each) still scale, as in Python.",
       true,
       {{"k", "4", "independent fib tasks"},
        {"n", "20", "fib argument, computed repeatedly"},
        {"cost", "1", "CPU time per task, in units"}},
       build_fib,
       "Threads, Processes and the GIL",
       "With the GIL only one thread computes at a time; separate processes still scale.",
       // Four tasks (k=4) split evenly between 2 workers; k=3 would take 2 of 3 units.
       {only({{"k", "4"}}, 0,
             against_sync("without the GIL, 2 workers compute in half of sync's time (on 2 "
                          "cores)",
                          Who::parallel, 2, Relation::about, 0.5, true)),
        only({{"k", "4"}}, 1,
             against_sync("with the GIL, threads are no faster than sync", Who::one_process, 2,
                          Relation::about, 1, true)),
        only({{"k", "4"}}, 1,
             against_sync("with the GIL, 2 processes still compute in half of sync's time",
                          Who::own_processes, 2, Relation::about, 0.5, true))},
       {{{}, false}, {{}, true}}},
      {"sleeplock",
       "seed 003",
       "Slow arithmetic whose sleep holds a lock. With lock=process the lock belongs to the "
       "process: the threads of one process take turns (4 units, as slow as sync) while "
       "separate processes each have their own and run side by side (3 units). With "
       "lock=global everybody takes turns.",
       true,
       {{"lock", "process", "process, global or none"}},
       build_sleeplock,
       "Dask Schedulers",
       "A lock held by the process serialises its threads, not separate processes.",
       {only({{"lock", "process"}}, -1,
             against_sync("threads with 2 workers take as long as sync (4 units): they share "
                          "the lock",
                          Who::one_process, 2, Relation::about, 1)),
        only({{"lock", "process"}}, -1,
             against_sync("processes with 2 workers take about 3/4 of sync (3 units): each has "
                          "its own lock",
                          Who::own_processes, 2, Relation::about, 0.75)),
        only({{"lock", "global"}}, -1,
             against_sync("with lock=global everybody takes turns: 2 workers take as long as "
                          "sync",
                          Who::parallel, 2, Relation::about, 1))},
       {{{{"lock", "process"}}}}},
      {"flights",
       "seed 004",
       "A scan over CSV files of (generated, deterministic) NYC flights: one task parses each "
       "file (about one unit of CPU time), then the maximum departure delay of non-cancelled "
       "flights and the mean delay per origin airport. Parsing is CPU work that parallel "
       "workers share; the parsed tables are what moves: threads read them in place, while the "
       "processes scheduler encodes, copies and decodes every table each time a task on "
       "another process needs it (the text columns cost most), which is why it gains less. "
       "Under the emulated GIL (--gil), as in Python, threads no longer share the parsing: "
       "parsing holds the GIL, so 2 threads take as long as sync, and only workers with a "
       "process (and a GIL) of their own can parse side by side, which is why the notebook "
       "finds distributed faster than threaded; in C++ (no GIL) threads win, as they move "
       "nothing.",
       true,
       {{"files", "4", "number of CSV files"},
        {"rows", "auto", "flights per file (auto: as many as one unit of parsing)"},
        {"query", "max_delay",
         "the notebook's exercise: max_delay (the largest delay and the mean per airport), len, "
         "not_cancelled, count_by_origin, mean_by_origin or mean_by_dayofweek"}},
       build_flights,
       "Threads, Processes and the GIL",
       "Workers share the parsing; processes pay to copy every table they pass on.",
       // Two parses side by side share the memory bus and the allocator: on some machines one
       // in-process scheduler (openmp on this project's VM) gains nothing from a second
       // worker. The lesson is that threads can share the parsing, which one scheduler shows.
       {one_pair_suffices(only(
            {{"files", "4"}}, 0,
            against_sync("threads with 2 workers share the parsing of 4 files: at most about 0.6 "
                         "of sync's time",
                         Who::one_process, 2, Relation::at_most, 0.6, true))),
        one_pair_suffices(only({}, 0,
                               {"processes gain less than threads: they encode, copy and decode "
                                "every table",
                                {Who::own_processes, 2},
                                {Who::one_process, 2},
                                Relation::at_least,
                                1,
                                true})),
        only({{"files", "4"}}, 1,
             against_sync("with the GIL, 2 threads do not share the parsing: they take as long "
                          "as sync",
                          Who::one_process, 2, Relation::about, 1, true))},
       {{{}, false}, {{}, true}}},
      {"random-dag",
       "scheduler studies",
       "Layers of tasks, each depending on a few random tasks of the layer before (fixed seed), "
       "each sleeping `cost` units: a generic graph for studying schedulers.",
       false,
       {{"layers", "10", "number of layers"},
        {"width", "8", "tasks per layer"},
        {"min_deps", "1", "fewest dependencies per task"},
        {"max_deps", "3", "most dependencies per task"},
        {"cost", "0.1", "sleep per task, in units"},
        {"seed", "42", "random seed"}},
       build_random_dag},
  };
}

}  // namespace

void register_scenario_ops() {
  static std::once_flag once;
  std::call_once(once, [] {
    OpRegistry::OwnOps own;
    if (!OpRegistry::global().find("addTwo")) {  // the lesson's own function, as seed 002 has
      register_op("addTwo", "x + 2 (the map of seed 002)", [](int64_t x) { return x + 2; });
    }
    register_flights_ops();
  });
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = make_scenarios();
  return all;
}

const Scenario& find_scenario(const std::string& name) {
  for (const Scenario& s : scenarios()) {
    if (s.name == name) return s;
  }
  std::string names;
  std::vector<std::string> known;
  for (const Scenario& s : scenarios()) {
    append(names, ", ", s.name);
    known.push_back(s.name);
  }
  throw UsageError(fmt::format("unknown scenario '{}'{}; scenarios: {}", name,
                               did_you_mean(name, known), names));
}

Params complete_params(const Scenario& s, const Params& given) {
  Params out;
  for (const ScenarioParam& p : s.params) out[p.name] = p.default_value;
  for (const auto& [k, v] : given) {
    if (!out.contains(k)) {
      std::string names;
      for (const ScenarioParam& p : s.params) append(names, ", ", p.name);
      throw UsageError(fmt::format("scenario {} has no parameter '{}'{}", s.name, k,
                                   names.empty() ? "" : fmt::format(" (it has: {})", names)));
    }
    out[k] = v;
  }
  return out;
}

std::string describe_params(const Scenario& s, const Params& params) {
  std::string out;
  for (const ScenarioParam& p : s.params) {
    auto it = params.find(p.name);
    if (it != params.end() && it->second != p.default_value) {
      append(out, " ", p.name + "=" + it->second);
    }
  }
  return out;
}

BuiltScenario build_scenario(const Scenario& s, const Params& given, const BuildContext& ctx) {
  BuiltScenario out;
  out.targets = s.build(out.graph, complete_params(s, given), ctx);
  return out;
}

Params parse_params(const std::vector<std::string>& items) {
  Params out;
  for (const std::string& item : items) {
    auto eq = item.find('=');
    if (eq == 0 || eq == std::string::npos) {
      throw UsageError(fmt::format("'{}' is not a parameter: write name=value", item));
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

}  // namespace schedlab::kernels
