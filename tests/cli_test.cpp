// The `schedlab` tool end to end: output, exit codes and messages, run as a user would.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "tests/test_support.hpp"

namespace {

using schedlab::testing::slurp;

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

struct Outcome {
  int code;
  std::string out, err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("schedlab_cli_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs schedlab with `args` (shell words), feeding `input` on standard input, with `env`
  // (shell assignments such as "SCHEDLAB_SCHEDULER=sync") in its environment.
  Outcome run(const std::string& args, const std::string& input = "", const std::string& env = "") {
    std::ofstream(dir_ / "in") << input;
    std::string cmd = env + " " + std::string(SCHEDLAB_BIN) + " " + args + " <" +
                      (dir_ / "in").string() + " >" + (dir_ / "out").string() + " 2>" +
                      (dir_ / "err").string();
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "out"), slurp(dir_ / "err")};
  }
  std::string example(const std::string& name) {
    return std::string(SCHEDLAB_EXAMPLES) + "/" + name;
  }
  fs::path dir_;
};

// Compares with tests/golden/NAME (SCHEDLAB_UPDATE_GOLDEN=1 rewrites it).
void check_golden(const std::string& name, const std::string& actual) {
  const fs::path path = fs::path(SCHEDLAB_GOLDEN) / name;
  if (std::getenv("SCHEDLAB_UPDATE_GOLDEN")) std::ofstream(path, std::ios::binary) << actual;
  EXPECT_EQ(actual, slurp(path)) << "differs from " << path;
}

TEST_F(Cli, LessonListsTheLessonsByNotebook) {
  Outcome r = run("lesson");
  ASSERT_EQ(r.code, 0) << r.err;
  check_golden("lesson_list.txt", r.out);
}

// Seed 000's first question: Python's sum over delayed values, a chain of adds. The lesson says
// which variant it is, prints what the graph computes, and puts its picture under the system's
// temporary folder (TMPDIR), never into the folder the class is in.
TEST_F(Cli, LessonTakesParametersAndPrintsTheResult) {
  fs::create_directories(dir_ / "tmp");
  Outcome r = run("lesson inc-dbl -p reduce=chain --no-input --unit 5ms", "",
                  "cd " + dir_.string() + " && TMPDIR=" + (dir_ / "tmp").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("inc-dbl reduce=chain (seed 000"));
  EXPECT_THAT(r.out, HasSubstr("add-10 = add(add-9, inc-3)"));  // the chain
  EXPECT_THAT(r.out, HasSubstr("threads with 2 workers: done"));
  EXPECT_THAT(r.out, HasSubstr("Result: add-10 = 38"));  // (2*2+1) + (2*5+1) + (2*7+1) + (2*3+1)
  EXPECT_TRUE(fs::exists(dir_ / "tmp/schedlab-lessons/inc-dbl_reduce_chain.svg") ||
              r.out.find("`dot` is missing") != std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "reports"));
  // --out names the folder.
  Outcome out = run("lesson inc-dbl --no-input --unit 1ms -o " + (dir_ / "pics").string());
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_TRUE(fs::exists(dir_ / "pics/inc-dbl.svg") ||
              out.out.find("`dot` is missing") != std::string::npos);
  Outcome bad = run("lesson inc-dbl -p reduce=spiral --no-input --unit 5ms");
  EXPECT_EQ(bad.code, 2);
}

TEST_F(Cli, LessonWithoutInputPredictsRunsAndExplainsWrongGuesses) {
  const std::string svg = (dir_ / "graph.svg").string();
  Outcome r = run("lesson slow-arithmetic --no-input --unit 20ms --svg " + svg +
                  " --guess threads=1 --guess multiprocessing=3 --guess sync=3");
  ASSERT_EQ(r.code, 0) << r.err;
  // Everything before the run is fixed text: the title, the graph, the question.
  std::string before = r.out.substr(0, r.out.find("Running..."));
  before.replace(before.find(svg), svg.size(), "GRAPH.svg");
  check_golden("lesson_slow_arithmetic.txt", before);
  EXPECT_TRUE(fs::exists(svg) || r.out.find("`dot` is missing") != std::string::npos);
  // Then guess, prediction and measurement side by side. Predictions add the calibrated
  // compute time (microseconds, more on a loaded machine); measurements vary with the machine.
  EXPECT_THAT(r.out,
              ::testing::ContainsRegex("sync +1 +3.00s +4\\.[0-4][0-9]s +[0-9]+\\.[0-9][0-9]s"));
  EXPECT_THAT(r.out,
              ::testing::ContainsRegex("threads +2 +1.00s +3\\.[0-4][0-9]s +[0-9]+\\.[0-9][0-9]s"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex(
                         "processes +2 +3.00s +3\\.[0-4][0-9]s +[0-9]+\\.[0-9][0-9]s"));
  // The threads guess was a unit short: the chain that no worker count shortens.
  EXPECT_THAT(r.out, HasSubstr("Your guess for threads with 2 workers was 1.00s; it took 3."));
  EXPECT_THAT(r.out,
              ::testing::ContainsRegex("What you missed:\n  the longest chain, [xy] -> z -> "
                                       "result, takes 3\\.[0-4][0-9]s: no number of workers"));
  // On sync, 3 is the critical path: what it missed is the one worker doing all the work.
  EXPECT_THAT(r.out, HasSubstr("Your guess for sync with 1 worker was 3.00s; it took 4."));
  EXPECT_THAT(r.out,
              ::testing::ContainsRegex(
                  "one worker runs every task, one after the other: 4\\.[0-4][0-9]s of work"));
  // The lesson's paragraph, which says what happens, comes after the run, with its takeaway.
  EXPECT_GT(r.out.find("3 units instead"), r.out.find("Running..."));
  EXPECT_THAT(r.out, HasSubstr("To remember: "));
  // The reasoning is in the same seconds as the table.
  EXPECT_THAT(r.out,
              ::testing::ContainsRegex("critical path 3\\.[0-4][0-9]s: [xy] -> z -> result"));
  // Bad input is an error naming the flag.
  Outcome bad = run("lesson slow-arithmetic --no-input --guess gpu=3");
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--guess gpu=3: write SCHEDULER=SECONDS"));
  Outcome not_lesson = run("lesson random-dag --no-input");
  EXPECT_EQ(not_lesson.code, 2);
  EXPECT_THAT(not_lesson.err, HasSubstr("'random-dag' is not a lesson; lessons: slow-arithmetic"));
  EXPECT_THAT(run("lesson sleeplok --no-input").err, HasSubstr("did you mean 'sleeplock'?"));
  Outcome negative = run("lesson slow-arithmetic --no-input --guess threads=-1");
  EXPECT_EQ(negative.code, 2);
  EXPECT_THAT(negative.err, HasSubstr("--guess threads=-1: write a number of seconds"));
}

// The percentage that `pattern` (one group of digits) finds in `text`, or -1.
int percent_in(const std::string& text, const char* pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? std::stoi(m[1]) : -1;
}

// --profile, as %prun: under the GIL two threads running fib spend about half their time
// waiting for it; sync spends about none (generous bounds: the point is where the time goes).
TEST_F(Cli, ProfileShowsWhereTheTimeWent) {
  Outcome threads = run("compute fib -p k=4 --unit 10ms --gil -s threads -w 2 --profile");
  ASSERT_EQ(threads.code, 0) << threads.err;
  EXPECT_THAT(threads.out, HasSubstr("\"fibs\":[6765,6765,6765,6765]"));  // stdout stays JSON
  EXPECT_THAT(threads.err, HasSubstr("Time per op (threads, 2 workers):"));
  EXPECT_THAT(threads.err, ContainsRegex("\\s4\\s+[0-9.]+.* fib_for"));
  const int threads_gil = percent_in(threads.err, "and ([0-9]+)% to waiting for the GIL");
  ASSERT_GE(threads_gil, 0) << threads.err;
  EXPECT_GE(threads_gil, 20) << threads.err;
  Outcome sync = run("compute fib -p k=4 --unit 10ms --gil -s sync --profile");
  ASSERT_EQ(sync.code, 0) << sync.err;
  // Not exactly 0: taking a free lock can still be preempted on a busy machine.
  const int sync_gil = percent_in(sync.err, "and ([0-9]+)% to waiting for the GIL");
  ASSERT_GE(sync_gil, 0) << sync.err;
  EXPECT_LE(sync_gil, 2) << sync.err;
  // In the lesson: one table per case, after the outcome.
  Outcome lesson = run("lesson fib --no-input --unit 5ms --profile");
  ASSERT_EQ(lesson.code, 0) << lesson.err;
  EXPECT_THAT(lesson.out, HasSubstr("Time per op on sync with 1 worker:"));
  EXPECT_THAT(lesson.out, HasSubstr("fib_for"));
  // In a suite: each cell's profile run, after the summary; sleeplock's second task waits for
  // the process lock on threads, not on sync.
  Outcome suite = run("run -S sleeplock -s sync -s threads -w 2 -r 1 -u 20ms -q --profile -o " +
                      (dir_ / "profiled").string());
  ASSERT_EQ(suite.code, 0) << suite.err;
  const size_t on_threads = suite.out.find("Time per op of sleeplock threads w=2 (profile run):");
  ASSERT_NE(on_threads, std::string::npos) << suite.out;
  const int sync_lock =
      percent_in(suite.out.substr(0, on_threads), "([0-9]+)% went to waiting for a lock");
  ASSERT_GE(sync_lock, 0) << suite.out;
  EXPECT_LE(sync_lock, 2) << suite.out;
  const int threads_lock =
      percent_in(suite.out.substr(on_threads), "([0-9]+)% went to waiting for a lock");
  ASSERT_GE(threads_lock, 0) << suite.out;
  EXPECT_GE(threads_lock, 5) << suite.out;
}

// Several -w: every parallel scheduler at each count (the baseline once), a guess per case
// given as SCHEDULER/WORKERS, and a plain SCHEDULER= that fits several cases is an error
// listing them.
TEST_F(Cli, LessonAtSeveralWorkerCounts) {
  const std::string svg = (dir_ / "several.svg").string();
  Outcome r =
      run("lesson -w 2 -w 4 inc-dbl --no-input --unit 10ms --guess threads/4=2 --svg " + svg);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::ContainsRegex("sync +1 +- +8\\.[0-4][0-9]s"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("threads +2 +- +4\\.[0-4][0-9]s"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("threads +4 +2.00s +2\\.[0-4][0-9]s"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("processes +4 +- +2\\.[0-4][0-9]s"));
  EXPECT_EQ(r.out.find("sync               1", r.out.find("sync               1") + 1),
            std::string::npos);  // the baseline once
  Outcome ambiguous = run("lesson inc-dbl --no-input --unit 10ms -w 2 -w 4 --guess threads=3");
  EXPECT_EQ(ambiguous.code, 2);
  EXPECT_THAT(ambiguous.err,
              HasSubstr("cases (sync, threads/2, threads/4, processes/2, processes/4)"));
}

TEST_F(Cli, RunChecksEveryFlagItIsGiven) {
  const std::pair<const char*, const char*> cases[] = {
      {"--repeat -1", "--repeat: '-1' is not a count: write a whole number in decimal digits"},
      {"--repeat 0", "--repeat must be 1 to 1000"},
      {"--warmup -2", "--warmup: '-2' is not a count"},
      {"--warmup 101", "--warmup must be 0 to 100"},
      {"--unit ''", "--unit '': write a duration from 0 to 60 s"},
      {"-p reduce=chain", "--param reduce=chain: none of the scenarios has a parameter 'reduce'"},
      {"--context k=1 --context k=2", "--context k=2: the key 'k' is given twice"},
      {"--timeout 0", "--timeout 0: a limit must be above 0"},
      {"--task-timeout 5x", "--task-timeout 5x: write a duration"},
      {"--timeout 30", "--timeout 30: say which unit, 30s or 30ms"},
  };
  for (const auto& [flags, message] : cases) {
    Outcome r = run(std::string("run -S fib -q -o ") + (dir_ / "reports").string() + " " + flags);
    EXPECT_EQ(r.code, 2) << flags;
    EXPECT_THAT(r.err, HasSubstr(message)) << flags;
    // The argument parser's errors too carry the prefix every error has.
    EXPECT_THAT(r.err, ::testing::StartsWith("schedlab: error: ")) << flags;
  }
  EXPECT_THAT(run("run --repeat -1").err, HasSubstr("\n(see schedlab run --help)\n"));
}

TEST_F(Cli, SchedulerFromTheEnvironmentAndTargetsFromTheCommandLine) {
  const std::string file = example("readme_example.json");
  Outcome r = run("compute " + file, "", "SCHEDLAB_SCHEDULER=synchronous");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["scheduler"], "sync");
  r = run("compute " + file + " -s threads", "", "SCHEDLAB_SCHEDULER=sync");  // the flag wins
  EXPECT_EQ(nlohmann::json::parse(r.out)["scheduler"], "threads");
  r = run("compute " + file, "", "SCHEDLAB_SCHEDULER=gpu");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("SCHEDLAB_SCHEDULER=gpu: unknown scheduler 'gpu'"));
  // As dask.get(dsk, "x") in seed 002: just the keys asked for, in the order asked.
  r = run("compute " + file + " --target x -t a");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith(R"({"results":{"x":4,"a":[0,1,2,3]},)"));
  r = run("compute " + file + " --target nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("target 'nope' is not a key of the graph"));
}

TEST_F(Cli, ComputePrintsExactlyTheContract) {
  for (const char* s : {"sync", "threads", "single-threaded", "threading"}) {
    Outcome r =
        run(std::string("compute ") + example("readme_example.json") + " --workers 2 -s " + s);
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["results"], nlohmann::json::parse(R"({"b": 6, "z": -8, "t": 12})"));
    EXPECT_EQ(j.size(), 4u);
    EXPECT_TRUE(j["wall_ms"].is_number());
    EXPECT_EQ(j["workers"], std::string(s).find("thread") == 0 ? 2 : 1);
  }
}

TEST_F(Cli, SchedulerNameIsCanonical) {
  Outcome r = run("compute --scheduler threading --workers 2 " + example("readme_example.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["scheduler"], "threads");
}

TEST_F(Cli, ReadsStandardInputAndWritesATrace) {
  std::string trace = (dir_ / "trace.json").string();
  Outcome r = run("compute - --scheduler threads --workers 2 --trace " + trace,
                  R"({"tasks": {"x": {"op": "add", "args": [1, 3], "sleep_ms": 1},
                            "y": {"op": "inc", "args": [{"ref": "x"}]}}})");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["results"]["y"], 5);
  auto t = nlohmann::json::parse(slurp(trace));
  ASSERT_EQ(t["traceEvents"].size(), 2u);
  EXPECT_EQ(t["traceEvents"][0]["name"], "x");
  EXPECT_EQ(t["traceEvents"][0]["cat"], "add");

  // "--trace -": the trace on standard output, the results on standard error.
  Outcome to_stdout = run("compute - --scheduler sync --trace -",
                          R"({"tasks": {"x": {"op": "add", "args": [1, 3]}}})");
  ASSERT_EQ(to_stdout.code, 0) << to_stdout.err;
  EXPECT_EQ(nlohmann::json::parse(to_stdout.out)["traceEvents"][0]["name"], "x");
  EXPECT_EQ(nlohmann::json::parse(to_stdout.err)["results"]["x"], 4);
  EXPECT_FALSE(fs::exists("-"));

  // Under the GIL, each wait for it is an event of its own, on its task's thread.
  Outcome gil =
      run("compute - --scheduler threads --workers 2 --gil --trace -",
          R"({"tasks": {"a": {"op": "busy", "args": [20]}, "b": {"op": "busy", "args": [20]},
                                  "c": {"op": "busy", "args": [20]}}})");
  ASSERT_EQ(gil.code, 0) << gil.err;
  size_t waits = 0;
  const auto gil_trace = nlohmann::json::parse(gil.out);
  for (const auto& e : gil_trace["traceEvents"]) {
    if (e["cat"] != "gil_wait") continue;
    ++waits;
    EXPECT_GE(e["tid"].get<int>(), 0) << e;
  }
  EXPECT_GT(waits, 0u);

  // A flag that would change nothing for a graph file is an error, not ignored.
  Outcome unit = run("compute " + example("slow_arithmetic.json") + " --unit 5ms");
  EXPECT_EQ(unit.code, 2);
  EXPECT_THAT(unit.err, HasSubstr("--unit applies to scenarios, not to graph files"));
}

// --live beside the usual output: the URL on standard error, the results as without it, a
// failure still a failure; a port that is taken is a usage error that names it.
TEST_F(Cli, LiveViewPrintsItsAddressAndChangesNothingElse) {
  Outcome r = run("compute " + example("readme_example.json") + " -s sync --live");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, ContainsRegex("^Live view: http://127\\.0\\.0\\.1:[0-9]+/\n$"));
  EXPECT_EQ(nlohmann::json::parse(r.out)["results"],
            nlohmann::json::parse(R"({"b": 6, "z": -8, "t": 12})"));

  Outcome failed =
      run("compute - --live", R"({"tasks": {"oops": {"op": "fail", "args": ["went wrong"]}}})");
  EXPECT_EQ(failed.code, 1);
  EXPECT_THAT(failed.err, HasSubstr("task 'oops' (op fail) failed: went wrong"));

  const int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&addr), size), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  ASSERT_EQ(getsockname(taken, reinterpret_cast<sockaddr*>(&addr), &size), 0);
  const int port = ntohs(addr.sin_port);
  Outcome busy = run("lesson inc-dbl --no-input --unit 1ms --live-port " + std::to_string(port));
  close(taken);
  EXPECT_EQ(busy.code, 2);
  EXPECT_THAT(busy.err, HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(busy.err, HasSubstr("--live-port"));
  EXPECT_EQ(busy.out, "");  // refused before the lesson began
  EXPECT_EQ(run("run -S fib -s sync --live-port 0").code, 2);
}

// `schedlab bench` on any registered scheduler, with Google Benchmark's flags passed through and
// its JSON read by `report gbench`.
TEST_F(Cli, BenchMeasuresRegisteredSchedulersBesideTheBaselines) {
  const std::string out = (dir_ / "bench.json").string();
  Outcome r = run("bench -s threading --tasks 2000 --shape chain --shape " +
                  example("readme_example.json") +
                  " --benchmark_min_time=0.001 --benchmark_out_format=json --benchmark_out=" + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("threads/chain"));  // the canonical name
  EXPECT_THAT(r.out, HasSubstr("threads_full/chain"));
  EXPECT_THAT(r.out, HasSubstr("threads_full/" + example("readme_example.json")));
  Outcome table = run("report gbench " + out);
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out,
              ContainsRegex("\\| threads/chain/process_time/real_time \\| threads \\| chain \\|"));
  EXPECT_EQ(run("bench -s nosuch").code, 2);
  Outcome flag = run("bench -s threads --benchmark_nonsense --oops");
  EXPECT_EQ(flag.code, 2);
  EXPECT_THAT(flag.err, HasSubstr("'--oops'"));
  Outcome shape = run("bench -s threads --shape spiral");
  EXPECT_EQ(shape.code, 2);
  EXPECT_THAT(shape.err, HasSubstr("--shape spiral"));
}

TEST_F(Cli, TaskFailureExitsOneNamingKeyAndOp) {
  Outcome r = run("compute -", R"({"tasks": {"oops": {"op": "fail", "args": ["went wrong"]}}})");
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("task 'oops' (op fail) failed: went wrong"));
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, WorkerDeathExitsThree) {
  Outcome r = run("compute - --scheduler processes --workers 1",
                  R"({"tasks": {"boom": {"op": "crash", "args": []}}})");
  EXPECT_EQ(r.code, 3);
  EXPECT_THAT(r.err, HasSubstr("was killed by signal 6"));
  EXPECT_THAT(r.err, HasSubstr("task 'boom' (op crash)"));
}

TEST_F(Cli, InvalidInputExitsTwo) {
  Outcome bad_json = run("compute -", "{\"tasks\": {\n  \"a\": }");
  EXPECT_EQ(bad_json.code, 2);
  EXPECT_THAT(bad_json.err, HasSubstr("<stdin>:2:"));
  Outcome missing = run("compute /nonexistent.json");
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("cannot open graph file '/nonexistent.json'"));
  Outcome scheduler = run("compute " + example("readme_example.json") + " --scheduler gpu");
  EXPECT_EQ(scheduler.code, 2);
  EXPECT_THAT(scheduler.err, HasSubstr("unknown scheduler 'gpu'"));
  Outcome workers = run("compute " + example("readme_example.json") + " --workers 0");
  EXPECT_EQ(workers.code, 2);
  Outcome usage = run("frobnicate");
  EXPECT_EQ(usage.code, 2);
  EXPECT_THAT(
      usage.err,
      HasSubstr("unknown command 'frobnicate'; commands: bench, compute, conformance, graph"));
  Outcome none = run("");
  EXPECT_EQ(none.code, 2);
}

// A graph file someone sends cannot make schedlab open a path of its choosing, nor tell from an
// error whether the file exists: flights.read is refused before anything is opened.
TEST_F(Cli, GraphFilesCannotNameFilesToOpen) {
  for (const char* path : {"/etc/passwd", "/nonexistent/flights.csv"}) {
    Outcome read =
        run("compute -",
            std::string(R"({"tasks": {"t": {"op": "flights.read", "args": [")") + path + "\"]}}}");
    EXPECT_EQ(read.code, 2) << path;
    EXPECT_THAT(read.err, HasSubstr("<stdin>:1:")) << path;
    EXPECT_THAT(read.err, HasSubstr("op \"flights.read\" opens the file it is given, and a graph "
                                    "file may not name files to open"))
        << path;
    EXPECT_THAT(read.err, Not(HasSubstr(path))) << path;
  }
}

// Graph files are refused above 1 GiB unless --max-graph-size says otherwise (make_graph_file's
// 10M-task DAG is 1.09 GB); the message says how.
TEST_F(Cli, MaxGraphSizeIsTheLimitOfTheGraphFilesRead) {
  const std::string graph = R"({"tasks": {"a": {"op": "inc", "args": [1]}}})";  // 43 bytes
  std::ofstream(dir_ / "g.json") << graph;
  const std::string file = (dir_ / "g.json").string();
  for (const std::string& cmd : std::vector<std::string>{
           "compute " + file, "compute -", "predict " + file, "graph " + file,
           "run -q -r 1 -o " + (dir_ / "r").string() + " -s sync -S " + file}) {
    Outcome small = run(cmd + " --max-graph-size 40", graph);
    EXPECT_EQ(small.code, 2) << cmd;
    EXPECT_THAT(small.err, HasSubstr("more than the 40"));
    EXPECT_THAT(small.err, HasSubstr("(--max-graph-size raises the limit)")) << cmd;
    EXPECT_EQ(run(cmd + " --max-graph-size 1KB", graph).code, 0) << cmd;
  }
  Outcome bad = run("compute " + file + " --max-graph-size lots");
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--max-graph-size 'lots': not a size"));
}

// --threads-per-worker shapes a cluster's worker processes; elsewhere it is an error, not a flag
// silently ignored.
TEST_F(Cli, ThreadsPerWorkerOnlyWhereThereAreWorkerProcessesOfThreads) {
  for (const char* cmd : {"compute slow-arithmetic -u 1ms -s threads --threads-per-worker 2",
                          "predict slow-arithmetic -u 1ms -s processes --threads-per-worker 2",
                          "run -S slow-arithmetic -u 1ms -r 1 -q -s sync -s threads "
                          "--threads-per-worker 2"}) {
    Outcome r = run(cmd);
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_THAT(r.err, HasSubstr("--threads-per-worker")) << cmd;
    EXPECT_THAT(r.err, HasSubstr("it applies to the distributed scheduler")) << cmd;
  }
  EXPECT_EQ(run("compute slow-arithmetic -u 1ms -s threads --threads-per-worker 1").code, 0);
}

TEST_F(Cli, TyposGetADidYouMean) {
  Outcome command = run("comput slow-arithmetic");
  EXPECT_EQ(command.code, 2);
  EXPECT_THAT(command.err, HasSubstr("unknown command 'comput' (did you mean 'compute'?)"));
  Outcome scheduler = run("compute slow-arithmetic --unit 1ms -s thraeds");
  EXPECT_EQ(scheduler.code, 2);
  EXPECT_THAT(scheduler.err, HasSubstr("unknown scheduler 'thraeds' (did you mean 'threads'?)"));
  Outcome scenario = run("predict slow-arithmetc");
  EXPECT_EQ(scenario.code, 2);
  EXPECT_THAT(scenario.err, HasSubstr("(did you mean 'slow-arithmetic'?)"));
}

TEST_F(Cli, CountsAreDecimalDigits) {
  for (const char* workers : {"0x10", "' 2'", "2.5", "-1", "1e1"}) {
    Outcome r =
        run(std::string("compute slow-arithmetic --unit 1ms -s threads --workers ") + workers);
    EXPECT_EQ(r.code, 2) << workers;
    EXPECT_THAT(r.err, HasSubstr("is not a count: write a whole number in decimal digits"))
        << workers;
  }
  Outcome repeat =
      run("run -S slow-arithmetic -s sync --unit 1ms --repeat 0x3 -q -o " + (dir_ / "r").string());
  EXPECT_EQ(repeat.code, 2);
  EXPECT_EQ(run("compute slow-arithmetic --unit 1ms -s threads --workers 2").code, 0);
}

TEST_F(Cli, GraphPrintsDotAndJson) {
  Outcome dot = run("graph " + example("readme_example.json") + " --rankdir LR");
  ASSERT_EQ(dot.code, 0) << dot.err;
  EXPECT_THAT(dot.out, HasSubstr("rankdir=LR"));
  EXPECT_THAT(dot.out, HasSubstr("[shape=box, label=\"z\\nmul(x, y) (100 ms)\""));
  // Literals given inline appear in the call, as the lesson's code writes them.
  EXPECT_THAT(dot.out, HasSubstr("[shape=box, label=\"t\\nsum([x, y, 10])\""));
  EXPECT_THAT(dot.out, HasSubstr("[shape=ellipse, label=\"a\\n[0, 1, 2, 3]\"]"));
  Outcome json = run("graph --format json " + example("readme_example.json"));
  ASSERT_EQ(json.code, 0) << json.err;
  // What `graph --format json` writes, `compute` reads back.
  Outcome again = run("compute - --scheduler sync", json.out);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["results"]["t"], 12);
}

TEST_F(Cli, ListHelpAndVersion) {
  Outcome list = run("list");
  ASSERT_EQ(list.code, 0);
  EXPECT_THAT(list.out, HasSubstr("single-threaded"));
  EXPECT_THAT(list.out, HasSubstr("fib"));
  // The descriptions of ops start in one column, however long a name (flights.mean_by_origin).
  const std::string ops = list.out.substr(list.out.find("Ops:\n") + 5);
  std::set<size_t> columns;
  std::istringstream lines(ops);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    columns.insert(line.find_first_not_of(' ', line.find(' ', 2)));
  }
  EXPECT_EQ(columns.size(), 1u) << ops;
  // Each help names its command's usage and the options a first-time user needs.
  const std::pair<const char*, std::vector<const char*>> helps[] = {
      {"--help", {"Usage: schedlab [OPTIONS] SUBCOMMAND", "compute", "run", "predict", "report"}},
      {"compute --help", {"Usage: schedlab compute", "--scheduler", "--workers", "--trace"}},
      {"graph --help", {"Usage: schedlab graph", "--format"}},
      {"list --help", {"Usage: schedlab list"}},
      {"run --help", {"Usage: schedlab run", "--scenario", "--scheduler", "--repeat", "--unit"}},
      {"predict --help", {"Usage: schedlab predict", "--scheduler", "--workers", "--unit"}},
      {"report --help", {"Usage: schedlab report", "compare", "gbench"}},
      {"report compare --help", {"Usage: schedlab report compare [OPTIONS] [OLD] [NEW]", "--old"}},
  };
  for (const auto& [cmd, expected] : helps) {
    Outcome help = run(cmd);
    EXPECT_EQ(help.code, 0) << cmd;
    for (const char* text : expected) EXPECT_THAT(help.out, HasSubstr(text)) << cmd;
  }
  Outcome version = run("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_THAT(version.out, HasSubstr("schedlab 0."));
}

TEST_F(Cli, PredictExplainsItself) {
  Outcome r = run("predict slow-arithmetic --scheduler threads --workers 2");
  ASSERT_EQ(r.code, 0) << r.err;
  // x and y take the same time but for microseconds of computing: either can be on the path.
  // (Computing adds a few hundredths of a millisecond, tenths under sanitizers.)
  EXPECT_THAT(r.out, ContainsRegex("critical path 300\\.[0-9] ms: [xy] -> z -> result"));
  EXPECT_THAT(r.out, ContainsRegex("predicted: 300\\.[0-9] ms"));
  Outcome lock = run("predict sleeplock -s threads -w 2 --unit 50ms");
  EXPECT_THAT(lock.out, HasSubstr("take turns"));
  EXPECT_THAT(lock.out, ContainsRegex("predicted: 200\\.[0-9] ms"));  // 4 units, not 3
  Outcome bad = run("predict sleeplock -p lock=maybe");
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("lock=maybe must be one of process|global|none"));
  Outcome missing = run("predict no-such-thing");
  EXPECT_EQ(missing.code, 2);
  EXPECT_THAT(missing.err, HasSubstr("neither a graph file nor a scenario"));
}

TEST_F(Cli, ScenariosAreGraphsToo) {
  Outcome g = run("graph inc-dbl --param reduce=chain --format json --unit 1ms");
  ASSERT_EQ(g.code, 0) << g.err;
  Outcome c = run("compute - --scheduler sync", g.out);
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(nlohmann::json::parse(c.out)["results"].begin().value(), 38);
  Outcome direct = run("compute fib -p k=2 -p n=10 --scheduler threads --workers 2 --gil");
  ASSERT_EQ(direct.code, 0) << direct.err;
  EXPECT_EQ(nlohmann::json::parse(direct.out)["results"]["fibs"],
            nlohmann::json::parse("[55, 55]"));
}

TEST_F(Cli, RunWritesEveryReport) {
  std::string out = (dir_ / "reports").string();
  Outcome r = run("run -S slow-arithmetic -S sleeplock -s sync -s threads -w 2 -u 2ms -r 2 -q -o " +
                  out + " --context course=demo");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("slow-arithmetic"));
  for (const char* f : {"report.md", "results.json", "results.csv", "summary.csv",
                        "timelines/slow-arithmetic_threads_2.svg"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  auto j = nlohmann::json::parse(slurp(fs::path(out) / "results.json"));
  EXPECT_EQ(j["schema_version"], 1);
  ASSERT_EQ(j["cells"].size(), 4u);
  EXPECT_EQ(j["context"]["user"]["course"], "demo");
  EXPECT_EQ(j["cells"][1]["repetitions"].size(), 2u);
  EXPECT_GT(j["cells"][1]["prediction"]["predicted_ms"].get<double>(), 0);
  EXPECT_THAT(slurp(fs::path(out) / "report.md"), HasSubstr("## sleeplock"));

  Outcome cmp = run("report compare " + out + "/results.json " + out + "/results.json");
  ASSERT_EQ(cmp.code, 0) << cmp.err;
  EXPECT_THAT(cmp.out, HasSubstr("within noise"));
  Outcome bad = run("report compare " + out + "/results.csv " + out + "/results.json");
  EXPECT_EQ(bad.code, 2);
  // "-" is standard input, for one of the two; a directory is named as one.
  const std::string results_text = slurp(fs::path(out) / "results.json");
  Outcome piped = run("report compare - " + out + "/results.json", results_text);
  EXPECT_EQ(piped.code, 0) << piped.err;
  EXPECT_EQ(piped.out, cmp.out);
  EXPECT_THAT(run("report compare - -", results_text).err, HasSubstr("for one file only"));
  EXPECT_THAT(run("report compare " + out + " " + out + "/results.json").err,
              HasSubstr("is a directory"));
  Outcome page_out = run("report html -", results_text);
  EXPECT_EQ(page_out.code, 0) << page_out.err;
  EXPECT_EQ(page_out.out.substr(0, 15), "<!DOCTYPE html>");

  // For CI: a slower cell fails the comparison when asked to; other units are refused.
  auto slower = nlohmann::json::parse(slurp(fs::path(out) / "results.json"));
  for (auto& cell : slower["cells"]) {
    // Far beyond any noise, even the spread of two repetitions under a sanitizer.
    cell["wall_ms"]["median"] = cell["wall_ms"]["median"].get<double>() * 100;
    for (auto& rep : cell["repetitions"]) rep["wall_ms"] = rep["wall_ms"].get<double>() * 100;
  }
  std::ofstream(dir_ / "slower.json") << slower.dump();
  const std::string cmp_cmd =
      "report compare " + out + "/results.json " + (dir_ / "slower.json").string();
  EXPECT_EQ(run(cmp_cmd).code, 0);
  Outcome gate = run(cmp_cmd + " --fail-on-regression --json " + (dir_ / "cmp.json").string());
  EXPECT_EQ(gate.code, 1);
  EXPECT_THAT(gate.err, HasSubstr("4 cells slower beyond the noise"));
  const auto cmp_json = nlohmann::json::parse(slurp(dir_ / "cmp.json"));
  EXPECT_EQ(cmp_json["gate"]["passed"], false);
  EXPECT_EQ(cmp_json["cells"].size(), 4u);
  EXPECT_THAT(run(cmp_cmd + " --threshold lots").err,
              HasSubstr("--threshold lots: give a percentage from 0 to 1000"));
  EXPECT_EQ(run(cmp_cmd + " --alpha 2").code, 2);
  // A cell that failed in NEW, or is missing from it, fails the gate however fast the rest is.
  auto broken = nlohmann::json::parse(results_text);
  broken["cells"][0]["error"] = "task 'x' (op add) failed";
  broken["cells"].erase(broken["cells"].begin() + 1);
  std::ofstream(dir_ / "broken.json") << broken.dump();
  Outcome broken_gate = run("report compare " + out + "/results.json " +
                            (dir_ / "broken.json").string() + " --fail-on-regression");
  EXPECT_EQ(broken_gate.code, 1);
  EXPECT_THAT(broken_gate.err, HasSubstr("1 cell failed in the new run"));
  EXPECT_THAT(broken_gate.err, HasSubstr("1 cell missing from the new run"));
  // Another machine's run is named and fails the gate unless allowed.
  auto elsewhere = nlohmann::json::parse(results_text);
  elsewhere["context"]["hostname"] = "ci-runner-7";
  std::ofstream(dir_ / "elsewhere.json") << elsewhere.dump();
  const std::string moved = "report compare " + out + "/results.json " +
                            (dir_ / "elsewhere.json").string() + " --fail-on-regression";
  Outcome moved_gate = run(moved);
  EXPECT_EQ(moved_gate.code, 1);
  EXPECT_THAT(moved_gate.err, HasSubstr("-> ci-runner-7"));
  EXPECT_EQ(run(moved + " --allow-context-change").code, 0)
      << run(moved + " --allow-context-change").err;
  slower["context"]["unit_ms"] = 20;
  std::ofstream(dir_ / "other_unit.json") << slower.dump();
  const std::string unit_cmd =
      "report compare " + out + "/results.json " + (dir_ / "other_unit.json").string();
  Outcome refused = run(unit_cmd);
  EXPECT_EQ(refused.code, 2);
  EXPECT_THAT(refused.err, HasSubstr("different units (old 2 ms, new 20 ms)"));
  EXPECT_EQ(run(unit_cmd + " --force").code, 0);

  EXPECT_TRUE(fs::exists(fs::path(out) / "report.html"));
  Outcome page = run("report html " + out + "/results.json -o " + (dir_ / "again.html").string());
  ASSERT_EQ(page.code, 0) << page.err;
  EXPECT_EQ(slurp(dir_ / "again.html").substr(0, 15), "<!DOCTYPE html>");
}

// A graph too big to draw task by task is kept as each worker's busy time per op: the files
// stay small (they were 1.5 KB per task, 0.4 GB for a million) and the totals stay exact.
TEST_F(Cli, RunOfABigGraphWritesBoundedOutput) {
  constexpr int kTasks = 200000;
  {
    std::ofstream f(dir_ / "chain.json");
    f << R"({"version": 1, "tasks": {"t0": {"value": 0})";
    for (int i = 1; i < kTasks; ++i) {
      f << ",\n\"t" << i << R"(": {"op": "inc", "args": [{"ref": "t)" << i - 1 << "\"}]}";
    }
    f << "}}";
  }
  const fs::path out = dir_ / "reports";
  Outcome r = run("run -S " + (dir_ / "chain.json").string() +
                  " -s threads -w 2 -r 2 -q --profile -o " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  // The time per op from the busy times kept instead of the tasks: every task counted, and the
  // waits of the whole run.
  EXPECT_THAT(r.out, ContainsRegex("\\s199999\\s+[0-9.]+.* inc")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("waits are kept for the whole run only: 0.0 ms")) << r.out;
  const fs::path timeline = fs::directory_iterator(out / "timelines")->path();  // the one cell's
  // Generous: 10-30 KB each today; a record per task made tens of MB.
  EXPECT_LT(fs::file_size(out / "results.json"), 2'000'000u);
  EXPECT_LT(fs::file_size(out / "report.html"), 2'000'000u);
  EXPECT_LT(fs::file_size(timeline), 500'000u);
  const auto j = nlohmann::json::parse(slurp(out / "results.json"));
  const auto& profile = j["cells"][0]["profile"];
  EXPECT_FALSE(profile.contains("trace"));
  EXPECT_EQ(profile["occupancy"]["tasks"], kTasks - 1);  // t0 is a literal, not a task
  double busy = 0;
  for (const auto& s : profile["occupancy"]["series"]) {
    for (double x : s["busy_ms"]) busy += x;
  }
  EXPECT_GT(busy, 0);
  EXPECT_LE(busy, 2 * profile["wall_ms"].get<double>() * 1.01);  // two workers at most
  EXPECT_EQ(j["cells"][0]["prediction"]["occupancy"]["tasks"], kTasks - 1);
  EXPECT_THAT(slurp(timeline), HasSubstr("Each run has more than 20000 tasks"));
  // The page renders again from results.json alone.
  Outcome page = run("report html " + (out / "results.json").string() + " -o -");
  EXPECT_EQ(page.code, 0) << page.err;
  EXPECT_EQ(page.out, slurp(out / "report.html"));
}

TEST_F(Cli, RunMeasuresSpeedupsAgainstTheChosenBaseline) {
  std::string out = (dir_ / "baseline").string();
  Outcome r =
      run("run -S slow-arithmetic -s sync -s threads -w 1 -w 2 -u 1ms -r 1 -q "
          "--baseline threading -o " +
          out);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(slurp(fs::path(out) / "results.json"));
  EXPECT_EQ(j["context"]["speedup_baseline"], "threads");  // the canonical name
  for (const auto& cell : j["cells"]) EXPECT_EQ(cell["speedup_against"], "threads/1");
  EXPECT_THAT(slurp(fs::path(out) / "report.md"), HasSubstr("relative to `threads`"));
  const std::string summary = slurp(fs::path(out) / "summary.csv");
  EXPECT_THAT(summary, HasSubstr(",speedup_vs_sync,speedup_against,"));
  EXPECT_THAT(summary, HasSubstr(",threads/1,"));
  Outcome absent =
      run("run -S slow-arithmetic -s sync -u 1ms -r 1 -q --baseline threads -o " + out + "2");
  EXPECT_EQ(absent.code, 2);
  EXPECT_THAT(absent.err, HasSubstr("--baseline threads: no cell runs it"));
  EXPECT_EQ(run("run -S slow-arithmetic -u 1ms -q --baseline gpu -o " + out + "3").code, 2);
}

TEST_F(Cli, RunRejectsBadSuites) {
  std::ofstream(dir_ / "suite.json") << R"({"cells": [{"scenario": "nope"}]})";
  Outcome r = run("run " + (dir_ / "suite.json").string() + " -q -o " + dir_.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown scenario 'nope'"));
  std::ofstream(dir_ / "typo.json") << R"({"cells": [], "repeats": 3})";
  Outcome typo = run("run " + (dir_ / "typo.json").string() + " -q");
  EXPECT_EQ(typo.code, 2);
  EXPECT_THAT(typo.err, HasSubstr("unknown field \"repeats\""));
}

TEST_F(Cli, ReportGbench) {
  std::ofstream(dir_ / "g.json") << R"({"benchmarks": [{"name": "threads/fanin/real_time",
      "run_type": "iteration", "real_time": 2.0, "cpu_time": 1.0, "time_unit": "ms", "per_task": 2e-8}]})";
  Outcome r =
      run("report gbench " + (dir_ / "g.json").string() + " --csv " + (dir_ / "g.csv").string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("| threads/fanin/real_time | threads | fanin |"));
  EXPECT_THAT(slurp(dir_ / "g.csv"), HasSubstr("threads/fanin/real_time,threads,fanin"));

  // A field of the wrong type is bad input (exit 2 naming the file), not an internal error.
  std::ofstream(dir_ / "bad.json") << R"({"benchmarks": [{"name": 3}]})";
  Outcome bad = run("report gbench " + (dir_ / "bad.json").string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.json: not Google Benchmark JSON"));
  // So is JSON without a benchmarks list.
  std::ofstream(dir_ / "other.json") << R"({"context": {}})";
  Outcome other = run("report gbench " + (dir_ / "other.json").string());
  EXPECT_EQ(other.code, 2);
  EXPECT_THAT(other.err, HasSubstr("other.json: not Google Benchmark JSON: no \"benchmarks\""));
}

}  // namespace
