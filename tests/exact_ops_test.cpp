// The built-in ops against exact expected values at the int64 edges. Every expected value here
// was computed by Python 3.11 (ints are unbounded there, and int / int, mixed comparisons and
// statistics.mean are exact), so these are the answers the lessons promise.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "schedlab/core/exact_arithmetic.hpp"
#include "schedlab/core/ops.hpp"

namespace schedlab {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t k2p53 = int64_t{1} << 53;

Value apply(std::string_view op, std::vector<Value> args) {
  return OpRegistry::global().get(op).fn(args);
}

// Same kind and the same bits: -0.0 differs from 0.0, and an int from the double of equal value.
::testing::AssertionResult Same(const Value& got, const Value& want) {
  bool same = got.kind() == want.kind();
  if (same && got.kind() == ValueKind::real) {
    same = std::bit_cast<uint64_t>(got.as_double()) == std::bit_cast<uint64_t>(want.as_double());
  } else if (same) {
    same = got == want;
  }
  if (same) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << to_display(got) << " (" << kind_name(got.kind()) << "), want "
         << to_display(want) << " (" << kind_name(want.kind()) << ")";
}

TEST(ExactOps, MaxAndMinCompareIntsWithoutRounding) {
  EXPECT_TRUE(Same(apply("max", {Value(k2p53), Value(k2p53 + 1)}), Value(k2p53 + 1)));
  EXPECT_TRUE(Same(apply("min", {Value(k2p53 + 1), Value(k2p53)}), Value(k2p53)));
  EXPECT_TRUE(Same(apply("max", {Value(List{Value(kMax - 1), Value(kMax)})}), Value(kMax)));
  EXPECT_TRUE(Same(apply("min", {Value(List{Value(kMin + 1), Value(kMin)})}), Value(kMin)));
  // Mixed: compared by value, as Python does; ties keep the first item.
  EXPECT_TRUE(Same(apply("max", {Value(9007199254740992.0), Value(k2p53 + 1)}), Value(k2p53 + 1)));
  EXPECT_TRUE(
      Same(apply("min", {Value(k2p53 + 1), Value(9007199254740992.0)}), Value(9007199254740992.0)));
  EXPECT_TRUE(Same(apply("max", {Value(kMin), Value(-9223372036854775808.0)}), Value(kMin)));
  EXPECT_TRUE(Same(apply("max", {Value(kMax), Value(9223372036854775808.0)}),
                   Value(9223372036854775808.0)));
  EXPECT_TRUE(Same(apply("max", {Value(1), Value(1.0)}), Value(1)));
  EXPECT_TRUE(Same(apply("max", {Value(1.0), Value(1)}), Value(1.0)));
  // NaN never compares greater, so it stays only where it came first (Python's behaviour).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(Same(apply("max", {Value(3), Value(nan)}), Value(3)));
  EXPECT_TRUE(std::isnan(apply("max", {Value(nan), Value(3)}).as_double()));
}

TEST(ExactOps, IntegerDivisionIsRoundedOnce) {
  EXPECT_TRUE(Same(apply("div", {Value(k2p53 + 1), Value(3)}), Value(3002399751580331.0)));
  EXPECT_TRUE(Same(apply("div", {Value(kMax), Value(3)}), Value(3.0744573456182584e+18)));
  EXPECT_TRUE(Same(apply("div", {Value(kMin), Value(3)}), Value(-3.0744573456182584e+18)));
  EXPECT_TRUE(Same(apply("div", {Value(kMin), Value(-3)}), Value(3.0744573456182584e+18)));
  EXPECT_TRUE(Same(apply("div", {Value(kMax), Value(kMax)}), Value(1.0)));
  EXPECT_TRUE(Same(apply("div", {Value(kMin), Value(kMax)}), Value(-1.0)));
  EXPECT_TRUE(Same(apply("div", {Value(kMin), Value(-1)}), Value(9.223372036854776e+18)));
  EXPECT_TRUE(Same(apply("div", {Value(1), Value(kMax)}), Value(1.0842021724855044e-19)));
  EXPECT_TRUE(Same(apply("div", {Value(kMax), Value(2)}), Value(4.611686018427388e+18)));
  EXPECT_TRUE(Same(apply("div", {Value(k2p53 + 1), Value(1)}), Value(9007199254740992.0)));
  EXPECT_TRUE(Same(apply("div", {Value(k2p53 + 3), Value(1)}), Value(9007199254740996.0)));
  EXPECT_TRUE(Same(apply("div", {Value(-(k2p53 + 1)), Value(1)}), Value(-9007199254740992.0)));
  EXPECT_TRUE(Same(apply("div", {Value(1), Value(3)}), Value(0.3333333333333333)));
  EXPECT_TRUE(Same(apply("div", {Value(-7), Value(2)}), Value(-3.5)));
  EXPECT_TRUE(Same(apply("div", {Value(0), Value(-5)}), Value(-0.0)));  // Python: -0.0
  EXPECT_TRUE(Same(apply("div", {Value(0), Value(5)}), Value(0.0)));
}

TEST(ExactOps, MeanOfIntsIsExactThenRounded) {
  auto mean = [](std::vector<int64_t> xs) {
    List items;
    for (int64_t x : xs) items.emplace_back(x);
    return apply("mean", {Value(std::move(items))});
  };
  EXPECT_TRUE(Same(mean({kMax, kMax, 1}), Value(6.148914691236517e+18)));
  EXPECT_TRUE(Same(mean({kMin, kMin}), Value(-9.223372036854776e+18)));
  EXPECT_TRUE(Same(mean({kMax, kMin}), Value(-0.5)));
  EXPECT_TRUE(Same(mean({k2p53, k2p53 + 1}), Value(9007199254740992.0)));
  EXPECT_TRUE(Same(mean({k2p53 + 1, k2p53 + 1, k2p53 + 2}), Value(9007199254740994.0)));
  EXPECT_TRUE(Same(apply("mean", {Value(1), Value(2.5)}), Value(1.75)));
}

TEST(ExactOps, SumKeepsIntsExactUntilTheFirstDouble) {
  EXPECT_TRUE(Same(apply("sum", {Value(kMax), Value(1), Value(-2)}), Value(kMax - 1)));
  EXPECT_TRUE(
      Same(apply("sum", {Value(kMax), Value(kMax), Value(1.0)}), Value(1.8446744073709552e+19)));
  EXPECT_TRUE(Same(apply("sum", {Value(k2p53), Value(1), Value(1.0)}), Value(9007199254740992.0)));
  EXPECT_THROW(apply("sum", {Value(kMax), Value(1)}), std::runtime_error);
  EXPECT_THROW(apply("sum", {Value(kMin), Value(-1)}), std::runtime_error);
}

TEST(ExactOps, OverflowAtTheEdgesIsAnError) {
  EXPECT_TRUE(Same(apply("add", {Value(kMax), Value(kMin)}), Value(-1)));
  EXPECT_THROW(apply("add", {Value(kMax), Value(1)}), std::runtime_error);
  EXPECT_THROW(apply("sub", {Value(kMin), Value(1)}), std::runtime_error);
  EXPECT_THROW(apply("mul", {Value(kMin), Value(-1)}), std::runtime_error);
  EXPECT_THROW(apply("neg", {Value(kMin)}), std::runtime_error);
  EXPECT_THROW(apply("inc", {Value(kMax)}), std::runtime_error);
  EXPECT_THROW(apply("dec", {Value(kMin)}), std::runtime_error);
  EXPECT_THROW(apply("dbl", {Value(int64_t{1} << 62)}), std::runtime_error);
  EXPECT_TRUE(Same(apply("neg", {Value(kMax)}), Value(kMin + 1)));
  EXPECT_TRUE(Same(apply("dbl", {Value(-(int64_t{1} << 62))}), Value(kMin)));
  EXPECT_TRUE(Same(apply("mul", {Value(int64_t{3037000499}), Value(int64_t{3037000499})}),
                   Value(int64_t{9223372030926249001})));
  // Mixed int and double converts the int once, as Python's float(int).
  EXPECT_TRUE(Same(apply("add", {Value(k2p53 + 1), Value(0.0)}), Value(9007199254740992.0)));
  EXPECT_THROW(apply("div", {Value(1), Value(0)}), std::runtime_error);
  EXPECT_THROW(apply("div", {Value(1), Value(-0.0)}), std::runtime_error);
}

// Ints of at most 53 bits take a short way (exact as doubles); either side of the edge the
// answers are those of the exact way.
TEST(ExactOps, TheShortWayForSmallIntsAgreesAtItsEdge) {
  auto mean = [](std::vector<int64_t> xs) {
    std::vector<Value> items(xs.begin(), xs.end());
    return schedlab::apply("mean", std::move(items));
  };
  EXPECT_TRUE(Same(mean({k2p53 - 1, 0, 0}), Value(3002399751580330.5)));
  EXPECT_TRUE(Same(mean({-(k2p53 - 1), 0, 0}), Value(-3002399751580330.5)));
  EXPECT_TRUE(Same(mean({k2p53, 0}), Value(4503599627370496.0)));
  EXPECT_TRUE(Same(mean({k2p53 + 2, 0, 0, 0}), Value(2251799813685248.5)));
  EXPECT_TRUE(Same(mean({0, 0}), Value(0.0)));
  EXPECT_EQ(compare_exact(k2p53, 9007199254740992.0), std::partial_ordering::equivalent);
  EXPECT_EQ(compare_exact(k2p53 - 1, 9007199254740992.0), std::partial_ordering::less);
  EXPECT_EQ(compare_exact(-k2p53, -9007199254740994.0), std::partial_ordering::greater);
  EXPECT_EQ(compare_exact(k2p53 + 2, 9007199254740994.0), std::partial_ordering::equivalent);
  // A sum that has gone double adds in double, and a non-number fails as add says.
  EXPECT_TRUE(Same(apply("sum", {Value(1), Value(0.5), Value(2)}), Value(3.5)));
  try {
    apply("sum", {Value(1.5), Value("x")});
    FAIL() << "sum of a double and a string";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "add needs two numbers, got double and string");
  }
}

TEST(ExactArithmetic, CompareExactAtTheBoundaries) {
  EXPECT_EQ(compare_exact(kMax, 9223372036854775808.0), std::partial_ordering::less);
  EXPECT_EQ(compare_exact(kMin, -9223372036854775808.0), std::partial_ordering::equivalent);
  EXPECT_EQ(compare_exact(kMin, -9223372036854777856.0), std::partial_ordering::greater);
  EXPECT_EQ(compare_exact(k2p53 + 1, 9007199254740992.0), std::partial_ordering::greater);
  EXPECT_EQ(compare_exact(-1, -0.5), std::partial_ordering::less);
  EXPECT_EQ(compare_exact(0, -0.0), std::partial_ordering::equivalent);
  EXPECT_EQ(compare_exact(0, std::numeric_limits<double>::infinity()), std::partial_ordering::less);
  EXPECT_EQ(compare_exact(0, std::nan("")), std::partial_ordering::unordered);
}

}  // namespace
}  // namespace schedlab
