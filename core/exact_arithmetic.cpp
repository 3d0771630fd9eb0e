#include "schedlab/core/exact_arithmetic.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace schedlab {
namespace {

int bit_width128(UInt128 x) {
  const auto high = static_cast<uint64_t>(x >> 64);
  return static_cast<int>(high ? 64 + std::bit_width(high)
                               : std::bit_width(static_cast<uint64_t>(x)));
}

constexpr int64_t kExactInDouble = int64_t{1} << 53;  // and every int of smaller magnitude

uint64_t magnitude(int64_t x) {
  // Through unsigned arithmetic so that INT64_MIN has a magnitude (2^63) too.
  return x < 0 ? uint64_t{0} - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
}

}  // namespace

std::partial_ordering compare_exact(int64_t i, double d) {
  // An int of at most 53 bits is a double exactly (and a NaN is unordered either way).
  if (i >= -kExactInDouble && i <= kExactInDouble) return static_cast<double>(i) <=> d;
  if (std::isnan(d)) return std::partial_ordering::unordered;
  // 2^63 is exact as a double; every double at or above it exceeds every int64, and every
  // double below -2^63 is below every int64.
  constexpr double two63 = 9223372036854775808.0;
  if (d >= two63) return std::partial_ordering::less;
  if (d < -two63) return std::partial_ordering::greater;
  // Here trunc(d) fits in int64 exactly; compare the integer parts, then the fraction.
  const double whole = std::trunc(d);
  const auto w = static_cast<int64_t>(whole);
  if (i != w) return i < w ? std::partial_ordering::less : std::partial_ordering::greater;
  const double fraction = d - whole;  // exact: both have the same exponent range
  if (fraction > 0) return std::partial_ordering::less;
  if (fraction < 0) return std::partial_ordering::greater;
  return std::partial_ordering::equivalent;
}

double rounded_quotient(UInt128 n, uint64_t d, bool negative) {
  // Both exact as doubles: IEEE division rounds the quotient once, to nearest, ties to even
  // (the default rounding mode, which nothing in schedlab changes).
  if (n <= static_cast<UInt128>(kExactInDouble) && d <= static_cast<uint64_t>(kExactInDouble)) {
    const double q = static_cast<double>(n) / static_cast<double>(d);
    return negative ? -q : q;
  }
  if (n == 0) return negative ? -0.0 : 0.0;
  // Scale n so that the integer quotient has at least 55 significant bits: 53 for the result,
  // one to round with, and one below it that records (sticky) whether anything was left over.
  const int shift = std::max(0, static_cast<int>(std::bit_width(d)) + 55 - bit_width128(n));
  const UInt128 scaled = n << shift;  // at most 64 + 55 bits wide: no overflow
  UInt128 q = scaled / d;
  if (scaled % d != 0) q |= 1;
  // Keep the top 53 bits of q, rounding half to even by hand (not trusting a conversion).
  const int drop = bit_width128(q) - 53;  // >= 2 by the scaling above
  auto mantissa = static_cast<uint64_t>(q >> drop);
  const UInt128 rest = q & ((static_cast<UInt128>(1) << drop) - 1);
  const UInt128 half = static_cast<UInt128>(1) << (drop - 1);
  if (rest > half || (rest == half && (mantissa & 1))) ++mantissa;  // may reach 2^53: still exact
  const double result = std::ldexp(static_cast<double>(mantissa), drop - shift);
  return negative ? -result : result;
}

double divide_exact(int64_t a, int64_t b) {
  return rounded_quotient(magnitude(a), magnitude(b), (a < 0) != (b < 0));
}

}  // namespace schedlab
