// Builds an Occupancy (reports/results.hpp): the per-worker, per-op busy time of a run in
// kOccupancySlices equal slices, for runs with more tasks than a picture can show one by one.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schedlab/reports/results.hpp"

namespace schedlab::reports {

class OccupancyBuilder {
 public:
  explicit OccupancyBuilder(double end_ms);  // the run's last task ends by end_ms
  // A task of op on worker, busy over [start_ms, end_ms]: its time goes to the slices it covers
  // (a task past end_ms, which should not be, to the last one).
  void add(unsigned worker, std::string_view op, double start_ms, double end_ms);
  Occupancy take();

 private:
  Occupancy::Series& series(unsigned worker, std::string_view op);
  Occupancy out_;
  std::map<std::pair<unsigned, std::string>, size_t> index_;
  // Each worker's last series: a worker runs tasks of one op in a row more often than not, and
  // the workers' tasks interleave in a trace.
  std::vector<size_t> last_;
};

// Where a task ran, for occupancy_of.
struct TaskSpan {
  unsigned worker = 0;
  std::string_view op;
  double start_ms = 0, end_ms = 0;
};

// The occupancy of `tasks` (a trace, a simulated schedule), each seen through span(task).
template <class Tasks, class Span>
Occupancy occupancy_of(const Tasks& tasks, const Span& span) {
  double end = 0;
  for (const auto& t : tasks) end = std::max(end, span(t).end_ms);
  OccupancyBuilder busy(end);
  for (const auto& t : tasks) {
    const TaskSpan s = span(t);
    busy.add(s.worker, s.op, s.start_ms, s.end_ms);
  }
  return busy.take();
}

}  // namespace schedlab::reports
