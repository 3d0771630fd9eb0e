#include "schedlab/schedulers/remote/task_messages.hpp"

#include <fmt/format.h>

#include <cstring>

#include "schedlab/core/value_codec.hpp"

namespace schedlab::remote {

void put_request(Writer& out, const Graph& g, NodeId n, bool gil, bool traced, uint8_t flags) {
  const Op& op = *g.op(n);
  const TaskOptions& options = g.options(n);
  out.put(n)
      .put(op.id)
      .put_string(op.name)
      .put(options.sleep_us)
      .put(static_cast<uint8_t>(static_cast<uint8_t>(options.lock) | (gil ? kGilBit : 0) |
                                (traced ? kTracedBit : 0) | flags));
}

TaskRequest get_request(Reader& in) {
  TaskRequest r;
  r.node = in.get<uint32_t>();
  r.op_id = in.get<uint32_t>();
  r.op_name = in.get_string();
  r.options.sleep_us = in.get<uint32_t>();
  const auto lock = in.get<uint8_t>();
  r.options.lock = static_cast<LockKind>(lock & kLockMask);
  r.gil = (lock & kGilBit) != 0;
  r.traced = (lock & kTracedBit) != 0;
  r.flags = lock & ~(kLockMask | kGilBit | kTracedBit);
  return r;
}

const Op& op_of(const TaskRequest& request, bool search, std::string_view where,
                std::string_view hint) {
  const Op* op = OpRegistry::global().by_id(request.op_id);
  if (op && op->name == request.op_name) return *op;
  if (search) {
    if (const Op* named = OpRegistry::global().find(request.op_name)) return *named;
  }
  throw InfrastructureError(
      fmt::format("op '{}' is not known {}; {}", request.op_name, where, hint));
}

void fail(TaskOutcome& out) {
  try {
    throw;
  } catch (const LockOwnerDied& e) {
    out.type = OutcomeType::lock_owner_died;
    out.error = e.what();
  } catch (const InfrastructureError& e) {
    out.type = OutcomeType::infrastructure_error;
    out.error = e.what();
  } catch (...) {
    out.type = OutcomeType::task_error;
    out.error = current_exception_message();
  }
}

size_t payload_size(TaskOutcome& out, size_t limit, std::string_view to,
                    std::string_view limit_text) {
  if (out.type != OutcomeType::ok) return out.error.size();
  try {
    const size_t size = encoded_size(out.result);
    if (size <= limit) return size;
    throw CodecError(fmt::format("it takes {:.1f} GB encoded; {}", size / 1e9, limit_text));
  } catch (const std::exception& e) {  // e.g. nested too deeply to encode
    out.type = OutcomeType::task_error;
    out.error = fmt::format("cannot send the result to {}: {}", to, e.what());
    out.result = Value();
    return out.error.size();
  }
}

void write_payload(const TaskOutcome& out, char* dst) {
  if (out.type == OutcomeType::ok)
    encode_into(out.result, dst);
  else
    std::memcpy(dst, out.error.data(), out.error.size());
}

void put_outcome(Writer& out, const TaskOutcome& outcome, NodeId node) {
  out.put(static_cast<uint8_t>(outcome.type))
      .put(node)
      .put(outcome.start_ns)
      .put(outcome.end_ns)
      .put(outcome.serialise_ns)
      .put(static_cast<int64_t>(outcome.waits.lock_ms * 1e6))
      .put(static_cast<int64_t>(outcome.waits.gil_ms * 1e6))
      .put(outcome.decode_ns);
}

void patch_serialise(char* header, int64_t serialise_ns) {
  std::memcpy(header + 1 + 4 + 8 + 8, &serialise_ns, sizeof serialise_ns);
}

OutcomeHeader get_outcome(Reader& in) {
  OutcomeHeader h{};
  h.type = static_cast<OutcomeType>(in.get<uint8_t>());
  h.node = in.get<uint32_t>();
  h.start_ns = in.get<int64_t>();
  h.end_ns = in.get<int64_t>();
  h.serialise_ns = in.get<int64_t>();
  h.lock_ns = in.get<int64_t>();
  h.gil_ns = in.get<int64_t>();
  h.decode_ns = in.get<int64_t>();
  return h;
}

}  // namespace schedlab::remote
