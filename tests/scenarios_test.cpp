// Every scenario builds, runs and gives the lesson's answer, on every scheduler.
#include "schedlab/kernels/scenarios.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "schedlab/core/errors.hpp"
#include "schedlab/core/gil.hpp"
#include "schedlab/core/ops.hpp"
#include "schedlab/core/predict.hpp"
#include "schedlab/kernels/flights.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/scheduler.hpp"
#include "tests/span_checks.hpp"

namespace schedlab::kernels {
namespace {

std::string data_dir() {
  static std::string dir =
      (std::filesystem::temp_directory_path() / ("schedlab_test_data_" + std::to_string(getpid())))
          .string();
  return dir;
}

struct DataCleanup : ::testing::Environment {
  void TearDown() override { std::filesystem::remove_all(data_dir()); }
};
[[maybe_unused]] auto* cleanup = ::testing::AddGlobalTestEnvironment(new DataCleanup);

std::vector<Value> run(const std::string& name, Params p, const std::string& scheduler = "sync") {
  BuiltScenario b = build_scenario(find_scenario(name), p, {.unit_ms = 1, .data_dir = data_dir()});
  return compute(b.graph, b.targets, {.scheduler = scheduler, .workers = 2}).values;
}

TEST(Scenarios, LessonAnswers) {
  EXPECT_EQ(run("slow-arithmetic", {})[0], Value(-1.6));
  for (const char* how : {"chain", "tree", "fanin"}) {
    EXPECT_EQ(run("inc-dbl", {{"reduce", how}})[0], Value(38)) << how;  // 5+11+15+7
  }
  EXPECT_EQ(run("inc-dec-add", {{"n", "4"}})[0], Value(12));  // sum of 2i
  EXPECT_EQ(run("map-reduce", {{"n", "8"}, {"reduce", "chain"}})[0], Value(44));
  EXPECT_EQ(run("map-reduce", {{"n", "8"}, {"reduce", "tree"}})[0], Value(44));
  // The reduce slide reduces a itself: reduce(add, [0, 1, 2, 3]) is 6.
  EXPECT_EQ(run("map-reduce", {{"of", "a"}})[0], Value(6));
  EXPECT_EQ(run("map-reduce", {{"of", "a"}, {"reduce", "tree"}})[0], Value(6));
  EXPECT_EQ(run("fib", {{"k", "2"}, {"n", "10"}})[0], Value(List{Value(55), Value(55)}));
  EXPECT_EQ(run("sleeplock", {{"lock", "global"}})[0], Value(-1.6));
}

// Every lesson names its notebook, says its takeaway and declares claims a run can check; a
// claim's variant names parameters the scenario has.
TEST(Scenarios, EveryLessonDeclaresItsNotebookAndClaims) {
  for (const Scenario& s : scenarios()) {
    if (!s.lesson_suite) {
      EXPECT_TRUE(s.claims.empty()) << s.name;
      continue;
    }
    EXPECT_FALSE(s.notebook.empty()) << s.name;
    EXPECT_FALSE(s.takeaway.empty()) << s.name;
    EXPECT_FALSE(s.claims.empty()) << s.name;
    for (const Claim& c : s.claims) {
      EXPECT_FALSE(c.text.empty()) << s.name;
      EXPECT_GT(c.ratio, 0) << s.name << ": " << c.text;
      EXPECT_NO_THROW(complete_params(s, c.variant)) << s.name << ": " << c.text;
    }
  }
}

TEST(Scenarios, FlightsAgreeOnEveryScheduler) {
  Params p{{"files", "2"}, {"rows", "500"}};
  std::vector<Value> expected = run("flights", p);
  ASSERT_EQ(expected.size(), 2u);
  EXPECT_GT(expected[0].as_double(), 50);  // some flight was late
  EXPECT_EQ(expected[1].as_list().size(), 3u);
  for (const SchedulerInfo* s : SchedulerRegistry::global().list()) {
    EXPECT_EQ(run("flights", p, s->name), expected) << s->name;
  }
  SchedulerRegistry::global().shutdown();
}

TEST(Scenarios, FlightsFilesGrowWithTheUnit) {
  // rows=auto sizes each file for one unit of parsing at the rate kept in the data directory
  // (here 1,000 rows per ms), on a series of round numbers.
  const std::string dir = data_dir() + "/rate";
  std::filesystem::create_directories(dir);
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  std::ofstream(dir + "/flights-parse-rate-" + host + ".txt") << "1000.0\n";
  EXPECT_EQ(flights_rows_for_unit(dir, 100), 100'000);
  EXPECT_EQ(flights_rows_for_unit(dir, 130), 120'000);
  EXPECT_EQ(flights_rows_for_unit(dir, 0.5), 1'000);       // at least 1,000
  EXPECT_EQ(flights_rows_for_unit(dir, 1e9), 10'000'000);  // at most 10,000,000
  // Without a kept rate, it is measured once and kept.
  const int measured = flights_rows_for_unit(data_dir(), 10);
  EXPECT_GE(measured, 1000);
  EXPECT_TRUE(std::filesystem::exists(data_dir() + "/flights-parse-rate-" + host + ".txt"));
  EXPECT_EQ(flights_rows_for_unit(data_dir(), 10), measured);
}

TEST(Scenarios, AMalformedFlightsFileNamesTheFileAndTheLine) {
  register_flights_ops();
  std::filesystem::create_directories(data_dir());
  const std::string path = data_dir() + "/bad.csv";
  std::ofstream(path) << "Date,DayOfWeek,CRSDepTime,UniqueCarrier,FlightNum,DepDelay,ArrDelay,"
                         "Origin,Dest,Distance,Cancelled\n"
                         "1990-01-02,3,0905,AA,12,5,7,JFK,D3,200,0\n"
                         "1990-01-02,3,0905\n";
  Graph g;
  auto table = call(g, "flights.read", path);
  try {
    compute(table, {.scheduler = "sync"});
    FAIL() << "a short line was accepted";
  } catch (const TaskError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("bad.csv:3: 3 fields, expected 11"));
  }
}

TEST(Scenarios, AFlightsFileThatCannotBeReadIsNamedWithTheReason) {
  register_flights_ops();
  std::filesystem::create_directories(data_dir());
  const std::string empty = data_dir() + "/empty.csv";
  std::ofstream{empty};
  const std::pair<std::string, std::string> cases[] = {
      {data_dir() + "/missing.csv", "missing.csv: No such file or directory"},
      {data_dir(), "not a regular file"},
      {empty, "empty.csv:1: the header is not Date,"},
  };
  for (const auto& [path, message] : cases) {
    Graph g;
    auto table = call(g, "flights.read", path);
    try {
      compute(table, {.scheduler = "sync"});
      ADD_FAILURE() << path << " was read";
    } catch (const TaskError& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr(message));
    }
  }
}

// Another program truncating a file during the parse (it was mapped: a SIGBUS killed the
// process in 2 of 3 runs of this test) ends that read with an error naming the file, or with
// what the file then held. What it catches is the crash: which parses overlap a truncation
// is up to the machine.
TEST(Scenarios, AFlightsFileTruncatedWhileReadIsAnErrorNotACrash) {
  register_flights_ops();
  const std::string source = ensure_flights_data(data_dir(), 1, 50'000).front();
  const std::string path = data_dir() + "/shrinking.csv";
  std::filesystem::copy_file(source, path, std::filesystem::copy_options::overwrite_existing);
  std::ifstream in(source, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::atomic<bool> done{false};
  std::thread writer([&] {
    const int fd = ::open(path.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    while (!done) {
      ASSERT_EQ(::ftruncate(fd, 100), 0);
      ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
      std::this_thread::sleep_for(std::chrono::microseconds(500));  // not a core of its own
    }
    ::close(fd);
  });
  int read = 0, failed = 0;
  for (int i = 0; i < 40; ++i) {
    Graph g;
    auto table = call(g, "flights.read", path);
    try {
      compute(table, {.scheduler = "sync"});
      ++read;
    } catch (const TaskError& e) {
      // "cannot read ...: it shrank from", or a parse error at the line where a rewrite was.
      EXPECT_THAT(e.what(), ::testing::HasSubstr("shrinking.csv"));
      ++failed;
    }
  }
  done = true;
  writer.join();
  EXPECT_EQ(read + failed, 40);
}

TEST(Scenarios, BadParametersAreUsageErrors) {
  EXPECT_THROW(run("inc-dbl", {{"reduce", "sideways"}}), UsageError);
  EXPECT_THROW(run("inc-dec-add", {{"n", "0"}}), UsageError);
  EXPECT_THROW(run("inc-dec-add", {{"m", "3"}}), UsageError);
  EXPECT_THROW(find_scenario("nope"), UsageError);
  EXPECT_THROW(parse_params({"novalue"}), UsageError);
}

TEST(Scenarios, EveryScenarioHasALessonAndBuilds) {
  for (const Scenario& s : scenarios()) {
    EXPECT_THAT(s.seed, ::testing::StartsWith(s.lesson_suite ? "seed 00" : "")) << s.name;
    EXPECT_THAT(s.lesson, ::testing::EndsWith(".")) << s.name;
    BuiltScenario b = build_scenario(s, {}, {.unit_ms = 0, .data_dir = data_dir()});
    EXPECT_FALSE(b.targets.empty()) << s.name;
  }
}

// What a lesson tells the class must be what the predictor (and so the report) says: each row
// is a sentence of a lesson and the units it promises for one scheduler.
TEST(Scenarios, LessonsPromiseWhatThePredictorPredicts) {
  struct Claim {
    const char* scenario;
    Params params;
    const char* sentence;
    const char* scheduler;
    unsigned workers;
    double units;
  };
  const Claim claims[] = {
      {"slow-arithmetic", {}, "3 units instead of 4", "threads", 2, 3},
      {"slow-arithmetic", {}, "3 units instead of 4", "sync", 1, 4},
      {"sleeplock", {{"lock", "process"}}, "(4 units, as slow as sync)", "threads", 2, 4},
      {"sleeplock", {{"lock", "process"}}, "run side by side (3 units)", "processes", 2, 3},
      {"sleeplock", {{"lock", "global"}}, "With lock=global everybody", "processes", 2, 4},
      {"map-reduce",
       {{"n", "8"}, {"reduce", "chain"}},
       "the chain reduction is n - 1 units",
       "threads",
       8,
       1 + 7},  // the map (1 unit on 8 workers), then 7 adds in a row
      {"map-reduce",
       {{"n", "8"}, {"reduce", "tree"}},
       "the tree only log2(n)",
       "threads",
       8,
       1 + 3},
  };
  const double unit = 10;
  for (const Claim& c : claims) {
    const Scenario& s = find_scenario(c.scenario);
    EXPECT_THAT(s.lesson, ::testing::HasSubstr(c.sentence)) << c.scenario;
    BuiltScenario b = build_scenario(s, c.params, {.unit_ms = unit, .data_dir = data_dir()});
    Prediction p = predict(b.graph, b.targets, {},
                           SchedulerRegistry::global().info(c.scheduler).machine(c.workers, false));
    EXPECT_NEAR(p.predicted_ms, c.units * unit, 1e-6)
        << c.scenario << " " << c.scheduler << "/" << c.workers << ": " << c.sentence;
  }
}

TEST(Gil, ThreadsOfOneProcessComputeOneAtATime) {
  static std::atomic<int> inside{0}, most{0};
  static const Op& op =
      register_op("test.gil_probe", "busy, counting who computes at once", [](int64_t ms) {
        int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < until) {
          --inside;  // a checkpoint may hand the GIL over: we are not computing while it is away
          gil_checkpoint();
          ++inside;
          int n = inside.load();
          int s2 = most.load();
          while (n > s2 && !most.compare_exchange_weak(s2, n)) {
          }
        }
        --inside;
        return ms;
      });
  Graph g;
  std::vector<ArgSpec> parts;
  for (int i = 0; i < 4; ++i)
    parts.push_back(ArgSpec(Ref{g.add_task("", op, std::vector<ArgSpec>{Value(12)})}));
  NodeId all = g.add_task("all", "identity", std::vector<ArgSpec>{ArgSpec(parts)});
  std::vector<NodeId> targets{all};
  most = 0;
  compute(g, targets, {.scheduler = "threads", .workers = 4, .gil = true});
  EXPECT_EQ(most.load(), 1);
}

// A traced run keeps each wait for the GIL where it happened, inside its task, adding up to at
// most the task's total wait (waits under kLoggedGilWait are counted but not drawn).
TEST(Gil, ATracedRunKeepsEachWaitWhereItHappened) {
  Graph g;
  std::vector<ArgSpec> parts;
  for (int i = 0; i < 4; ++i)  // more than the workers: they overlap however slow the machine
    parts.push_back(ArgSpec(Ref{g.add_task("", "busy", std::vector<ArgSpec>{Value(20)})}));
  NodeId all = g.add_task("all", "identity", std::vector<ArgSpec>{ArgSpec(parts)});
  std::vector<NodeId> targets{all};
  const ComputeResult r =
      compute(g, targets, {.scheduler = "threads", .workers = 2, .trace = true, .gil = true});
  ASSERT_FALSE(r.spans.empty());
  double waited_ms = 0;
  for (const TaskEvent& e : r.trace) waited_ms += e.gil_wait_ms;
  const double in_spans_ms = testing::gil_waits_within_their_tasks_ms(r);
  // 20 ms ops take turns every 5 ms: the waiting adds up to at least one switch interval.
  EXPECT_GE(waited_ms, 5.0);
  EXPECT_LE(in_spans_ms, waited_ms + 1e-6);
  EXPECT_GE(in_spans_ms, waited_ms / 2);
}

}  // namespace
}  // namespace schedlab::kernels
