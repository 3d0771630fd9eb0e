// The built-in ops. Arithmetic follows Python's rules where the lessons rely on them: int op
// int stays int, anything with a double becomes double, `div` is true division. Unlike Python,
// int64 overflow is an error rather than a silent promotion.
#include <time.h>

#include <chrono>
#include <cmath>
#include <compare>
#include <cstdlib>
#include <limits>
#include <thread>

#include "schedlab/core/exact_arithmetic.hpp"
#include "schedlab/core/gil.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/ops.hpp"

namespace schedlab {
namespace {

[[noreturn]] void fail(std::string message) {
  throw std::runtime_error(std::move(message));
}

int64_t checked(bool overflowed, int64_t result, const char* what) {
  if (overflowed) fail(fmt::format("int64 overflow in {}", what));
  return result;
}

template <class IntOp, class RealOp>
Value arithmetic(const Value& a, const Value& b, const char* name, IntOp int_op, RealOp real_op) {
  if (a.kind() == ValueKind::integer && b.kind() == ValueKind::integer) {
    int64_t r = 0;
    bool overflow = int_op(a.as_int(), b.as_int(), &r);
    return Value(checked(overflow, r, name));
  }
  if (!a.is_number() || !b.is_number()) {
    fail(fmt::format("{} needs two numbers, got {} and {}", name, kind_name(a.kind()),
                     kind_name(b.kind())));
  }
  return Value(real_op(a.as_double(), b.as_double()));
}

Value add(const Value& a, const Value& b) {
  if (a.kind() == ValueKind::string && b.kind() == ValueKind::string) {
    return Value(a.as_string() + b.as_string());
  }
  if (a.kind() == ValueKind::list && b.kind() == ValueKind::list) {
    List out = a.as_list();
    out.insert(out.end(), b.as_list().begin(), b.as_list().end());
    return Value(std::move(out));
  }
  return arithmetic(
      a, b, "add", [](int64_t x, int64_t y, int64_t* r) { return __builtin_add_overflow(x, y, r); },
      [](double x, double y) { return x + y; });
}

Value sub(const Value& a, const Value& b) {
  return arithmetic(
      a, b, "sub", [](int64_t x, int64_t y, int64_t* r) { return __builtin_sub_overflow(x, y, r); },
      [](double x, double y) { return x - y; });
}

Value mul(const Value& a, const Value& b) {
  return arithmetic(
      a, b, "mul", [](int64_t x, int64_t y, int64_t* r) { return __builtin_mul_overflow(x, y, r); },
      [](double x, double y) { return x * y; });
}

Value divide(const Value& a, const Value& b) {
  if (!a.is_number() || !b.is_number()) {
    fail(fmt::format("div needs two numbers, got {} and {}", kind_name(a.kind()),
                     kind_name(b.kind())));
  }
  if (b.as_double() == 0.0) fail("division by zero");
  // int / int is rounded once from the exact quotient, as Python does; converting both to
  // double first would round them before dividing.
  if (a.kind() == ValueKind::integer && b.kind() == ValueKind::integer) {
    return Value(divide_exact(a.as_int(), b.as_int()));
  }
  return Value(a.as_double() / b.as_double());
}

// The items a reduction runs over: one list argument, or else the arguments themselves (so
// both sum([a, b, c]) and sum(a, b, c) work). Arrays are handled by each reduction directly.
ArgSpan items_of(ArgSpan args) {
  if (args.size() == 1 && args[0].kind() == ValueKind::list) return args[0].as_list();
  return args;
}

const Array* array_arg(ArgSpan args) {
  return args.size() == 1 && args[0].kind() == ValueKind::array ? &args[0].as_array() : nullptr;
}

// Sums items as Python's sum does: integers exactly (here in 128 bits, so no int64 prefix can
// overflow) until the first double, which the exact total joins rounded once; from then on in
// double. An all-int total that does not fit in int64 is an error.
Value sum_items(ArgSpan items) {
  Int128 exact = 0;
  size_t i = 0;
  for (; i < items.size() && items[i].kind() == ValueKind::integer; ++i) exact += items[i].as_int();
  if (i == items.size()) {
    if (exact > std::numeric_limits<int64_t>::max() ||
        exact < std::numeric_limits<int64_t>::min()) {
      fail("int64 overflow in sum");
    }
    return Value(static_cast<int64_t>(exact));
  }
  const auto magnitude = static_cast<UInt128>(exact < 0 ? -exact : exact);
  double total = rounded_quotient(magnitude, 1, exact < 0);
  for (; i < items.size(); ++i) {
    if (!items[i].is_number()) return add(Value(total), items[i]);  // fails as add does
    total += items[i].as_double();  // what add() does with a double and a number
  }
  return Value(total);
}

Value sum(ArgSpan args) {
  if (const Array* data = array_arg(args)) {
    double total = 0;
    for (double d : *data) total += d;
    return Value(total);
  }
  return sum_items(items_of(args));
}

// Orders two numbers by their mathematical values (ints against doubles without rounding).
std::partial_ordering compare_numbers(const Value& a, const Value& b) {
  const bool a_int = a.kind() == ValueKind::integer, b_int = b.kind() == ValueKind::integer;
  if (a_int && b_int) return a.as_int() <=> b.as_int();
  if (!a_int && !b_int) return a.as_double() <=> b.as_double();
  if (a_int) return compare_exact(a.as_int(), b.as_double());
  return 0 <=> compare_exact(b.as_int(), a.as_double());
}

// max and min keep the first of equal items and skip NaN the way Python's do: an item replaces
// the best so far only if it compares strictly better.
template <class Better>
Value extreme(ArgSpan args, const char* name, Better better) {
  if (const Array* data = array_arg(args)) {
    if (data->empty()) fail(fmt::format("{} of an empty array", name));
    double best = (*data)[0];
    for (double d : *data) best = better(d <=> best) ? d : best;
    return Value(best);
  }
  ArgSpan items = items_of(args);
  if (items.empty()) fail(fmt::format("{} of an empty sequence", name));
  const Value* best = &items[0];
  for (const Value& item : items) {
    if (!item.is_number())
      fail(fmt::format("{} needs numbers, got {}", name, kind_name(item.kind())));
    if (better(compare_numbers(item, *best))) best = &item;
  }
  return *best;
}

// The mean of ints is their exact total divided once, correctly rounded; with a double among
// the items it is sum(items) / len(items), as in Python.
Value mean(ArgSpan args) {
  if (const Array* data = array_arg(args)) {
    if (data->empty()) fail("mean of an empty array");
    double total = 0;
    for (double d : *data) total += d;
    return Value(total / static_cast<double>(data->size()));
  }
  ArgSpan items = items_of(args);
  if (items.empty()) fail("mean of an empty sequence");
  Int128 exact = 0;
  bool all_ints = true;
  for (const Value& item : items) {
    if (!item.is_number()) fail(fmt::format("mean needs numbers, got {}", kind_name(item.kind())));
    all_ints = all_ints && item.kind() == ValueKind::integer;
    if (all_ints) exact += item.as_int();
  }
  const auto n = static_cast<uint64_t>(items.size());
  if (all_ints) {
    return Value(rounded_quotient(static_cast<UInt128>(exact < 0 ? -exact : exact), n, exact < 0));
  }
  return Value(sum_items(items).as_double() / static_cast<double>(n));
}

thread_local uint32_t t_fib_calls = 0;

// Long computations look up now and then: they hand over the GIL as the interpreter switches
// threads in the middle of a computation, and they stop when the run is stopped.
void checkpoint() {
  gil_checkpoint();
  if (interrupt_requested()) throw Interrupted();
}

// The deliberately slow recursive definition, with a checkpoint every 16k calls (about 50 us).
int64_t fib(int64_t n) {
  if ((++t_fib_calls & 0x3fff) == 0) checkpoint();
  return n < 2 ? n : fib(n - 2) + fib(n - 1);
}

// CPU time of this thread: busy(N) spins until the thread has *computed* for N ms, so time
// spent waiting for the GIL or for a core does not count, as for real work.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

enum class Unary { inc, dec, dbl, neg };

template <Unary U>
Value unary(ArgSpan a) {
  constexpr const char* name = U == Unary::inc   ? "inc"
                               : U == Unary::dec ? "dec"
                               : U == Unary::dbl ? "dbl"
                                                 : "neg";
  const Value& x = a[0];
  if (x.kind() == ValueKind::integer) {
    int64_t v = x.as_int(), out = 0;
    bool overflow = U == Unary::inc   ? __builtin_add_overflow(v, 1, &out)
                    : U == Unary::dec ? __builtin_sub_overflow(v, 1, &out)
                    : U == Unary::dbl ? __builtin_mul_overflow(v, 2, &out)
                                      : __builtin_sub_overflow(int64_t{0}, v, &out);
    return Value(checked(overflow, out, name));
  }
  if (x.kind() != ValueKind::real) {
    fail(fmt::format("{} needs a number, got {}", name, kind_name(x.kind())));
  }
  const double d = x.as_double();
  return Value(U == Unary::inc ? d + 1 : U == Unary::dec ? d - 1 : U == Unary::dbl ? 2 * d : -d);
}

}  // namespace

void register_builtin_ops(OpRegistry& r) {
  r.add_direct("identity", "returns its argument unchanged", {1, 1},
               [](ArgSpan a) { return a[0]; });
  r.add_direct("inc", "x + 1", {1, 1}, unary<Unary::inc>);
  r.add_direct("dec", "x - 1", {1, 1}, unary<Unary::dec>);
  r.add_direct("dbl", "2 * x", {1, 1}, unary<Unary::dbl>);
  r.add_direct("neg", "-x", {1, 1}, unary<Unary::neg>);
  r.add_direct("add", "x + y (numbers; also joins strings or lists)", {2, 2},
               [](ArgSpan a) { return add(a[0], a[1]); });
  r.add_direct("sub", "x - y", {2, 2}, [](ArgSpan a) { return sub(a[0], a[1]); });
  r.add_direct("mul", "x * y", {2, 2}, [](ArgSpan a) { return mul(a[0], a[1]); });
  r.add_direct("div", "x / y, true division giving a double (as Python's /)", {2, 2},
               [](ArgSpan a) { return divide(a[0], a[1]); });
  r.add_direct("sum", "sum of a list (or of the arguments); int if every item is an int", {1, -1},
               sum);
  r.add_direct("max", "largest item of a list (or of the arguments)", {1, -1}, [](ArgSpan a) {
    return extreme(a, "max", [](std::partial_ordering o) { return o > 0; });
  });
  r.add_direct("min", "smallest item of a list (or of the arguments)", {1, -1}, [](ArgSpan a) {
    return extreme(a, "min", [](std::partial_ordering o) { return o < 0; });
  });
  r.add_direct("mean", "arithmetic mean of a list (or of the arguments), as a double", {1, -1},
               mean);
  r.add("count", "number of items in a list or array (or of the arguments)", {0, -1},
        [](ArgSpan a) {
          const Array* data = array_arg(a);
          return Value(static_cast<int64_t>(data ? data->size() : items_of(a).size()));
        });
  r.add("fib", "n-th Fibonacci number, deliberately slow recursion (CPU-bound)", {1, 1},
        [](ArgSpan a) {
          int64_t n = a[0].as_int();
          if (n < 0 || n > 60) fail(fmt::format("fib({}) is out of range: use 0..60", n));
          return Value(fib(n));
        });
  // The fib lesson sized in time: a task that computes for one unit whatever the machine.
  r.add("fib_for", "fib(n) computed again and again for MS ms of CPU time, returns fib(n)", {2, 2},
        [](ArgSpan a) {
          const int64_t n = a[0].as_int();
          const double ms = a[1].as_double();
          if (n < 0 || n > 30) fail(fmt::format("fib_for: n={} is out of range: use 0..30", n));
          if (!(ms >= 0 && ms <= 3.6e6)) {
            fail(fmt::format("fib_for: {} ms is out of range: use 0..3600000", ms));
          }
          const double until = thread_cpu_ms() + ms;
          int64_t result = fib(n);
          while (thread_cpu_ms() < until) result = fib(n);
          return Value(result);
        });
  r.add("busy", "computes (spins the CPU) for N ms of CPU time, returns N", {1, 1}, [](ArgSpan a) {
    double ms = a[0].as_double();
    if (!(ms >= 0 && ms <= 3.6e6))
      fail(fmt::format("busy({}) is out of range: use 0..3600000", ms));
    const double until = thread_cpu_ms() + ms;
    while (thread_cpu_ms() < until) checkpoint();
    return a[0];
  });
  r.add("fail", "raises an error whose message is the argument", {0, 1}, [](ArgSpan a) -> Value {
    if (a.empty()) fail("fail op called");
    // printable: the message travels as a C string (what()), which a NUL would cut short.
    fail(printable(a[0].kind() == ValueKind::string ? a[0].as_string() : to_display(a[0])));
  });
  r.add("crash", "aborts the process that runs it (for fault tests)", {0, -1},
        [](ArgSpan) -> Value { std::abort(); });
  r.add("throw_int", "throws the int argument, not a std::exception (for fault tests)", {1, 1},
        [](ArgSpan a) -> Value { throw static_cast<int>(a[0].as_int()); });
  r.add("alloc", "a string of N MB, every page written (for memory-limit tests)", {1, 1},
        [](ArgSpan a) {
          const double mb = a[0].as_double();
          if (!(mb >= 0 && mb <= 65536))
            fail(fmt::format("alloc({}) is out of range: use 0..65536 (MB)", mb));
          return Value(std::string(static_cast<size_t>(mb * 1e6), 'x'));
        });
  // A thread cannot be killed: this is how timeouts and Ctrl-C are tested against user code
  // that never looks at the stop flag.
  r.add("hang", "never returns and ignores Ctrl-C and timeouts (for fault tests)", {0, -1},
        [](ArgSpan) -> Value {
          for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        });
}

}  // namespace schedlab
