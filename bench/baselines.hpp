// The baselines' registrations, each in a file built only when its library is found
// (baselines.cpp knows which).
#pragma once

#include <string>
#include <vector>

namespace schedlab::bench {

void register_tbb(const std::vector<std::string>& shapes);      // tbb_baseline.cpp
void register_omp_raw(const std::vector<std::string>& shapes);  // omp_raw_baseline.cpp

}  // namespace schedlab::bench
