#include "schedlab/core/ops.hpp"

#include <gtest/gtest.h>

#include "schedlab/core/errors.hpp"

namespace schedlab {
namespace {

Value apply(std::string_view op, std::vector<Value> args) {
  return OpRegistry::global().get(op).fn(args);
}

TEST(BuiltinOps, Arithmetic) {
  EXPECT_EQ(apply("add", {Value(1), Value(3)}), Value(4));
  EXPECT_EQ(apply("add", {Value(1), Value(0.5)}), Value(1.5));
  EXPECT_EQ(apply("add", {Value("a"), Value("b")}), Value("ab"));
  EXPECT_EQ(apply("sub", {Value(2), Value(4)}), Value(-2));
  EXPECT_EQ(apply("mul", {Value(4), Value(-2)}), Value(-8));
  EXPECT_EQ(apply("div", {Value(-8), Value(5)}), Value(-1.6));  // true division
  EXPECT_EQ(apply("inc", {Value(1)}), Value(2));
  EXPECT_EQ(apply("dec", {Value(1)}), Value(0));
  EXPECT_EQ(apply("dbl", {Value(7)}), Value(14));
  EXPECT_EQ(apply("neg", {Value(2.5)}), Value(-2.5));
  EXPECT_EQ(apply("identity", {Value("x")}), Value("x"));
}

TEST(BuiltinOps, Reductions) {
  Value list(List{Value(0), Value(1), Value(2), Value(3)});
  EXPECT_EQ(apply("sum", {list}), Value(6));
  EXPECT_EQ(apply("sum", {Value(1), Value(2.5)}), Value(3.5));
  EXPECT_EQ(apply("sum", {Value(Array{1, 2})}), Value(3.0));
  EXPECT_EQ(apply("max", {list}), Value(3));
  EXPECT_EQ(apply("min", {list}), Value(0));
  EXPECT_EQ(apply("mean", {list}), Value(1.5));
  EXPECT_EQ(apply("count", {list}), Value(4));
  EXPECT_EQ(apply("fib", {Value(20)}), Value(6765));
}

TEST(BuiltinOps, ErrorsAreReported) {
  auto message = [](std::string_view op, std::vector<Value> args) {
    try {
      apply(op, std::move(args));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("div", {Value(1), Value(0)}), "division by zero");
  EXPECT_EQ(message("add", {Value(std::numeric_limits<int64_t>::max()), Value(1)}),
            "int64 overflow in add");
  EXPECT_EQ(message("inc", {Value(std::numeric_limits<int64_t>::max())}), "int64 overflow in inc");
  EXPECT_EQ(message("fail", {Value("boom")}), "boom");
  EXPECT_EQ(message("max", {Value(List{})}), "max of an empty sequence");
  EXPECT_EQ(message("add", {Value("a"), Value(1)}), "add needs two numbers, got string and int");
}

TEST(OpRegistry, TypedRegistrationConvertsAndReportsMismatches) {
  const Op& op = register_op("test.scale", "x * k", [](double x, int64_t k) { return x * k; });
  EXPECT_EQ(op.arity.min_args, 2);
  EXPECT_EQ(op.fn(std::vector<Value>{Value(1.5), Value(2)}), Value(3.0));
  try {
    op.fn(std::vector<Value>{Value(1.5), Value("two")});
    FAIL();
  } catch (const TypeError& e) {
    EXPECT_STREQ(e.what(), "argument 2: expected int, got string");
  }
}

TEST(OpRegistry, NamesAreUniqueAndValid) {
  EXPECT_THROW(register_op("add", "again", [](int64_t x) { return x; }), UsageError);
  EXPECT_THROW(register_op("bad name", "", [](int64_t x) { return x; }), UsageError);
  try {
    OpRegistry::global().get("nope");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown op 'nope'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("inc"), std::string::npos);
  }
}

TEST(OpRegistry, DirectOpsAreCalledDirectly) {
  const Op& op = OpRegistry::global().add_direct("test.first", "its first argument", {1, -1},
                                                 [](ArgSpan a) { return a[0]; });
  EXPECT_NE(op.direct, nullptr);
  const Value args[] = {Value(7), Value(8)};
  EXPECT_EQ(op.call(args), Value(7));
  EXPECT_EQ(op.fn(args), Value(7));  // the general way in calls the same function
  EXPECT_THROW(OpRegistry::global().add_direct("test.nothing", "", {0, 0}, nullptr), UsageError);
  EXPECT_EQ(OpRegistry::global().find("test.nothing"), nullptr);
}

}  // namespace
}  // namespace schedlab
