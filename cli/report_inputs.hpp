// What the `report` subcommands read and write, checked before anything is written: JSON files
// (bounded, "-" for standard input once), outputs that would replace an input, and the compare
// gate's numbers. Each error names the file or flag and says what to give instead.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "schedlab/reports/results.hpp"

namespace schedlab::cli {

nlohmann::json read_json(const std::string& path);
reports::SuiteResult read_results(const std::string& path);
// An output that is one of the inputs would be replaced by what was read from it: refused.
void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs);

double parse_threshold(const std::string& text);  // "5%" or "5": a fraction
double checked_alpha(double alpha);

// One side of `report compare`: the positional file, then the repeated --old or --new files
// (`which` is "earlier" or "later"); several files are several runs of that side, combined so
// that each cell is sampled once per run.
std::vector<std::string> side_files(const std::string& first, const std::vector<std::string>& more,
                                    const std::string& which);
reports::SuiteResult read_side(const std::vector<std::string>& files, bool by_runs);

}  // namespace schedlab::cli
