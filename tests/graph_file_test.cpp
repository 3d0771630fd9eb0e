#include "schedlab/core/graph_file.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "schedlab/core/bounded_input.hpp"
#include "schedlab/core/errors.hpp"

namespace schedlab {
namespace {

using ::testing::HasSubstr;

std::string error_of(std::string_view text) {
  try {
    parse_graph(text, "g.json");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(GraphFile, ReadsTheReadmeExample) {
  auto g = parse_graph(R"({
    "tasks": {
      "a": {"value": [0, 1, 2, 3]},
      "b": {"op": "sum", "args": [{"ref": "a"}]},
      "x": {"op": "add", "args": [1, 3], "sleep_ms": 100},
      "y": {"op": "sub", "args": [2, 4], "sleep_ms": 100, "lock": "process"},
      "z": {"op": "mul", "args": [{"ref": "x"}, {"ref": "y"}], "sleep_ms": 100},
      "t": {"op": "sum", "args": [[{"ref": "x"}, {"ref": "y"}, 10]]}
    },
    "targets": ["b", "z", "t"]
  })",
                       "g.json");
  EXPECT_EQ(g.graph.size(), 6u);
  ASSERT_EQ(g.targets.size(), 3u);
  EXPECT_EQ(g.graph.key(g.targets[2]), "t");
  NodeId y = g.graph.at("y");
  EXPECT_EQ(g.graph.options(y).sleep_us, 100'000u);
  EXPECT_EQ(g.graph.options(y).lock, LockKind::process);
  EXPECT_EQ(g.graph.literal_value(g.graph.at("a")),
            Value(List{Value(0), Value(1), Value(2), Value(3)}));
}

TEST(GraphFile, TargetsDefaultToSinksAndForwardRefsWork) {
  auto g = parse_graph(R"({"tasks": {"b": {"op": "inc", "args": [{"ref": "a"}]},
                                      "a": {"value": 1}}})",
                       "g.json");
  ASSERT_EQ(g.targets.size(), 1u);
  EXPECT_EQ(g.graph.key(g.targets[0]), "b");
}

TEST(GraphFile, RefusesOpsThatOpenFiles) {
  OpRegistry::global().add("test.open_file", "opens a file", Arity{1, 1},
                           [](ArgSpan) { return Value(); });
  OpRegistry::global().mark_reads_files("test.open_file");
  // The fast parser hands such a graph to the full one, which says why.
  EXPECT_THAT(error_of(R"({"tasks": {"t": {"op": "test.open_file", "args": ["/etc/passwd"]}}})"),
              HasSubstr("g.json:1:24: task \"t\": op \"test.open_file\" opens the file it is "
                        "given, and a graph file may not name files to open"));
  EXPECT_THROW(OpRegistry::global().mark_reads_files("test.no_such_op"), UsageError);
}

TEST(GraphFile, RoundTripsThroughJson) {
  auto g = parse_graph(R"({"tasks": {"a": {"value": {"array": [1.5, 2]}},
     "b": {"op": "sum", "args": [[{"ref": "a"}, [1, 2], "s"]], "sleep_ms": 2.5, "lock": "global"}}})",
                       "g.json");
  std::string text = graph_to_json(g.graph, g.targets);
  auto again = parse_graph(text, "again.json");
  EXPECT_EQ(graph_to_json(again.graph, again.targets), text);
  EXPECT_EQ(again.graph.literal_value(0), Value(Array{1.5, 2}));
}

struct BadFile {
  const char* name;
  const char* text;
  const char* message;  // a part of the error, location included where it applies
};

void PrintTo(const BadFile& b, std::ostream* os) {
  *os << b.name;
}

class GraphFileErrors : public ::testing::TestWithParam<BadFile> {};

TEST_P(GraphFileErrors, AreClearAndLocated) {
  EXPECT_THAT(error_of(GetParam().text), HasSubstr(GetParam().message)) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    All, GraphFileErrors,
    ::testing::Values(
        BadFile{"empty", "", "the file is empty"},
        BadFile{"invalid_json", "{\"tasks\": {\n  \"a\": {\"op\": \"inc\" \"args\": [1]}}}",
                "g.json:2:"},
        BadFile{"truncated", "{\"tasks\": {\"a\": {", "invalid JSON"},
        BadFile{"top_array", "[1]", "not an array"},
        BadFile{"duplicate_key", "{\"tasks\": {\n\"a\": {\"value\": 1},\n\"a\": {\"value\": 2}}}",
                "g.json:3:1: duplicate task key \"a\" (first defined at line 2, column 1)"},
        BadFile{"duplicate_field", "{\"tasks\": {\"a\": {\"op\": \"inc\", \"op\": \"dec\"}}}",
                "duplicate field \"op\""},
        BadFile{"unknown_top_field", "{\"tasks\": {}, \"extra\": 1}",
                "g.json:1:15: unknown field \"extra\""},
        BadFile{"unknown_task_field",
                "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [1], \"slep_ms\": 1}}}",
                "task \"a\": unknown field \"slep_ms\""},
        BadFile{"no_tasks", "{\"targets\": []}", "no \"tasks\" object"},
        BadFile{"tasks_not_object", "{\"tasks\": 3}", "\"tasks\" must be an object"},
        BadFile{"task_not_object", "{\"tasks\": {\"a\": 3}}", "task \"a\" must be an object"},
        BadFile{"op_not_string", "{\"tasks\": {\"a\": {\"op\": 3}}}", "\"op\" must be a string"},
        BadFile{"args_not_list", "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": 3}}}",
                "\"args\" must be a list"},
        BadFile{"op_and_value", "{\"tasks\": {\"a\": {\"op\": \"inc\", \"value\": 3}}}",
                "either \"op\" (a task) or \"value\" (a literal), not both"},
        BadFile{"neither", "{\"tasks\": {\"a\": {}}}", "not neither"},
        BadFile{"unknown_op", "{\"tasks\": {\n\"a\": {\"op\": \"frobnicate\", \"args\": []}}}",
                "g.json:2:13: task \"a\": unknown op \"frobnicate\""},
        BadFile{"arity", "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [1, 2]}}}",
                "op inc takes 1 argument, got 2"},
        BadFile{"missing_ref",
                "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [{\"ref\": \"nope\"}]}}}",
                "task \"a\" refers to \"nope\", which is not a key"},
        BadFile{"cycle",
                "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [{\"ref\": \"b\"}]},"
                "\"b\": {\"op\": \"inc\", \"args\": [{\"ref\": \"a\"}]}}}",
                "cycle: 'a' -> 'b' -> 'a'"},
        BadFile{"negative_sleep",
                "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [1], \"sleep_ms\": -1}}}",
                "sleep_ms -1 is out of range"},
        BadFile{"absurd_sleep",
                "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [1], \"sleep_ms\": 1e9}}}",
                "out of range"},
        BadFile{"sleep_not_number",
                "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [1], \"sleep_ms\": \"1\"}}}",
                "\"sleep_ms\" must be a number"},
        BadFile{"bad_lock",
                "{\"tasks\": {\"a\": {\"op\": \"inc\", \"args\": [1], \"lock\": \"gil\"}}}",
                "\"lock\" must be \"none\", \"process\" or \"global\""},
        BadFile{"big_int", "{\"tasks\": {\"a\": {\"value\": 9223372036854775808}}}",
                "does not fit in int64"},
        BadFile{"huge_int", "{\"tasks\": {\"a\": {\"value\": 123456789012345678901234}}}",
                "does not fit in int64"},
        BadFile{"not_finite", "{\"tasks\": {\"a\": {\"value\": 1e999}}}", "not finite"},
        BadFile{"ref_in_value", "{\"tasks\": {\"a\": {\"value\": [{\"ref\": \"a\"}]}}}",
                "cannot hold references"},
        BadFile{"unknown_object", "{\"tasks\": {\"a\": {\"value\": {\"x\": 1}}}}",
                "unknown object field \"x\""},
        BadFile{"dense_not_numbers", "{\"tasks\": {\"a\": {\"value\": {\"array\": [\"x\"]}}}}",
                "numbers only"},
        BadFile{"target_missing", "{\"tasks\": {\"a\": {\"value\": 1}}, \"targets\": [\"b\"]}",
                "target \"b\" is not a key"},
        BadFile{"target_not_string", "{\"tasks\": {\"a\": {\"value\": 1}}, \"targets\": [1]}",
                "list of keys"},
        BadFile{"bad_version", "{\"version\": 2, \"tasks\": {}}", "\"version\" must be 1"},
        BadFile{"literal_with_sleep", "{\"tasks\": {\"a\": {\"value\": 1, \"sleep_ms\": 3}}}",
                "belong to tasks with an \"op\""},
        BadFile{"too_deep",
                "{\"tasks\": {\"a\": {\"value\": "
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}",
                "nested deeper than 64 levels"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(GraphFile, MissingFileIsAUsageError) {
  EXPECT_THROW(load_graph_file("/nonexistent/graph.json"), UsageError);
}

// Files are read whole into mapped memory (huge pages from 2 MB), a pipe in chunks that grow it:
// every byte arrives, at any size.
TEST(GraphFile, ReadsLargeFilesAndPipesWhole) {
  std::string text = "{\"tasks\": {";
  constexpr int kTasks = 80'000;  // about 3.6 MB
  for (int i = 0; i < kTasks; ++i) {
    text += fmt::format("{}\"t{}\": {{\"op\": \"add\", \"args\": [{}, 1]}}", i ? ", " : "", i, i);
  }
  text += "}, \"targets\": [\"t79999\"]}";
  ASSERT_GT(text.size(), size_t{3} << 20);
  const std::string path = ::testing::TempDir() + "/large_graph.json";
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  EXPECT_EQ(load_graph_file(path).graph.size(), size_t{kTasks});
  EXPECT_EQ(read_bounded_file(path, "graph file", text.size()).view(), text);
  // Through a pipe (standard input read in 64 KiB chunks).
  FILE* pipe = ::popen(("cat " + path).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  struct StdinFrom {  // for the read, even if it throws
    FILE* pipe;
    int saved = ::dup(STDIN_FILENO);
    explicit StdinFrom(FILE* p) : pipe(p) { ::dup2(::fileno(pipe), STDIN_FILENO); }
    ~StdinFrom() {
      ::dup2(saved, STDIN_FILENO);
      ::close(saved);
      ::pclose(pipe);
    }
  };
  FileText piped;
  {
    StdinFrom from(pipe);
    piped = read_bounded_file("-", "graph file", text.size());
  }
  EXPECT_EQ(piped.view(), text);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace schedlab
