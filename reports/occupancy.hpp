// Builds an Occupancy (reports/results.hpp): the per-worker, per-op busy time of a run in
// kOccupancySlices equal slices, for runs with more tasks than a picture can show one by one.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

class OccupancyBuilder {
 public:
  explicit OccupancyBuilder(double end_ms);  // the run's last task ends by end_ms
  // A task of op on worker, busy over [start_ms, end_ms]: its time goes to the slices it covers.
  void add(unsigned worker, std::string_view op, double start_ms, double end_ms);
  Occupancy take();

 private:
  Occupancy::Series& series(unsigned worker, std::string_view op);
  Occupancy out_;
  std::map<std::pair<unsigned, std::string>, size_t> index_;
  size_t last_ = 0;  // the series of the last task: consecutive tasks are mostly of one
};

}  // namespace schedlab::reports
