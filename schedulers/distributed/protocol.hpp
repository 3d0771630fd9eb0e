// The messages between the scheduling rank (the parent) and the worker ranks of the distributed
// scheduler. Every message is one MPI message of bytes whose tag says its kind; tasks and
// results are records, and one message carries as many as were ready (a batch). A large record
// travels alone, sent from the string it was encoded into, so it is never copied into a batch.
//
//   parent -> worker
//     kConfig   threads u32, memory limit u64: (re)start the worker's pool of task threads
//     kTasks    records: run u32, node u32, op name (u16 + bytes), sleep_us u32, lock|gil u8,
//               argument bytes (u64 + an encoded list value)
//     kGrant    thread u32: that thread now holds the cluster-wide `global` lock
//     kStop     leave: finalize and exit, abandoning any task (the cluster is shut down)
//   worker -> parent
//     kHello    pid i32, host (u16 + bytes): sent once, at start
//     kResults  records: type u8, run u32, node u32, thread u32, start/end/serialise/lock wait/GIL
//     wait
//               i64 ns, payload (u64 + the encoded result, or an error message)
//     kLock, kUnlock  thread u32: a task thread asks for / gives back the `global` lock
//     kDeath    signal i32, what (u16 + bytes): the worker is dying (a fatal signal, or its
//               memory limit), sent by its watch thread before it goes
//     kHeartbeat  (empty) every kHeartbeat: a worker silent for kSilentDead is dead
#pragma once

#include <chrono>
#include <cstdint>

namespace schedlab::distributed {

enum Tag : int {
  kConfig = 1,
  kTasks = 2,
  kGrant = 3,
  kStop = 4,
  kHello = 10,
  kResults = 11,
  kLock = 12,
  kUnlock = 13,
  kDeath = 14,
  kHeartbeat = 15,
};

enum class ResultType : uint8_t { ok = 1, task_error = 2, infrastructure_error = 3 };

inline constexpr uint8_t kGilBit = 0x80;          // in a task's lock byte: run under the GIL
inline constexpr size_t kAloneBytes = 64 * 1024;  // a record this large is sent on its own
// MPI counts bytes in an int: one message (a value and its record header) stays below 2 GB.
inline constexpr size_t kMaxMessageBytes = size_t{2'000'000'000};

inline constexpr auto kHeartbeatEvery = std::chrono::milliseconds(250);
inline constexpr auto kSilentDead = std::chrono::milliseconds(1500);

}  // namespace schedlab::distributed
