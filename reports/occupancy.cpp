#include "schedlab/reports/occupancy.hpp"

#include <cmath>
#include <tuple>

namespace schedlab::reports {

OccupancyBuilder::OccupancyBuilder(double end_ms) {
  out_.slice_ms = (std::isfinite(end_ms) && end_ms > 1e-6 ? end_ms : 1e-6) /
                  static_cast<double>(kOccupancySlices);
}

Occupancy::Series& OccupancyBuilder::series(unsigned worker, std::string_view op) {
  if (worker < last_.size() && last_[worker] < out_.series.size() &&
      out_.series[last_[worker]].op == op) {
    return out_.series[last_[worker]];
  }
  auto [it, fresh] = index_.try_emplace({worker, std::string(op)}, out_.series.size());
  if (fresh) {
    out_.series.push_back({worker, std::string(op), 0, std::vector<double>(kOccupancySlices, 0)});
  }
  if (worker < 4096) {  // (a worker number past that is not a thread we started: no cache)
    if (worker >= last_.size()) last_.resize(worker + 1, ~size_t{0});
    last_[worker] = it->second;
  }
  return out_.series[it->second];
}

void OccupancyBuilder::add(unsigned worker, std::string_view op, double start_ms, double end_ms) {
  Occupancy::Series& s = series(worker, op);
  ++s.tasks;
  ++out_.tasks;
  // Written so that NaN and infinities land somewhere defined: times come from clocks and the
  // simulation, but a cast of a NaN to an index would be undefined.
  if (!(start_ms > 0) || !std::isfinite(start_ms)) start_ms = 0;
  if (!(end_ms > start_ms) || !std::isfinite(end_ms)) end_ms = start_ms;
  const double slice = out_.slice_ms;
  auto slice_of = [&](double t) {
    const double i = t / slice;
    return i < static_cast<double>(kOccupancySlices - 1) ? static_cast<size_t>(i)
                                                         : kOccupancySlices - 1;
  };
  const size_t first = slice_of(start_ms), last = slice_of(end_ms);
  if (first == last) {
    s.busy_ms[first] += end_ms - start_ms;
    return;
  }
  s.busy_ms[first] += static_cast<double>(first + 1) * slice - start_ms;
  for (size_t i = first + 1; i < last; ++i) s.busy_ms[i] += slice;
  s.busy_ms[last] += end_ms - static_cast<double>(last) * slice;
}

Occupancy OccupancyBuilder::take() {
  std::sort(out_.series.begin(), out_.series.end(), [](const auto& a, const auto& b) {
    return std::tie(a.worker, a.op) < std::tie(b.worker, b.op);
  });
  index_.clear();
  last_.clear();
  return std::exchange(out_, Occupancy{});
}

}  // namespace schedlab::reports
