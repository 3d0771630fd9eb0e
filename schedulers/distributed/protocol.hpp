// The messages between the scheduling rank (the parent) and the worker ranks of the distributed
// scheduler. Every message is one MPI message of bytes whose tag says its kind; tasks and
// results are records, and one message carries as many as were ready (a batch). A large record
// travels alone, sent from the string it was encoded into, so it is never copied into a batch.
//
//   parent -> worker
//     kConfig   threads u32, memory limit u64: (re)start the worker's pool of task threads
//     kTasks    records: run u32, the request of remote/task_messages.hpp (kKeepBit in its
//               lock byte: keep a large result), kept arguments (u32 count, then position u32
//               and node u32 each: the worker puts there the value it kept of that node),
//               argument bytes (u64 + an encoded list value, null where a kept argument goes)
//     kGrant    thread u32: that thread now holds the cluster-wide `global` lock
//     kStop     leave: finalize and exit, abandoning any task (the cluster is shut down)
//     kFetch    run u32, node u32: send the value of that node you kept (answered by a
//               kResults record of type `value`, or `fetch_failed`)
//     kFree     run u32, then node u32s: drop the values of those nodes you kept
//   worker -> parent
//     kHello    pid i32, host (u16 + bytes): sent once, at start
//     kResults  records: the outcome of remote/task_messages.hpp, run u32, thread u32,
//               the task's waits for the GIL (u32 count, then start and end i64 ns each),
//               payload (u64 + the encoded result, or an error message; for `kept`, the result
//               stayed on the worker and the payload is its encoded size, u64)
//     kLock, kUnlock  thread u32: a task thread asks for / gives back the `global` lock
//     kDeath    signal i32, what (u16 + bytes): the worker is dying (a fatal signal, or its
//               memory limit), sent by its watch thread before it goes
//     kHeartbeat  (empty) every kHeartbeat: a worker silent for kSilentDead is dead
#pragma once

#include <chrono>
#include <cstdint>

#include "schedlab/schedulers/remote/task_messages.hpp"

namespace schedlab::distributed {

enum Tag : int {
  kConfig = 1,
  kTasks = 2,
  kGrant = 3,
  kStop = 4,
  kFetch = 5,
  kFree = 6,
  kHello = 10,
  kResults = 11,
  kLock = 12,
  kUnlock = 13,
  kDeath = 14,
  kHeartbeat = 15,
};

using remote::OutcomeType;

// In a task's lock byte, beside the lock and remote::kGilBit: keep a large result here.
inline constexpr uint8_t kKeepBit = 0x40;
inline constexpr size_t kAloneBytes = 64 * 1024;  // a record this large is sent on its own
// A result this large (encoded) stays on the worker that made it when other tasks read it:
// they go to that worker when they can, as in Dask's distributed scheduler, and it crosses the
// network only for a task that runs elsewhere (through the parent, which fetches it).
inline constexpr size_t kKeepBytes = kAloneBytes;
// What fetching a kept value for another worker costs per encoded byte, about: its worker
// encodes it, it crosses TCP to the parent, which decodes it, encodes it into the task and
// sends it on, and the other worker decodes it. Measured on a warm 2-rank cluster of 2 cores
// with a 39 MB flights table: a run that fetched one took 0.50-0.62 s longer than one that did
// not (the parent's share alone 0.28-0.31 s), about 14 ns a byte. (At 6, the estimate of the
// parent's share only, a worker stole a table whenever its home was busy a little longer than
// usual, and the same cell took 0.44 s or 1.0 s by chance.)
inline constexpr double kFetchNsPerByte = 14;
// MPI counts bytes in an int: one message (a value and its record header) stays below 2 GB.
inline constexpr size_t kMaxMessageBytes = size_t{2'000'000'000};

// A worker that passed its memory limit exits with this code (after its kDeath note).
inline constexpr int kMemoryLimitExitCode = 87;

inline constexpr auto kHeartbeatEvery = std::chrono::milliseconds(250);
inline constexpr auto kSilentDead = std::chrono::milliseconds(1500);

}  // namespace schedlab::distributed
