// The messages between the parent and a worker process, and the shared segment's layout.
//
// Request (parent -> worker):  type u8 (task | stop), then for a task the request of
//   remote/task_messages.hpp and its arguments as one encoded list value, inline or out of line.
// Response (worker -> parent): the outcome of remote/task_messages.hpp, then the encoded result
//   (ok) or a message, inline or out of line.
// A payload larger than a quarter of the ring goes out of line: into its own segment, named in
// the message, that the receiver maps, reads and removes.
#pragma once

#include <pthread.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "schedlab/core/errors.hpp"
#include "schedlab/schedulers/processes/ring.hpp"
#include "schedlab/schedulers/wire.hpp"

namespace schedlab::processes {

enum class RequestType : uint8_t { task = 1, stop = 2 };
enum class PayloadMode : uint8_t { inline_bytes = 0, out_of_line = 1, reused = 2 };
inline constexpr size_t kRingCapacity = size_t{1} << 20;  // per direction per worker

// The start of the pool's segment. Followed by one WorkerArea per worker.
struct PoolHeader {
  static constexpr uint64_t kMagic = 0x5343484544504f4fULL;  // "SCHEDPOO"
  uint64_t magic;
  uint32_t workers;
  pthread_mutex_t global_lock;                      // robust and process-shared: see pool.cpp
  alignas(64) Bell parent_bell;                     // rung by workers after posting a response
  alignas(64) std::atomic<int32_t> parent_cpu{-1};  // see spin.hpp
};

struct alignas(64) WorkerArea {
  Bell bell;                                 // rung by the parent after posting requests
  alignas(64) std::atomic<int32_t> cpu{-1};  // the worker's, see spin.hpp
};

inline size_t worker_stride() {
  return sizeof(WorkerArea) + 2 * Ring::footprint(kRingCapacity);
}
inline size_t segment_size(unsigned workers) {
  return (sizeof(PoolHeader) + 63) / 64 * 64 + workers * worker_stride();
}

// Views of one worker's part of the segment.
struct WorkerChannel {
  WorkerArea* area;
  Ring requests;
  Ring responses;
};
inline WorkerChannel channel(char* segment, unsigned w, bool init) {
  char* base = segment + (sizeof(PoolHeader) + 63) / 64 * 64 + w * worker_stride();
  auto* area = reinterpret_cast<WorkerArea*>(base);
  if (init) new (area) WorkerArea();
  char* rings = base + sizeof(WorkerArea);
  return {area, Ring(rings, kRingCapacity, init),
          Ring(rings + Ring::footprint(kRingCapacity), kRingCapacity, init)};
}

using schedlab::Reader;
using schedlab::Writer;

}  // namespace schedlab::processes
