// Checks of the spans a traced run keeps (schedulers/observer.hpp SpanEvent).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "schedlab/schedulers/compute.hpp"

namespace schedlab::testing {

// Each wait for the GIL lies inside its task and on its lane; returns their total in ms.
inline double gil_waits_within_their_tasks_ms(const ComputeResult& r) {
  double total = 0;
  for (const SpanEvent& s : r.spans) {
    if (s.kind != SpanEvent::Kind::gil_wait) continue;
    auto task = std::find_if(r.trace.begin(), r.trace.end(),
                             [&](const TaskEvent& e) { return e.node == s.node; });
    if (task == r.trace.end()) {
      ADD_FAILURE() << "a wait for the GIL of a task that is not in the trace";
      continue;
    }
    EXPECT_EQ(s.worker, task->worker);
    EXPECT_GE(s.start, task->start);
    EXPECT_LE(s.end, task->end);
    total += std::chrono::duration<double, std::milli>(s.end - s.start).count();
  }
  return total;
}

}  // namespace schedlab::testing
