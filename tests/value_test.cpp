#include "schedlab/core/value.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/core/value_json.hpp"

namespace schedlab {
namespace {

std::vector<Value> samples() {
  return {Value(),
          Value(true),
          Value(false),
          Value(int64_t{0}),
          Value(std::numeric_limits<int64_t>::min()),
          Value(std::numeric_limits<int64_t>::max()),
          Value(-1.5),
          Value(1e300),
          Value(""),
          Value(std::string("a\0b\"c|,\n", 8)),
          Value(List{}),
          Value(List{Value(1), Value("two"), Value(List{Value(3.0), Value()})}),
          Value(Array{}),
          Value(Array{1.0, -2.5, 3e-9})};
}

TEST(Value, KindsAndAccess) {
  EXPECT_EQ(Value(3).kind(), ValueKind::integer);
  EXPECT_EQ(Value(3).as_double(), 3.0);
  EXPECT_THROW(Value("x").as_int(), TypeError);
  EXPECT_THROW(Value(1.5).as_int(), TypeError);
  EXPECT_EQ(kind_name(ValueKind::array), "array");
}

TEST(Value, EqualityIsByKindAndContent) {
  EXPECT_EQ(Value(1), Value(int64_t{1}));
  EXPECT_NE(Value(1), Value(1.0));  // an int and a double are different values
  EXPECT_EQ(Value(List{Value(1), Value("a")}), Value(List{Value(1), Value("a")}));
  EXPECT_NE(Value(List{Value(1)}), Value(Array{1.0}));
}

TEST(ValueCodec, RoundTripsEveryKind) {
  for (const Value& v : samples()) {
    std::string bytes = encode(v);
    EXPECT_EQ(bytes.size(), encoded_size(v));
    EXPECT_EQ(decode(bytes), v) << to_display(v);
  }
}

TEST(ValueCodec, RejectsBadHeaderAndVersion) {
  EXPECT_THROW(decode(""), CodecError);
  EXPECT_THROW(decode("XV\x01\x00"), CodecError);
  std::string bytes = encode(Value(1));
  bytes[2] = 9;
  try {
    decode(bytes);
    FAIL();
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("version 9"), std::string::npos);
  }
}

TEST(ValueCodec, EveryTruncationIsAnError) {
  Value v(List{Value("hello"), Value(Array{1, 2, 3}), Value(List{Value(7), Value(true)})});
  std::string bytes = encode(v);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(decode(std::string_view(bytes).substr(0, n)), CodecError) << n;
  }
  EXPECT_THROW(decode(bytes + "x"), CodecError);  // trailing bytes
}

TEST(ValueCodec, HugeLengthIsRejectedWithoutAllocating) {
  std::string bytes = encode(Value(List{}));
  bytes.replace(4, 8, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8));
  EXPECT_THROW(decode(bytes), CodecError);
}

TEST(ValueCodec, CorruptBytesNeverCrash) {
  // Random single-byte corruptions: each must decode to something or throw CodecError.
  // (Run under the address sanitizer preset, this is also a bounds check.)
  std::mt19937 rng(7);
  size_t decoded = 0, rejected = 0;
  for (const Value& v : samples()) {
    std::string good = encode(v);
    for (int i = 0; i < 200; ++i) {
      std::string bad = good;
      bad[rng() % bad.size()] = static_cast<char>(rng());
      try {
        decode(bad);
        ++decoded;
      } catch (const CodecError&) {
        ++rejected;
      }
    }
  }
  // Both outcomes happen: a corruption of a payload byte decodes (to another value), one of a
  // tag or a length is caught; a codec that refused everything would pass neither way.
  EXPECT_GT(decoded, 0u);
  EXPECT_GT(rejected, 0u);
}

TEST(ValueCodec, DeepNestingIsRefused) {
  Value v = Value(1);
  for (size_t i = 0; i < kMaxValueDepth + 2; ++i) v = Value(List{v});
  EXPECT_THROW(encode(v), CodecError);
}

TEST(ValueJson, ConvertsBothWays) {
  auto j = nlohmann::json::parse(R"([1, 2.5, "x", null, true, [1], {"array": [1, 2]}])");
  Value v = value_from_json(j);
  const List& items = v.as_list();
  EXPECT_EQ(items[0], Value(1));
  EXPECT_EQ(items[1], Value(2.5));
  EXPECT_EQ(items[6], Value(Array{1, 2}));
  EXPECT_EQ(to_json(v).dump(), R"([1,2.5,"x",null,true,[1],[1.0,2.0]])");
}

TEST(ValueJson, RejectsWhatIsNotAValue) {
  EXPECT_THROW(value_from_json(nlohmann::json::parse(R"({"a": 1})")), UsageError);
  EXPECT_THROW(value_from_json(nlohmann::json::parse("18446744073709551615")), UsageError);
}

}  // namespace
}  // namespace schedlab
