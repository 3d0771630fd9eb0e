// What a remote worker is told and answers, and how it runs a task: the one request, outcome and
// execute that the processes workers and the distributed ranks share.
#include "schedlab/schedulers/remote/task_messages.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "schedlab/core/delayed.hpp"

namespace schedlab::remote {
namespace {

using ::testing::HasSubstr;

TaskLocks plain_locks() {
  return TaskLocks::in_process();
}
constexpr WorkerSide kHere{.search = false, .where = "here", .hint = "hint"};

TEST(TaskMessages, ARequestReadsBackAsWritten) {
  Graph g;
  Delayed d = call(g, Call{"slept", TaskOptions::sleeping(2, LockKind::global)}, "inc", 1);
  std::string bytes;
  Writer out(bytes);
  put_request(out, g, d.id(), /*gil=*/true, /*traced=*/true, /*flags=*/0x40);
  Reader in(bytes);
  const TaskRequest r = get_request(in);
  EXPECT_TRUE(in.at_end());
  // A processes worker frees the ring, and a rank reuses the message, once the arguments are
  // read: the request keeps what it needs after that.
  std::fill(bytes.begin(), bytes.end(), 'x');
  EXPECT_EQ(r.node, d.id());
  EXPECT_EQ(r.op_id, g.op(d.id())->id);
  EXPECT_EQ(r.op_name, "inc");
  EXPECT_EQ(r.options.sleep_us, 2000u);
  EXPECT_EQ(r.options.lock, LockKind::global);
  EXPECT_TRUE(r.gil);
  EXPECT_TRUE(r.traced);
  EXPECT_EQ(r.flags, 0x40);
  // Untraced: the bit is off, and the worker keeps no wait of its own.
  bytes.clear();
  Writer again(bytes);
  put_request(again, g, d.id(), /*gil=*/true, /*traced=*/false);
  Reader back(bytes);
  const TaskRequest untraced = get_request(back);
  EXPECT_FALSE(untraced.traced);
  EXPECT_EQ(untraced.flags, 0);
  EXPECT_FALSE(execute(untraced, [] { return Value(List{Value(1)}); }, TaskLocks::in_process(),
                       {.search = true, .where = "here", .hint = ""})
                   .waits.keep_gil_spans);
}

TEST(TaskMessages, AnOutcomeReadsBackAsWrittenWithItsSerialisationPatched) {
  TaskOutcome o;
  o.type = OutcomeType::task_error;
  o.start_ns = 100;
  o.end_ns = 250;
  o.serialise_ns = 7;
  o.decode_ns = 3;
  o.waits = {.lock_ms = 0.5, .gil_ms = 0.25};
  std::string bytes;
  Writer out(bytes);
  put_outcome(out, o, 42);
  ASSERT_EQ(bytes.size(), kOutcomeHeaderBytes);
  patch_serialise(bytes.data(), 9);
  Reader in(bytes);
  const OutcomeHeader h = get_outcome(in);
  EXPECT_EQ(h.type, OutcomeType::task_error);
  EXPECT_EQ(h.node, 42u);
  EXPECT_EQ(h.serialise_ns, 9);
  const TaskEvent e = h.event(3, 1234);
  EXPECT_EQ(e.node, 42u);
  EXPECT_EQ(e.worker, 3u);
  EXPECT_EQ(e.pid, 1234);
  EXPECT_EQ(e.end - e.start, std::chrono::nanoseconds(150));
  EXPECT_DOUBLE_EQ(e.lock_wait_ms, 0.5);
  EXPECT_DOUBLE_EQ(e.gil_wait_ms, 0.25);
  // The worker's serialisation around the op: 3 ns decoding before it, the other 6 after.
  const SpanEvent decoded = h.decoded(3), encoded = h.encoded(3);
  EXPECT_EQ(decoded.kind, SpanEvent::Kind::decode);
  EXPECT_EQ(decoded.end - decoded.start, std::chrono::nanoseconds(3));
  EXPECT_EQ(decoded.end, e.start);
  EXPECT_EQ(encoded.kind, SpanEvent::Kind::encode);
  EXPECT_EQ(encoded.start, e.end);
  EXPECT_EQ(encoded.end - encoded.start, std::chrono::nanoseconds(6));
  EXPECT_EQ(encoded.worker, 3u);
}

// A request as a worker gets it: `op` under its registered id and name.
TaskRequest request_for(const Op& op) {
  TaskRequest r;
  r.op_id = op.id;
  r.op_name = op.name;
  return r;
}

TEST(TaskMessages, ExecuteRunsTheOpOnTheDecodedArguments) {
  const Op& inc = OpRegistry::global().get("inc");
  const TaskOutcome o = execute(
      request_for(inc), [] { return Value(List{Value(int64_t{41})}); }, plain_locks(), kHere);
  ASSERT_EQ(o.type, OutcomeType::ok) << o.error;
  EXPECT_EQ(o.result.as_int(), 42);
  EXPECT_LE(o.start_ns, o.end_ns);
  EXPECT_GT(o.start_ns, 0);
}

TEST(TaskMessages, EachKindOfFailureBecomesItsOutcome) {
  const Op& inc = OpRegistry::global().get("inc");
  auto outcome_of = [&](auto arguments) {
    return execute(request_for(inc), arguments, plain_locks(), kHere);
  };
  const TaskOutcome wrong = outcome_of([] { return Value(List{Value(std::string("x"))}); });
  EXPECT_EQ(wrong.type, OutcomeType::task_error);
  EXPECT_FALSE(wrong.error.empty());
  const TaskOutcome lost =
      outcome_of([]() -> Value { throw InfrastructureError("the arguments are gone"); });
  EXPECT_EQ(lost.type, OutcomeType::infrastructure_error);
  EXPECT_EQ(lost.error, "the arguments are gone");
  const TaskOutcome died = outcome_of([]() -> Value { throw LockOwnerDied(); });
  EXPECT_EQ(died.type, OutcomeType::lock_owner_died);
  EXPECT_THAT(died.error, HasSubstr("died while holding the global lock"));
  const TaskOutcome garbled =
      outcome_of([]() -> Value { throw std::runtime_error("bad bytes in the arguments"); });
  EXPECT_EQ(garbled.type, OutcomeType::task_error);
  EXPECT_THAT(garbled.error, HasSubstr("bad bytes in the arguments"));
  TaskRequest unknown = request_for(inc);
  unknown.op_name = "nowhere.op";
  bool decoded = false;
  const TaskOutcome missing = execute(
      unknown,
      [&] {
        decoded = true;
        return Value(List{});
      },
      plain_locks(), kHere);
  EXPECT_EQ(missing.type, OutcomeType::infrastructure_error);
  EXPECT_EQ(missing.error, "op 'nowhere.op' is not known here; hint");
  EXPECT_FALSE(decoded);  // the op is looked up before the arguments are decoded
}

TEST(TaskMessages, AnOpIsFoundByIdWhenTheNamesAgreeAndByNameOnlyWhenAllowed) {
  const Op& inc = OpRegistry::global().get("inc");
  const Op& dec = OpRegistry::global().get("dec");
  EXPECT_EQ(&op_of(request_for(inc), false, "", ""), &inc);
  TaskRequest moved = request_for(inc);
  moved.op_id = dec.id;  // another program registered its ops in another order
  EXPECT_EQ(&op_of(moved, true, "", ""), &inc);
  try {
    op_of(moved, false, "in the worker process", "register it first");
    FAIL() << "a forked worker must not search by name";
  } catch (const InfrastructureError& e) {
    EXPECT_EQ(std::string(e.what()),
              "op 'inc' is not known in the worker process; register it first");
  }
  TaskRequest unknown = request_for(inc);
  unknown.op_name = "nowhere.op";
  EXPECT_THROW(op_of(unknown, true, "", ""), InfrastructureError);
}

TEST(TaskMessages, AResultTooLargeToSendBecomesATaskErrorSayingWhere) {
  TaskOutcome o;
  o.result = Value(std::string(1000, 'x'));
  EXPECT_GT(payload_size(o, SIZE_MAX, "the parent"), 1000u);
  EXPECT_EQ(o.type, OutcomeType::ok);
  const size_t size = payload_size(o, 100, "the scheduler", "one message holds at most 100 B");
  EXPECT_EQ(o.type, OutcomeType::task_error);
  EXPECT_EQ(size, o.error.size());
  EXPECT_THAT(o.error, HasSubstr("cannot send the result to the scheduler"));
  EXPECT_THAT(o.error, HasSubstr("GB encoded; one message holds at most 100 B"));
  std::string written(size, '\0');
  write_payload(o, written.data());
  EXPECT_EQ(written, o.error);
}

}  // namespace
}  // namespace schedlab::remote
