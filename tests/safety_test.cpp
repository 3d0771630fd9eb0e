// Hostile input and hostile environments, end to end through the `schedlab` tool: output paths
// that are not regular files, lost output, terminal escapes, unbounded input, a small
// /dev/shm, thread limits and a damaged data cache. Each of these once gave a wrong answer,
// damaged the system or crashed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_support.hpp"

namespace {

using schedlab::testing::kSanitized;
using schedlab::testing::slurp;

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

struct Outcome {
  int code;
  std::string out, err;
};

class Safety : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("schedlab_safety_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs a shell command line in which $S is the schedlab binary and $D the test folder.
  Outcome sh(const std::string& script) {
    std::string cmd = "S='" + std::string(SCHEDLAB_BIN) + "' D='" + dir_.string() + "' sh -c '" +
                      script + "' >" + (dir_ / "out").string() + " 2>" + (dir_ / "err").string();
    int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "out"), slurp(dir_ / "err")};
  }
  fs::path file(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  // Whether this process may make a private mount namespace (root, outside a locked container).
  bool can_unshare() { return sh("unshare -m true").code == 0; }
  fs::path dir_;
};

std::string fmt_key(int i) {
  return "\"k" + std::to_string(i) + "\": {\"value\": " + std::to_string(i) + "},";
}

const char* kSmall = R"({"tasks": {"a": {"op": "inc", "args": [1]}}})";

TEST_F(Safety, TraceThroughASymlinkToStdoutWritesToStdout) {
  file("g.json", kSmall);
  Outcome r = sh("$S compute $D/g.json -s sync --trace /proc/self/fd/1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"traceEvents\""));
  EXPECT_THAT(r.out, HasSubstr("\"results\""));
}

TEST_F(Safety, TracePathIsCheckedBeforeTheRun) {
  file("g.json", R"({"tasks": {"a": {"op": "inc", "args": [1], "sleep_ms": 2000}}})");
  auto start = std::chrono::steady_clock::now();
  Outcome r = sh("$S compute $D/g.json -s sync --trace $D/missing/trace.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("missing/trace.json"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500))
      << "the 2 s task must not have run";
}

TEST_F(Safety, LostOutputIsAnError) {
  file("g.json", kSmall);
  for (const char* command : {"compute $D/g.json -s sync", "graph $D/g.json",
                              "graph $D/g.json --format json", "list", "predict $D/g.json"}) {
    Outcome full = sh(std::string("$S ") + command + " >/dev/full");
    EXPECT_NE(full.code, 0) << command;
    EXPECT_THAT(full.err, HasSubstr("cannot write to standard output: No space left on device"))
        << command;
    Outcome closed = sh(std::string("$S ") + command + " >&-");
    EXPECT_NE(closed.code, 0) << command;
    EXPECT_THAT(closed.err, HasSubstr("standard output is closed")) << command;
  }
}

TEST_F(Safety, MessagesEscapeTerminalControlsAndKeepWhatFollowsANul) {
  file("g.json", R"({"tasks": {"k\u001b]0;pwned\u0007\u0000x": {"op": "fail",
      "args": ["boom\u001b[2J\u0000after\u009b31m"]}}})");
  for (const char* s : {"sync", "processes"}) {
    Outcome r = sh(std::string("$S compute $D/g.json -s ") + s);
    EXPECT_EQ(r.code, 1) << s;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << s << ": " << r.err;
    EXPECT_EQ(r.err.find('\x07'), std::string::npos) << s;
    EXPECT_EQ(r.err.find("\xc2\x9b"), std::string::npos) << s;
    EXPECT_THAT(r.err, HasSubstr("task 'k\\x1b]0;pwned\\x07\\x00x' (op fail) failed: "
                                 "boom\\x1b[2J\\x00after\\u009b31m"))
        << s;
  }
}

TEST_F(Safety, BytesAfterANulAreNotIgnored) {
  file("g.json", std::string(kSmall) + std::string("\0{\"tasks\": 5}", 14));
  Outcome r = sh("$S compute $D/g.json -s sync");
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("g.json:1:45: invalid JSON: a NUL byte"));
}

TEST_F(Safety, InputIsBoundedWhileReading) {
  Outcome zero = sh("$S compute /dev/zero");
  EXPECT_EQ(zero.code, 2);
  EXPECT_THAT(zero.err, HasSubstr("/dev/zero:1:1: invalid JSON: a NUL byte"));
  Outcome piped = sh("$S compute - </dev/zero");
  EXPECT_EQ(piped.code, 2);
  // A sparse 2 GiB file is refused by its size, before a byte is read.
  ASSERT_EQ(truncate(file("huge.json", "").c_str(), off_t{2} << 30), 0);
  // (Under a 1 GB address-space limit where the build allows one: sanitizers reserve more.)
  Outcome huge =
      sh(std::string(kSanitized ? "" : "ulimit -v 1000000; ") + "$S compute $D/huge.json");
  EXPECT_EQ(huge.code, 2);
  EXPECT_THAT(huge.err, HasSubstr("2147483648 bytes is more than the 1073741824"));
  Outcome directory = sh("$S compute $D");
  EXPECT_EQ(directory.code, 2);
  EXPECT_THAT(directory.err, HasSubstr("it is a directory"));
  if (kSanitized) return;  // the endless pipe needs a memory limit, which sanitizers cannot take
  // An endless pipe stops at the limit. Under a 2.6 GB address-space limit (room for the
  // buffer's last doubling to 1 GiB), reading on past it fails with bad_alloc (exit 3).
  Outcome yes = sh("yes | (ulimit -v 2600000; $S compute -)");
  EXPECT_EQ(yes.code, 2) << yes.err;
  EXPECT_THAT(yes.err, HasSubstr("more than the 1073741824 bytes a graph file may have"));
}

TEST_F(Safety, EveryJsonInputIsBoundedInSizeAndNesting) {
  // Suite files, results.json and benchmark JSON are read with limits too: an endless pipe stops
  // at 64 MiB (a suite file) instead of growing to gigabytes.
  Outcome yes = sh("yes | $S run /dev/stdin");
  EXPECT_EQ(yes.code, 2) << yes.err;
  EXPECT_THAT(yes.err, HasSubstr("more than the 67108864 bytes a suite file may have"));
  // 150,000 levels of brackets (300 KB) once overflowed the stack: now refused by line and
  // column, in every field and every reader.
  const std::string deep = std::string(150'000, '[') + std::string(150'000, ']');
  file("deep-suite.json", R"({"cells": [{"scenario": )" + deep + "}]}");
  Outcome suite = sh("$S run $D/deep-suite.json");
  EXPECT_EQ(suite.code, 2);
  EXPECT_THAT(suite.err, HasSubstr("deep-suite.json:1:86: nested deeper than 64 levels"));
  file("deep-results.json", "{\"cells\": [{\"wall_ms\": \n  " + deep + "}]}");
  for (const char* command : {"report html $D/deep-results.json -o $D/out.html",
                              "report compare $D/deep-results.json $D/deep-results.json",
                              "report gbench $D/deep-results.json"}) {
    Outcome r = sh(std::string("$S ") + command);
    EXPECT_EQ(r.code, 2) << command;
    EXPECT_THAT(r.err, HasSubstr("deep-results.json:2:64: nested deeper than 64 levels"))
        << command;
  }
  // Brackets inside strings are text, not nesting.
  file("brackets.json", R"({"cells": [{"scenario": ")" + std::string(100, '[') + R"("}]})");
  Outcome text = sh("$S run $D/brackets.json");
  EXPECT_EQ(text.code, 2);
  EXPECT_THAT(text.err, HasSubstr("unknown scenario"));
}

// A quick run: a scenario of microseconds, one measured run.
constexpr const char* kQuickRun = "$S run -S inc-dbl -s sync --unit 0 --repeat 1 -q";

TEST_F(Safety, ARunHoldsItsReportsFolder) {
  // Two runs into one folder once both exited 0 and the second deleted the first one's reports.
  // util-linux's flock stands in for the first run: it holds the folder as a run does.
  fs::create_directories(dir_ / "o");
  Outcome second = sh(std::string("flock $D/o ") + kQuickRun + " --out $D/o");
  EXPECT_EQ(second.code, 2);
  EXPECT_THAT(second.err, HasSubstr("reports folder '" + (dir_ / "o").string() +
                                    "' is in use by another schedlab run (pid "));
  EXPECT_FALSE(fs::exists(dir_ / "o" / "results.json"));
  EXPECT_EQ(sh(std::string(kQuickRun) + " --out $D/o").code, 0);  // free again
  // A dangling link as the folder is refused before anything runs, not after measuring.
  fs::create_symlink(dir_ / "missing", dir_ / "dangling");
  Outcome dangling = sh(std::string(kQuickRun) + " --out $D/dangling");
  EXPECT_EQ(dangling.code, 2);
  EXPECT_THAT(dangling.err, HasSubstr("is a link to '" + (dir_ / "missing").string() +
                                      "', which does not exist"));
}

TEST_F(Safety, LinksPlantedInTheReportsFolderAreReplacedNotFollowed) {
  const fs::path secret = file("secret", "keep me");
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_directories(dir_ / "elsewhere");
  fs::create_directories(dir_ / "o");
  fs::create_symlink(secret, dir_ / "o" / "results.json");
  fs::create_directory_symlink(dir_ / "elsewhere", dir_ / "o" / "timelines");
  ASSERT_EQ(sh(std::string(kQuickRun) + " --out $D/o").code, 0);
  EXPECT_EQ(slurp(secret), "keep me");
  EXPECT_EQ(fs::status(secret).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dir_ / "o" / "results.json")));
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(dir_ / "o" / "timelines")));
  EXPECT_TRUE(fs::is_empty(dir_ / "elsewhere"));
  // The folder itself may be a link (written with a trailing slash, as tab completion does): it
  // is followed, and stays a link.
  fs::create_directories(dir_ / "real");
  fs::create_directory_symlink(dir_ / "real", dir_ / "link");
  ASSERT_EQ(sh(std::string(kQuickRun) + " --out $D/link/").code, 0);
  EXPECT_TRUE(fs::is_symlink(dir_ / "link"));
  EXPECT_TRUE(fs::exists(dir_ / "real" / "results.json"));
  EXPECT_TRUE(fs::exists(dir_ / "real" / "timelines"));
  // A report kept private stays private when the next run rewrites it.
  fs::permissions(dir_ / "o" / "report.md", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_EQ(sh(std::string(kQuickRun) + " --out $D/o").code, 0);
  EXPECT_EQ(fs::status(dir_ / "o" / "report.md").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(Safety, AReportIsNeverWrittenOverItsInput) {
  ASSERT_EQ(sh(std::string(kQuickRun) + " --out $D/o").code, 0);
  const std::string before = slurp(dir_ / "o" / "results.json");
  for (const char* command : {"report html $D/o/results.json -o $D/o/results.json",
                              "report compare $D/o/results.json $D/o/results.json --json "
                              "$D/o/results.json",
                              "report gbench $D/o/results.json --csv $D/o/results.json"}) {
    Outcome r = sh(std::string("$S ") + command);
    EXPECT_EQ(r.code, 2) << command;
    EXPECT_THAT(r.err, HasSubstr("writing there would replace what is read")) << command;
  }
  EXPECT_EQ(slurp(dir_ / "o" / "results.json"), before);
}

TEST_F(Safety, OneLineMessagesForSmallMistakes) {
  file("tool.json", R"({"tool": true, "schema_version": 1, "cells": []})");
  Outcome tool = sh("$S report html $D/tool.json -o $D/t.html");
  EXPECT_EQ(tool.code, 2);
  EXPECT_THAT(tool.err, HasSubstr("not a schedlab results.json"));
  fs::create_symlink(dir_ / "loop2", dir_ / "loop1");
  fs::create_symlink(dir_ / "loop1", dir_ / "loop2");
  for (const char* command : {"$S compute $D/loop1", "$S run -S $D/loop1"}) {
    Outcome loop = sh(command);
    EXPECT_EQ(loop.code, 2) << command;
    EXPECT_THAT(loop.err, HasSubstr("Too many levels of symbolic links")) << command;
  }
  Outcome version = sh("$S --version extra");
  EXPECT_EQ(version.code, 2);
  EXPECT_THAT(version.err, HasSubstr("--version takes nothing else"));
  // A limit that would change nothing is refused, not ignored.
  file("one.json", R"({"tasks": {"a": {"value": 1}}})");
  for (const char* command : {"$S compute $D/one.json -s threads --memory-limit 1GB",
                              "$S run -S inc-dbl -s threads --memory-limit 1GB"}) {
    Outcome limit = sh(command);
    EXPECT_EQ(limit.code, 2) << command;
    EXPECT_THAT(limit.err, HasSubstr("limit its workers\x27 memory")) << command;
  }
  // --pool fresh likewise: only processes keeps a pool to start afresh.
  for (const char* command : {"$S compute $D/one.json -s threads --pool fresh",
                              "$S run -S inc-dbl -s threads --pool fresh"}) {
    Outcome fresh = sh(command);
    EXPECT_EQ(fresh.code, 2) << command;
    EXPECT_THAT(fresh.err, HasSubstr("--pool fresh:")) << command;
  }
  Outcome fresh = sh(std::string(kQuickRun) + " -s processes --pool fresh --out $D/f");
  EXPECT_EQ(fresh.code, 0) << fresh.err;
  EXPECT_THAT(slurp(dir_ / "f" / "results.json"), HasSubstr("a fresh pool of"));
  // A suite with a scheduler that can limit memory limits that one and runs the others as usual.
  if (sh("$S list | grep -q distributed").code == 0) {
    Outcome mixed = sh(std::string(kQuickRun) + " -s distributed --memory-limit 1GB --out $D/m");
    EXPECT_EQ(mixed.code, 0) << mixed.err;
    const std::string json = slurp(dir_ / "m" / "results.json");
    EXPECT_THAT(json, Not(HasSubstr("cannot limit")));
  }
  // A time no run takes (1e308 ms) or a negative one is refused, not called faster.
  ASSERT_EQ(sh(std::string(kQuickRun) + " --out $D/o").code, 0);
  for (const auto& [bad, shown] : {std::pair{1e308, "1e+308"}, std::pair{-5.0, "-5"}}) {
    nlohmann::json j = nlohmann::json::parse(slurp(dir_ / "o" / "results.json"));
    j["cells"][0]["wall_ms"]["median"] = bad;
    file("bad.json", j.dump());
    Outcome compare = sh("$S report compare $D/o/results.json $D/bad.json");
    EXPECT_EQ(compare.code, 2);
    EXPECT_THAT(compare.err, HasSubstr(std::string(shown) + " ms is not a measured time"));
  }
  file("gbench.json", R"({"benchmarks": [{"name": "x/chain", "real_time": -1, "cpu_time": 1}]})");
  Outcome gbench = sh("$S report gbench $D/gbench.json");
  EXPECT_EQ(gbench.code, 2);
  EXPECT_THAT(gbench.err, HasSubstr("a negative time (-1) is not a measurement"));
}

// One depth limit for values and arguments, on every scheduler: a list 64 deep may be a task's
// value or its argument, and goes through worker processes too; 65 is refused either way.
TEST_F(Safety, ValuesAndArgumentsHaveOneDepthLimit) {
  auto nested = [](int depth) {
    return std::string(static_cast<size_t>(depth), '[') + "1" +
           std::string(static_cast<size_t>(depth), ']');
  };
  file("value.json", R"({"tasks": {"a": {"value": )" + nested(64) + "}}}");
  file("arg.json", R"({"tasks": {"b": {"op": "identity", "args": [)" + nested(64) + "]}}}");
  const std::string printed = nested(64);
  EXPECT_THAT(sh("$S compute -s sync $D/value.json").out, HasSubstr(printed));
  for (const char* s : {"sync", "threads", "openmp", "processes", "distributed"}) {
    if (sh(std::string("$S list | grep -q '^  ") + s + " '").code != 0) continue;
    Outcome r = sh(std::string("$S compute -s ") + s + " -w 2 $D/arg.json");
    EXPECT_EQ(r.code, 0) << s << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr(printed)) << s;
  }
  file("value65.json", R"({"tasks": {"a": {"value": )" + nested(65) + "}}}");
  file("arg65.json", R"({"tasks": {"b": {"op": "identity", "args": [)" + nested(65) + "]}}}");
  for (const char* f : {"value65.json", "arg65.json"}) {
    Outcome r = sh(std::string("$S compute $D/") + f);
    EXPECT_EQ(r.code, 2) << f;
    EXPECT_THAT(r.err, HasSubstr("nested deeper than 64 levels")) << f;
  }
}

TEST_F(Safety, PrintingManyTargetsIsLinear) {
  // 200,000 targets once took 35 s to print (a linear search per key); now well under a second.
  std::string text = R"({"tasks": {)";
  for (int i = 0; i < 200'000; ++i) text += fmt_key(i);
  text.back() = '}';
  text += "}";
  file("many.json", text);
  auto start = std::chrono::steady_clock::now();
  Outcome r = sh("$S compute $D/many.json -s sync");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"].size(), 200'000u);
  EXPECT_EQ(j["results"]["k199999"], 199'999);
  Outcome g = sh("$S graph $D/many.json --format json");
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_EQ(nlohmann::json::parse(g.out)["tasks"].size(), 200'000u);
  // A generous sanity bound: quadratic printing took minutes for both together.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(kSanitized ? 150 : 30));
}

TEST_F(Safety, ASmallDevShmIsACleanInfrastructureError) {
  if (!can_unshare()) GTEST_SKIP() << "needs a private mount namespace (unshare -m)";
  // Arguments too big for /dev/shm (parent to worker) and a result too big (worker to parent).
  std::string array = "[";
  for (int i = 0; i < 1'000'000; ++i) array += "1.5,";
  array.back() = ']';
  file("args.json", R"({"tasks": {"a": {"value": {"array": )" + array +
                        R"(}}, "b": {"op": "sum", "args": [{"ref": "a"}]}}})");
  file("result.json", R"({"tasks": {"a": {"value": ")" + std::string(3'000'000, 'x') +
                          R"("}, "b": {"op": "add", "args": [{"ref": "a"}, {"ref": "a"}]},
                          "c": {"op": "count", "args": [[{"ref": "b"}]]}}, "targets": ["c"]})");
  for (const char* graph : {"args.json", "result.json"}) {
    Outcome r = sh(std::string("unshare -m sh -c \"mount -t tmpfs -o size=9M tmpfs /dev/shm && "
                               "$S compute $D/") +
                   graph + " -s processes -w 1; echo exit=\\$?; ls /dev/shm\"");
    EXPECT_THAT(r.out, HasSubstr("exit=3")) << graph << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("is /dev/shm full?")) << graph;
    EXPECT_THAT(r.out, Not(HasSubstr("schedlab-"))) << graph << ": segments left behind";
  }
}

TEST_F(Safety, ThreadsThatCannotStartAreAnInfrastructureError) {
  if (kSanitized) GTEST_SKIP() << "sanitizers reserve more address space than the limit allows";
  file("g.json", kSmall);
  // 64 workers need 63 thread stacks of 8 MiB: more than a 400 MB address space holds.
  for (const char* s : {"threads", "openmp"}) {
    Outcome r = sh(std::string("ulimit -v 400000; timeout 20 $S compute $D/g.json -w 64 -s ") + s);
    EXPECT_EQ(r.code, 3) << s << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("ulimit")) << s;
  }
}

TEST_F(Safety, ADamagedFlightsCacheIsMadeAgain) {
  const std::string data = (dir_ / "data").string();
  Outcome first = sh("$S compute flights -p files=2 -p rows=500 -s sync --data " + data);
  ASSERT_EQ(first.code, 0) << first.err;
  const fs::path csv = dir_ / "data" / "flights-v2-2x500" / "1990.csv";
  const std::string whole = slurp(csv);
  ASSERT_GT(whole.size(), 5000u) << csv << " is not where the cache keeps the file";
  // Truncated at a line boundary: still a valid CSV, but with other answers.
  std::ofstream(csv, std::ios::binary | std::ios::trunc)
      << whole.substr(0, whole.find("\n", 5000) + 1);
  Outcome again = sh("$S compute flights -p files=2 -p rows=500 -s sync --data " + data);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["results"],
            nlohmann::json::parse(first.out)["results"]);
  EXPECT_EQ(slurp(csv), whole);
}

TEST_F(Safety, AFullCacheDiskIsAClearError) {
  if (!can_unshare()) GTEST_SKIP() << "needs a private mount namespace (unshare -m)";
  fs::create_directories(dir_ / "small");
  Outcome r =
      sh("unshare -m sh -c \"mount -t tmpfs -o size=40k tmpfs $D/small && $S compute "
         "flights -p files=2 -p rows=2000 -s sync --data $D/small; echo exit=\\$?; ls -R "
         "$D/small\"");
  EXPECT_THAT(r.out, HasSubstr("exit=2")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot cache the flights data set"));
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_THAT(r.out, Not(HasSubstr(".tmp."))) << "a temporary file was left behind";
}

}  // namespace
