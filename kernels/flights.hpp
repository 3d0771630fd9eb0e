// The flights data scan (seed 004): a generated, deterministic NYC-flights-like data set of
// CSV files, and the ops that read and reduce it. Tables are dense arrays, so they cross
// process boundaries in bulk and the cost of moving data shows.
#pragma once

#include <string>
#include <vector>

namespace schedlab::kernels {

inline const char* const kAirports[] = {"EWR", "JFK", "LGA"};

// Makes sure `files` CSV files of `rows` flights each exist under data_dir (generating them
// once; the same parameters always give the same bytes) and returns their paths.
std::vector<std::string> ensure_flights_data(const std::string& data_dir, int files, int rows);

// How many rows a file needs for parsing it to take about `unit_ms` on this machine (1,000 to
// 10,000,000, on a 1-1.2-1.5-2-2.5-3-4-5-6-8 series). The parsing speed is measured once and
// kept in data_dir (flights-parse-rate-HOST.txt; delete it to measure again).
int flights_rows_for_unit(const std::string& data_dir, double unit_ms);

// Registers flights.read, flights.max_delay, flights.delay_sums, flights.mean_by_origin.
void register_flights_ops();

// The default cache directory: $SCHEDLAB_DATA, else $XDG_CACHE_HOME/schedlab, else
// ~/.cache/schedlab.
std::string default_data_dir();

}  // namespace schedlab::kernels
