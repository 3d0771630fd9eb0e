// `schedlab report compare OLD.json NEW.json`: cells matched by id, the ratio NEW/OLD of their
// medians, and whether the difference is beyond the noise of either run.
#pragma once

#include <string>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

// Beyond the noise: |new - old| exceeds both 3 robust standard deviations (1.4826 * MAD) of
// the noisier run and 2% of the old median.
bool beyond_noise(const Statistics& old_stats, const Statistics& new_stats);
std::string compare_markdown(const SuiteResult& old_run, const SuiteResult& new_run);

}  // namespace schedlab::reports
