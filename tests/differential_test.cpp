// Random DAGs of the arithmetic ops, with int64 edge values, computed on every scheduler and
// checked against an oracle that shares no code with the ops: integers in GMP (unbounded, with
// an explicit int64 range check), int / int and int-to-double conversions in MPFR (correctly
// rounded by construction), comparisons in MPFR (exact). Python's rules are the reference:
// the oracle is written from them, not from builtin_ops.cpp.
#include <gmp.h>
#include <gtest/gtest.h>
#include <mpfr.h>

#include <cmath>
#include <limits>
#include <optional>
#include <random>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "tests/test_support.hpp"

namespace schedlab {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// RAII holders for the GMP and MPFR numbers the oracle uses.
struct Z {
  mpz_t v;
  Z() { mpz_init(v); }
  explicit Z(int64_t x) {
    mpz_init(v);
    set(x);
  }
  ~Z() { mpz_clear(v); }
  Z(const Z&) = delete;
  Z& operator=(const Z&) = delete;
  void set(int64_t x) {
    // mpz_set_si takes a long, which is 64 bits on the platforms we build for.
    static_assert(sizeof(long) == sizeof(int64_t));
    mpz_set_si(v, static_cast<long>(x));
  }
  std::optional<int64_t> as_int64() const {
    if (!mpz_fits_slong_p(v)) return std::nullopt;
    return static_cast<int64_t>(mpz_get_si(v));
  }
};

struct F {
  mpfr_t v;
  explicit F(mpfr_prec_t precision) { mpfr_init2(v, precision); }
  ~F() { mpfr_clear(v); }
  F(const F&) = delete;
  F& operator=(const F&) = delete;
};

// An oracle value: an int, a double, or "this task fails".
struct Num {
  bool failed = false;
  bool is_int = false;
  int64_t i = 0;
  double d = 0;
};
Num int_num(int64_t i) {
  return {false, true, i, 0};
}
Num real_num(double d) {
  return {false, false, 0, d};
}
Num failure() {
  return {true, false, 0, 0};
}
Num from_z(const Z& z) {
  auto fits = z.as_int64();
  return fits ? int_num(*fits) : failure();  // int64 overflow is a task error
}

// Python's float(int): the nearest double, ties to even.
double to_double(int64_t i) {
  F f(53);
  mpfr_set_si(f.v, static_cast<long>(i), MPFR_RNDN);
  return mpfr_get_d(f.v, MPFR_RNDN);
}
double as_double(const Num& n) {
  return n.is_int ? to_double(n.i) : n.d;
}

// Exact value of a number in 64 bits of precision (both int64 and double fit exactly).
void load(F& f, const Num& n) {
  if (n.is_int)
    mpfr_set_si(f.v, static_cast<long>(n.i), MPFR_RNDN);
  else
    mpfr_set_d(f.v, n.d, MPFR_RNDN);
}

Num binary(const std::string& op, const Num& a, const Num& b) {
  if (op == "div") {
    if (as_double(b) == 0.0) return failure();  // ZeroDivisionError, for 0 and 0.0 alike
    if (a.is_int && b.is_int) {
      F x(64), y(64), q(53);
      load(x, a);
      load(y, b);
      mpfr_div(q.v, x.v, y.v, MPFR_RNDN);
      return real_num(mpfr_get_d(q.v, MPFR_RNDN));
    }
    return real_num(as_double(a) / as_double(b));
  }
  if (a.is_int && b.is_int) {
    Z x(a.i), y(b.i), r;
    if (op == "add") mpz_add(r.v, x.v, y.v);
    if (op == "sub") mpz_sub(r.v, x.v, y.v);
    if (op == "mul") mpz_mul(r.v, x.v, y.v);
    return from_z(r);
  }
  const double x = as_double(a), y = as_double(b);
  return real_num(op == "add" ? x + y : op == "sub" ? x - y : x * y);
}

Num unary(const std::string& op, const Num& a) {
  if (a.is_int) {
    Z x(a.i), r;
    if (op == "neg") mpz_neg(r.v, x.v);
    if (op == "inc") mpz_add_ui(r.v, x.v, 1);
    if (op == "dec") mpz_sub_ui(r.v, x.v, 1);
    if (op == "dbl") mpz_mul_ui(r.v, x.v, 2);
    return from_z(r);
  }
  return real_num(op == "neg" ? -a.d : op == "inc" ? a.d + 1 : op == "dec" ? a.d - 1 : 2 * a.d);
}

// Python: best = items[0]; for x in items: if x > best: best = x (and `<` for min).
Num extreme(const std::string& op, const std::vector<Num>& items) {
  size_t best = 0;
  for (size_t k = 1; k < items.size(); ++k) {
    F x(64), y(64);
    load(x, items[k]);
    load(y, items[best]);
    if (op == "max" ? mpfr_greater_p(x.v, y.v) : mpfr_less_p(x.v, y.v)) best = k;
  }
  return items[best];
}

// Python's sum: exact ints until the first double, which the exact total joins rounded once.
Num sum(const std::vector<Num>& items) {
  Z total(0);
  size_t k = 0;
  for (; k < items.size() && items[k].is_int; ++k) {
    Z x(items[k].i);
    mpz_add(total.v, total.v, x.v);
  }
  if (k == items.size()) return from_z(total);
  F f(53);
  mpfr_set_z(f.v, total.v, MPFR_RNDN);
  double d = mpfr_get_d(f.v, MPFR_RNDN);
  for (; k < items.size(); ++k) d += as_double(items[k]);
  return real_num(d);
}

// statistics.mean for ints (exact, rounded once); sum(items) / len(items) otherwise.
Num mean(const std::vector<Num>& items) {
  bool all_ints = true;
  for (const Num& n : items) all_ints = all_ints && n.is_int;
  if (!all_ints) return real_num(sum(items).d / static_cast<double>(items.size()));
  Z total(0);
  for (const Num& n : items) {
    Z x(n.i);
    mpz_add(total.v, total.v, x.v);
  }
  F t(256), q(53);
  mpfr_set_z(t.v, total.v, MPFR_RNDN);  // exact: 256 bits hold any such total
  mpfr_div_ui(q.v, t.v, items.size(), MPFR_RNDN);
  return real_num(mpfr_get_d(q.v, MPFR_RNDN));
}

Num evaluate(const std::string& op, const std::vector<Num>& args) {
  if (op == "add" || op == "sub" || op == "mul" || op == "div") return binary(op, args[0], args[1]);
  if (op == "max" || op == "min") return extreme(op, args);
  if (op == "sum") return sum(args);
  if (op == "mean") return mean(args);
  return unary(op, args[0]);
}

Value to_value(const Num& n) {
  return n.is_int ? Value(n.i) : Value(n.d);
}

bool same(const Value& got, const Num& want) {
  if (want.is_int) return got.kind() == ValueKind::integer && got.as_int() == want.i;
  if (got.kind() != ValueKind::real) return false;
  double g = got.as_double();
  if (std::isnan(want.d)) return std::isnan(g);
  return std::bit_cast<uint64_t>(g) == std::bit_cast<uint64_t>(want.d);
}

// Literals drawn mostly from the edges, where rounding and overflow happen.
Num random_literal(std::mt19937_64& rng) {
  static const int64_t ints[] = {0,
                                 1,
                                 -1,
                                 2,
                                 3,
                                 -3,
                                 7,
                                 kMax,
                                 kMin,
                                 kMax - 1,
                                 kMin + 1,
                                 int64_t{1} << 53,
                                 (int64_t{1} << 53) + 1,
                                 -((int64_t{1} << 53) + 1),
                                 int64_t{1} << 62,
                                 3037000499,
                                 3037000500,
                                 9007199254740993};
  static const double reals[] = {0.0,
                                 -0.0,
                                 0.5,
                                 -1.5,
                                 3.0,
                                 9007199254740992.0,
                                 9223372036854775808.0,
                                 -9223372036854775808.0,
                                 1e300,
                                 1e-300,
                                 0.1,
                                 4503599627370497.5};
  switch (rng() % 4) {
    case 0:
      return int_num(ints[rng() % std::size(ints)]);
    case 1:
      return real_num(reals[rng() % std::size(reals)]);
    case 2:
      return int_num(static_cast<int64_t>(rng()));
    default:
      return int_num(static_cast<int64_t>(rng() % 2001) - 1000);
  }
}

struct RandomDag {
  Graph graph;
  std::vector<Num> expected;       // per node
  std::vector<bool> fails_itself;  // the node's own op fails (its inputs did not)
  std::vector<bool> poisoned;      // the node or something it needs fails
};

RandomDag make_dag(uint64_t seed, size_t tasks) {
  static const char* ops[] = {"add", "sub",  "mul", "div", "max", "min",
                              "sum", "mean", "neg", "inc", "dec", "dbl"};
  std::mt19937_64 rng(seed);
  RandomDag dag;
  auto add_node = [&](NodeId id, Num value, bool own, bool poisoned) {
    EXPECT_EQ(id, dag.expected.size());
    dag.expected.push_back(value);
    dag.fails_itself.push_back(own);
    dag.poisoned.push_back(poisoned);
  };
  for (int i = 0; i < 12; ++i) {
    Num n = random_literal(rng);
    add_node(dag.graph.add_literal(fmt::format("lit-{}", i), to_value(n)), n, false, false);
  }
  for (size_t t = 0; t < tasks; ++t) {
    const std::string op = ops[rng() % std::size(ops)];
    size_t arity = op == "max" || op == "min" || op == "sum" || op == "mean"  ? 1 + rng() % 4
                   : op == "add" || op == "sub" || op == "mul" || op == "div" ? 2
                                                                              : 1;
    std::vector<ArgSpec> args;
    std::vector<Num> inputs;
    bool poisoned = false;
    for (size_t a = 0; a < arity; ++a) {
      if (rng() % 5 == 0) {  // an inline literal
        Num n = random_literal(rng);
        args.emplace_back(to_value(n));
        inputs.push_back(n);
      } else {  // a reference, mostly to recent nodes so that chains grow deep
        size_t size = dag.expected.size();
        NodeId dep = static_cast<NodeId>(rng() % 2 ? size - 1 - rng() % std::min<size_t>(size, 8)
                                                   : rng() % size);
        args.emplace_back(Ref{dep});
        inputs.push_back(dag.expected[dep]);
        poisoned = poisoned || dag.poisoned[dep];
      }
    }
    // Reductions take one list argument, as sum([...]) does.
    if (op == "max" || op == "min" || op == "sum" || op == "mean") {
      args = {ArgSpec(std::move(args))};
    }
    Num value = poisoned ? failure() : evaluate(op, inputs);
    NodeId id = dag.graph.add_task(fmt::format("{}-{}", op, t), op, args);
    add_node(id, value, !poisoned && value.failed, poisoned || value.failed);
  }
  return dag;
}

class Differential : public ::testing::TestWithParam<std::string> {};

TEST_P(Differential, RandomDagsMatchTheExactOracle) {
#ifdef SCHEDLAB_THREAD_SANITIZER
  // Under ThreadSanitizer a local cluster takes seconds to start and stop, and this test
  // replaces it after each of its 40 failing computes; the conformance suite covers it there.
  if (SchedulerRegistry::global().info(GetParam()).traits.processes ==
      ProcessModel::processes_of_threads)
    GTEST_SKIP() << "distributed under ThreadSanitizer: see the conformance suite";
#endif
  size_t checked_values = 0, checked_failures = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    RandomDag dag = make_dag(seed, 80);
    std::vector<NodeId> good, bad;
    for (NodeId n = 0; n < dag.graph.size(); ++n) {
      if (!dag.graph.is_task(n)) continue;
      (dag.poisoned[n] ? bad : good).push_back(n);
    }
    ComputeOptions options{.scheduler = GetParam(), .workers = 2};
    if (!good.empty()) {
      ComputeResult r = compute(dag.graph, good, options);
      for (size_t k = 0; k < good.size(); ++k) {
        const Num& want = dag.expected[good[k]];
        EXPECT_TRUE(same(r.values[k], want))
            << "seed " << seed << ", task " << dag.graph.key(good[k]) << ": got "
            << to_display(r.values[k]) << ", want " << to_display(to_value(want));
        ++checked_values;
      }
    }
    if (!bad.empty()) {
      // Any failing task may win the race, but it must be one whose own op fails.
      try {
        compute(dag.graph, bad, options);
        ADD_FAILURE() << "seed " << seed << ": expected a task to fail";
      } catch (const TaskError& e) {
        auto failed = dag.graph.find(e.key());
        ASSERT_TRUE(failed.has_value()) << e.what();
        EXPECT_TRUE(dag.fails_itself[*failed]) << "seed " << seed << ": " << e.what();
        ++checked_failures;
      }
    }
  }
  EXPECT_GT(checked_values, 1000u);
  EXPECT_GT(checked_failures, 10u);
}

std::vector<std::string> scheduler_names() {
  std::vector<std::string> names;
  for (const SchedulerInfo* s : SchedulerRegistry::global().list()) names.push_back(s->name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(EveryScheduler, Differential, ::testing::ValuesIn(scheduler_names()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace schedlab
