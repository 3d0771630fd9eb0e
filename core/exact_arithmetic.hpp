// Exact arithmetic for the built-in ops: comparisons of int64 and double that never round, and
// integer quotients rounded once (correctly) to a double, as Python computes them.
//
// Why: an int64 holds 63 bits of magnitude and a double only 53, so converting an int to a
// double before comparing or dividing can round it: max(2^53, 2^53 + 1) compared through
// double calls them equal, and (2^53 + 1) / 3 divided in double rounds twice.
#pragma once

#include <compare>
#include <cstdint>

namespace schedlab {

// 128-bit integers (a GCC and Clang extension; __extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// Compares an int with a double by their mathematical values, as Python's `<` does (no
// rounding). Unordered when d is NaN.
std::partial_ordering compare_exact(int64_t i, double d);

// The double nearest to the rational magnitude/denominator, ties to even; negated when
// `negative` (a zero result keeps the sign, as Python's -0.0). Requires denominator > 0.
double rounded_quotient(UInt128 magnitude, uint64_t denominator, bool negative);

// a / b for ints, correctly rounded (Python's int / int). Requires b != 0.
double divide_exact(int64_t a, int64_t b);

}  // namespace schedlab
