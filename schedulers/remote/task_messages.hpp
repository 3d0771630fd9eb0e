// What a remote worker (a forked process, an MPI rank) is told about a task and what it answers,
// and the one way both run it. Each transport frames these its own way (a ring or an MPI batch,
// arguments inline, out of line or kept on the worker) and adds its own fields after them
// (distributed: the run, the thread, the values it kept), but the task, its op lookup, its
// execution, the kinds of outcome and their timings are written and read here only.
//
//   request:  node u32, op id u32, op name (u16 + bytes), sleep_us u32,
//             lock u8 (LockKind | kGilBit | kTracedBit | the transport's own flags)
//   outcome:  type u8, node u32, start, end, serialisation, lock wait, GIL wait, decoding the
//             arguments (i64 ns each; serialisation is the decoding and the result's encoding)
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/graph.hpp"
#include "schedlab/schedulers/clock_ns.hpp"
#include "schedlab/schedulers/observer.hpp"
#include "schedlab/schedulers/task_body.hpp"
#include "schedlab/schedulers/wire.hpp"

namespace schedlab::remote {

inline constexpr uint8_t kGilBit = 0x80;     // in a request's lock byte: run under the GIL
inline constexpr uint8_t kTracedBit = 0x20;  // the run is traced: keep each wait for the GIL
inline constexpr uint8_t kLockMask = 0x1f;   // the LockKind; 0x40 is the transport's

struct TaskRequest {
  NodeId node = 0;
  uint32_t op_id = 0;   // in the parent's registry
  std::string op_name;  // a copy: the message it came in is reused once the arguments are read
  TaskOptions options;
  bool gil = false;
  bool traced = false;
  uint8_t flags = 0;  // the transport's own bits of the lock byte (0x40)
};

void put_request(Writer& out, const Graph& g, NodeId n, bool gil, bool traced, uint8_t flags = 0);
TaskRequest get_request(Reader& in);

// The op a request names. By id when this process's registry holds it under the same name (a
// forked worker, or a rank running the same program); otherwise, if `search` (a rank: another
// program may register its ops in another order), by name. A forked worker must not search: the
// registry's mutex may have been held by another thread of the parent at fork. Throws an
// InfrastructureError: "op 'x' is not known `where`; `hint`" (how to fix it).
const Op& op_of(const TaskRequest& request, bool search, std::string_view where,
                std::string_view hint);

enum class OutcomeType : uint8_t {
  ok = 1,
  task_error = 2,            // the op threw: the message
  infrastructure_error = 3,  // the worker could not run it: the message
  lock_owner_died = 4,       // processes: the LockOwnerDied message; the cause is another death
  kept = 5,                  // distributed: the result stays on the worker (its size is sent)
  value = 6,                 // distributed: a kept value the parent fetched
  fetch_failed = 7,          // distributed: a fetched value that is not there (why)
};

// A worker died holding the `global` lock; the next worker to take it reports this.
class LockOwnerDied : public InfrastructureError {
 public:
  LockOwnerDied()
      : InfrastructureError(
            "a worker process died while holding the global lock; the lock was "
            "repaired but this run cannot be trusted") {}
};

struct TaskOutcome {
  OutcomeType type = OutcomeType::ok;
  Value result;       // ok
  std::string error;  // task_error, infrastructure_error, lock_owner_died
  int64_t start_ns = 0, end_ns = 0;
  int64_t serialise_ns = 0;  // decoding the arguments, and encoding the result once sent
  int64_t decode_ns = 0;     // decoding the arguments, just before start_ns
  TaskWaits waits;
};

void fail(TaskOutcome& out);  // from the exception being handled

// Where a worker runs and how it finds its ops (op_of).
struct WorkerSide {
  bool search;
  std::string_view where, hint;
};

// Runs one task on a worker: finds its op, `arguments()` decodes its arguments (timed as
// serialisation) and may throw; then the op runs with the task's lock, sleep and GIL. Every
// exception becomes the outcome's type and message, so that a worker always answers.
template <class Arguments>
TaskOutcome execute(const TaskRequest& request, Arguments&& arguments, const TaskLocks& locks,
                    const WorkerSide& side) {
  TaskOutcome out;
  out.waits.keep_gil_spans = request.traced;
  try {
    const Op& op = op_of(request, side.search, side.where, side.hint);
    const int64_t t0 = now_ns();
    Value args = arguments();
    out.serialise_ns = out.decode_ns = now_ns() - t0;
    out.start_ns = now_ns();
    out.result = run_task_body(op, args.as_list(), request.options, locks, &out.waits);
    out.end_ns = now_ns();
  } catch (...) {
    fail(out);
  }
  if (out.end_ns == 0) out.end_ns = now_ns();
  if (out.start_ns == 0) out.start_ns = out.end_ns;
  return out;
}
// The size the outcome's payload takes (the encoded result, or the message). A result that
// cannot be encoded, or is larger than `limit`, becomes a task error saying so ("cannot send the
// result to `to`: it takes 2.3 GB encoded; `limit_text`").
size_t payload_size(TaskOutcome& out, size_t limit, std::string_view to,
                    std::string_view limit_text = "");
// Writes the payload (payload_size bytes) at `dst`.
void write_payload(const TaskOutcome& out, char* dst);

// The outcome's header. Its serialisation time can be set once the payload is encoded, at the
// header's start (patch_serialise).
inline constexpr size_t kOutcomeHeaderBytes = 1 + 4 + 6 * 8;
void put_outcome(Writer& out, const TaskOutcome& outcome, NodeId node);
void patch_serialise(char* header, int64_t serialise_ns);

struct OutcomeHeader {
  OutcomeType type;
  NodeId node;
  int64_t start_ns, end_ns, serialise_ns, lock_ns, gil_ns, decode_ns;
  // What the core is told: the task ran on `lane` of the process `pid`.
  TaskEvent event(unsigned lane, int pid) const {
    return {node,  lane,          pid,         from_ns(start_ns), from_ns(end_ns),
            false, lock_ns / 1e6, gil_ns / 1e6};
  }
  // The worker's serialisation on `lane`: the arguments decoded just before the op, the result
  // encoded just after.
  SpanEvent decoded(unsigned lane) const {
    return {SpanEvent::Kind::decode, node, lane, from_ns(start_ns - decode_ns), from_ns(start_ns)};
  }
  SpanEvent encoded(unsigned lane) const {
    return {SpanEvent::Kind::encode, node, lane, from_ns(end_ns),
            from_ns(end_ns + std::max<int64_t>(0, serialise_ns - decode_ns))};
  }
};
OutcomeHeader get_outcome(Reader& in);

}  // namespace schedlab::remote
