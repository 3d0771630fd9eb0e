// The remote dispatcher's rules (batching, greedy slow tasks, work-first, the transport's
// choice, full workers, held tasks, chunks, deaths, abandoning, lanes, transfer statistics) on
// a fake transport: no fork, no MPI. Its workers run the ops in this process when collected.
#include "schedlab/schedulers/remote/dispatcher.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/value_codec.hpp"

namespace schedlab::remote {
namespace {

using ::testing::Each;
using ::testing::HasSubstr;

// A transport whose workers answer, each time they are collected, the first task in flight of
// each of their threads, running its op here. Knobs say how a test wants it to misbehave.
class Fake final : public Transport {
 public:
  Fake(Execution& ex, Settings s) : sent(s.workers), ex_(ex), d(ex, *this, s) {}

  // Knobs.
  std::chrono::nanoseconds task_time{1'000};  // what each task reports it took
  std::function<std::optional<size_t>(unsigned, const std::deque<NodeId>&)> chooser;
  std::function<bool(unsigned w)> dies;                  // asked of each worker as it is collected
  std::function<bool(NodeId)> refuse_first;              // Sent::full the first time
  std::function<bool(NodeId)> hold;                      // Sent::later, sent at the next collect
  std::function<bool(unsigned w, int collect)> answers;  // whether w answers at this collect
  std::function<void(unsigned w, NodeId n)> answered;    // after each answer
  std::optional<NodeId> unencodable;
  Clock::duration grace = Clock::duration::zero();

  // What happened.
  std::vector<std::vector<NodeId>> sent;  // per worker, in order
  std::vector<std::string> breaches;      // rules broken, as sentences
  std::set<unsigned> abandoned_workers;
  size_t sent_before_collect = 0;
  int waits = 0;

  Sent send(unsigned w, NodeId n) override {
    if (unencodable == n) throw CodecError("nesting too deep");
    if (refuse_first && refuse_first(n) && refused_.insert(n).second) return Sent::full;
    if (hold && hold(n) && !held_.count(n)) {
      held_[n] = w;
      return Sent::later;
    }
    held_.erase(n);
    const auto& s = d.settings();
    const bool greedy = ex_.graph().options(n).sleep_us > 0 || d.slow_tasks();
    const size_t room = s.chunk > 1 ? s.chunk : s.threads * (greedy ? 1u : kMaxBatch);
    if (d.load(w) >= room) breaches.push_back("sent beyond its room");
    sent[w].push_back(n);
    if (collects_ == 0) ++sent_before_collect;
    d.transfer().to_workers += 10;
    return Sent::now;
  }
  bool collect() override {
    ++collects_;
    bool got = false;
    for (auto it = held_.begin(); it != held_.end();) {
      const auto [n, w] = *it++;
      got = true;
      d.send_held(w, n);
    }
    for (unsigned w = 0; w < sent.size(); ++w) {
      if (dies && dies(w) && !d.in_flight(w).empty()) {
        died_ = true;
        ex_.fail_infrastructure(fmt::format("worker {} died while running {}", w, d.running_on(w)));
        d.forget(w);
        continue;
      }
      if (answers && !answers(w, collects_)) continue;
      const std::deque<NodeId> running(
          d.in_flight(w).begin(),
          d.in_flight(w).begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(
                                       d.settings().threads, d.in_flight(w).size())));
      for (unsigned t = 0; t < running.size(); ++t) {
        got = true;
        answer(w, t, running[t]);
      }
    }
    return got;
  }
  void wait() override {
    if (++waits > 100'000) ex_.fail_infrastructure("the fake waited forever");
  }
  std::optional<size_t> choose(unsigned w, const std::deque<NodeId>& ready) override {
    return chooser ? chooser(w, ready) : 0;
  }
  void drop_held() override { held_.clear(); }
  Clock::duration drain_grace() const override { return grace; }
  bool lost_a_worker() const override { return died_; }
  void abandon(unsigned w) override { abandoned_workers.insert(w); }

  // An answer that comes after its worker was forgotten.
  bool late_answer(unsigned w, NodeId n) { return d.returned(w, n); }

 private:
  void answer(unsigned w, unsigned thread, NodeId n) {
    std::vector<Value> args;
    ex_.gather_args(n, args);
    const Clock::time_point start = Clock::now();
    const TaskEvent ran{n, d.lane(w, thread), 0, start, start + task_time};
    if (!d.returned(w, n)) {
      breaches.push_back("an answer for a task not in flight");
      return;
    }
    d.transfer().from_workers += 5;
    try {
      d.ran(w, ran, ex_.graph().op(n)->call(args));
    } catch (const std::exception& e) {
      ex_.task_failed(ran, e.what());
    }
    if (answered) answered(w, n);
  }

  Execution& ex_;
  std::set<NodeId> refused_;
  std::map<NodeId, unsigned> held_;
  int collects_ = 0;
  bool died_ = false;

 public:
  Dispatcher d;  // last: it is given this transport
};

// Which lanes the core was told run something, and whether each still does.
struct Lanes final : Observer {
  std::set<unsigned> used;
  std::map<unsigned, bool> running;
  void task_began(unsigned w, NodeId, Clock::time_point) override {
    used.insert(w);
    running[w] = true;
  }
  void worker_idle(unsigned w) override { running[w] = false; }
  bool all_idle() const {
    return std::none_of(running.begin(), running.end(), [](const auto& l) { return l.second; });
  }
};

struct Trial {
  Graph g;
  std::vector<NodeId> targets;
  Lanes lanes;
  std::unique_ptr<Execution> ex;
  std::unique_ptr<Fake> fake;

  void start(Settings s) {
    ex = std::make_unique<Execution>(g, plan_for(g, targets),
                                     RunInfo{&g, "fake", s.workers * s.threads, 0, Clock::now()},
                                     std::vector<Observer*>{&lanes}, TaskLocks::in_process());
    fake = std::make_unique<Fake>(*ex, s);
    ex->start();
  }
  std::vector<Value> go() {
    fake->d.run();
    EXPECT_THAT(fake->breaches, ::testing::IsEmpty());
    return ex->finish();
  }
  size_t sends() const {
    size_t n = 0;
    for (const auto& s : fake->sent) n += s.size();
    return n;
  }
};

// `count` independent tasks inc(i), each a target.
void independent(Trial& r, int count, TaskOptions options = {}) {
  for (int i = 0; i < count; ++i) {
    r.targets.push_back(call(r.g, Call{.options = options}, "inc", i).id());
  }
}

TEST(Dispatcher, ShortTasksAreBatchedUpToTheLimitPerThread) {
  for (unsigned threads : {1u, 2u}) {
    Trial r;
    independent(r, 400);
    r.start({.workers = 2, .threads = threads});
    const auto out = r.go();
    for (int i = 0; i < 400; ++i) EXPECT_EQ(out[i].as_int(), i + 1);
    // The first round fills each worker before anything comes back, and no more.
    EXPECT_EQ(r.fake->sent_before_collect, 2 * kMaxBatch * threads);
    EXPECT_EQ(r.sends(), 400u);
    EXPECT_EQ(r.ex->stats().bytes_to_workers, 4000u);
    EXPECT_EQ(r.ex->stats().bytes_from_workers, 2000u);
  }
}

TEST(Dispatcher, SleepingAndSlowTasksGoOnePerThread) {
  // A task that sleeps is greedy from the start (Fake::send counts a breach otherwise); plain
  // tasks become greedy once tasks are seen to take longer than kShortTaskUs.
  Trial sleeping;
  independent(sleeping, 50, TaskOptions::sleeping(1));
  sleeping.start({.workers = 2, .threads = 2});
  sleeping.go();
  EXPECT_EQ(sleeping.sends(), 50u);

  Trial slow;
  independent(slow, 300);
  slow.start({.workers = 2});
  slow.fake->task_time = std::chrono::microseconds(100);
  slow.go();
  EXPECT_TRUE(slow.fake->d.slow_tasks());
  EXPECT_EQ(slow.sends(), 300u);
}

TEST(Dispatcher, WorkFirstKeepsEachChainOnItsWorker) {
  // Two chains; worker 1 answers only every third time it is asked, so that worker 0 is often
  // idle when a task of worker 1's chain becomes ready.
  for (Policy policy : {Policy::work_first, Policy::oldest_first}) {
    Trial r;
    for (int chain = 0; chain < 2; ++chain) {
      Delayed d = call(r.g, "inc", 0);
      for (int i = 1; i < 30; ++i) d = call(r.g, "inc", d);
      r.targets.push_back(d.id());
    }
    r.start({.workers = 2, .policy = policy});
    r.fake->answers = [](unsigned w, int collect) { return w == 0 || collect % 3 == 0; };
    const auto out = r.go();
    EXPECT_EQ(out[0].as_int(), 30);
    EXPECT_EQ(out[1].as_int(), 30);
    if (policy == Policy::work_first) {
      // Each worker ran one whole chain: what a result made ready stayed on its worker.
      EXPECT_EQ(r.fake->sent[0].size(), 30u);
      EXPECT_EQ(r.fake->sent[1].size(), 30u);
    } else {
      // Oldest first, the idle worker takes it (which is what makes the two policies differ).
      EXPECT_GT(r.fake->sent[0].size(), 30u);
    }
  }
}

TEST(Dispatcher, OldestFirstLetsTheTransportChoose) {
  Trial r;
  independent(r, 100);
  r.start({.workers = 2, .policy = Policy::oldest_first});
  // Worker 1 wants none of them; worker 0 takes the newest of the first two.
  r.fake->chooser = [](unsigned w, const std::deque<NodeId>& ready) -> std::optional<size_t> {
    if (w == 1) return std::nullopt;
    return ready.size() > 1 ? 1 : 0;
  };
  r.go();
  EXPECT_TRUE(r.fake->sent[1].empty());
  ASSERT_EQ(r.fake->sent[0].size(), 100u);
  EXPECT_EQ(r.fake->sent[0][0], r.targets[1]);
  EXPECT_EQ(r.fake->sent[0][1], r.targets[2]);
}

TEST(Dispatcher, AFullWorkerGetsItsTaskAfterCollecting) {
  Trial r;
  independent(r, 200);
  r.start({.workers = 2});
  r.fake->refuse_first = [](NodeId n) { return n % 7 == 0; };
  const auto out = r.go();
  EXPECT_EQ(out[199].as_int(), 200);
  EXPECT_EQ(r.sends(), 200u);  // each sent once, none lost
}

TEST(Dispatcher, HeldTasksCountAsLoadAndAreSentLater) {
  Trial r;
  independent(r, 40, TaskOptions::sleeping(1));
  r.start({.workers = 2});
  r.fake->hold = [](NodeId n) { return n % 3 == 0; };
  const auto out = r.go();
  EXPECT_EQ(out[39].as_int(), 40);
  EXPECT_EQ(r.sends(), 40u);  // and none beyond its room (greedy: one per worker)
}

TEST(Dispatcher, AChunksSuccessorsGoInOrderTheLastOnTop) {
  // r made s1, s2 and s3 ready: within --chunksize the worker does not go on with the first at
  // once, so they stack in order (as the predictor has it) and the next chunk takes s3 first.
  Trial r;
  Delayed root = call(r.g, "inc", 0);
  for (int i = 0; i < 3; ++i) r.targets.push_back(call(r.g, "inc", root).id());
  r.start({.workers = 1, .chunk = 4});
  r.go();
  ASSERT_EQ(r.fake->sent[0].size(), 4u);
  EXPECT_EQ(r.fake->sent[0][1], r.targets[2]);
  EXPECT_EQ(r.fake->sent[0][2], r.targets[1]);
  EXPECT_EQ(r.fake->sent[0][3], r.targets[0]);
}

TEST(Dispatcher, ChunksGoToIdleWorkersAndCountTogether) {
  Trial r;
  independent(r, 21);
  r.start({.workers = 2, .chunk = 4});
  // A chunk's results count when its last is back: until then the core holds none of them.
  r.fake->answered = [&](unsigned w, NodeId n) {
    EXPECT_EQ(r.ex->holds_result(n), r.fake->d.in_flight(w).empty()) << r.g.key(n);
  };
  const auto out = r.go();
  EXPECT_EQ(out[20].as_int(), 21);
  EXPECT_EQ(r.sends(), 21u);  // (Fake::send: never more than 4 in flight on a worker)
}

TEST(Dispatcher, ArgumentsThatCannotBeEncodedFailThatTask) {
  Trial r;
  independent(r, 10);
  r.start({.workers = 2});
  r.fake->unencodable = r.targets[3];
  r.fake->d.run();
  try {
    r.ex->finish();
    FAIL() << "the run succeeded";
  } catch (const TaskError& e) {
    EXPECT_EQ(e.key(), r.g.key(r.targets[3]));
    EXPECT_THAT(e.what(), HasSubstr("cannot send the arguments to a worker: nesting too deep"));
  }
  EXPECT_EQ(r.fake->d.total_in_flight(), 0u);
}

TEST(Dispatcher, ADeadWorkersTasksAreForgottenAndTheOthersAbandoned) {
  Trial r;
  independent(r, 20, TaskOptions::sleeping(1));
  r.start({.workers = 3});
  r.fake->dies = [](unsigned w) { return w == 1; };
  r.fake->answers = [](unsigned, int) { return false; };  // the others are still at it
  r.fake->d.run();
  EXPECT_THROW(
      {
        try {
          r.ex->finish();
        } catch (const InfrastructureError& e) {
          EXPECT_THAT(e.what(), HasSubstr("worker 1 died while running task '"));
          throw;
        }
      },
      InfrastructureError);
  // The dead worker's answer, should one still come, is dropped.
  EXPECT_FALSE(r.fake->late_answer(1, r.fake->sent[1].front()));
  EXPECT_EQ(r.fake->d.total_in_flight(), 0u);
  EXPECT_EQ(r.sends(), 3u);  // nothing new was sent once the run stopped
  EXPECT_EQ(r.fake->abandoned_workers, (std::set<unsigned>{0, 2}));
  EXPECT_TRUE(r.lanes.all_idle());
}

TEST(Dispatcher, AFailedTasksRunWaitsOnlyForTheGrace) {
  // A task fails while others are in flight: without a grace they are abandoned at once; with
  // one, they are answered and nothing is abandoned.
  for (bool with_grace : {false, true}) {
    Trial r;
    for (int i = 0; i < 6; ++i) {
      r.targets.push_back(
          call(r.g, Call{.options = TaskOptions::sleeping(1)}, "div", 1, i == 0 ? 0 : 1).id());
    }
    r.start({.workers = 3});
    if (with_grace) r.fake->grace = std::chrono::seconds(10);
    // Worker 0 runs the failing task; the others answer three collects later.
    r.fake->answers = [](unsigned w, int collect) { return w == 0 || collect > 3; };
    r.fake->d.run();
    EXPECT_THROW(r.ex->finish(), TaskError);
    EXPECT_EQ(r.fake->abandoned_workers.empty(), with_grace) << "grace " << with_grace;
    EXPECT_EQ(r.fake->d.total_in_flight(), 0u);
  }
}

TEST(Dispatcher, EachThreadIsALaneNumberedAsThePredictorDoes) {
  Trial r;
  independent(r, 40, TaskOptions::sleeping(1));
  r.start({.workers = 2, .threads = 2});
  r.go();
  EXPECT_EQ(r.lanes.used, (std::set<unsigned>{0, 1, 2, 3}));
  EXPECT_TRUE(r.lanes.all_idle());
  EXPECT_EQ(r.fake->d.lane(1, 1), 3u);
  EXPECT_EQ(r.fake->d.lane(1, 7), 3u);  // a thread beyond the count is the last one's lane
}

}  // namespace
}  // namespace schedlab::remote
