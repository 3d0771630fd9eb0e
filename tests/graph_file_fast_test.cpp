// The fast graph-file reader against the precise one: what it accepts must be what the precise
// reader makes of the same text, to the byte of the graph written back; what it gives up on
// still loads (or fails) through parse_graph exactly as before.
#include "core/graph_file_fast.hpp"

#include <gtest/gtest.h>

#include "schedlab/core/errors.hpp"

namespace schedlab {
namespace {

std::string written(const LoadedGraph& g) {
  return graph_to_json(g.graph, g.targets) + "description: " + g.description;
}

// Graph files that are valid and ordinary: the fast reader must read each one.
const char* const kOrdinary[] = {
    R"({"tasks": {}})",
    R"({"version": 1, "tasks": {"a": {"value": 1}}})",
    // Forward references, in args and in lists of references.
    R"({"tasks": {"b": {"op": "inc", "args": [{"ref": "a"}]}, "a": {"value": 1}}})",
    R"({"tasks": {"s": {"op": "sum", "args": [[{"ref": "a"}, {"ref": "b"}]]},
                  "a": {"value": 1}, "b": {"op": "inc", "args": [{"ref": "a"}]}}})",
    // Lists: literal, mixed, nested with references written earlier, empty.
    R"({"tasks": {"a": {"value": 2},
        "s": {"op": "sum", "args": [[1, 2, 3]]},
        "m": {"op": "sum", "args": [[{"ref": "a"}, 10, -2.5]]},
        "n": {"op": "count", "args": [[[{"ref": "a"}], [1, [2, []]], {"ref": "s"}]]},
        "e": {"op": "count", "args": [[]]}}})",
    // Dense arrays, in a value and as an argument; numbers of every form.
    R"({"tasks": {"a": {"value": {"array": [1.5, 2, -0, 1e3, 2.5E-3, -7]}},
        "b": {"op": "sum", "args": [{ "array" : [ 1 , 2 ] }]},
        "c": {"value": [0, -0, -0.0, 9223372036854775807, -9223372036854775808, 1E+2, 3.25e1]}}})",
    // Strings: escapes, UTF-8, and in keys and references.
    R"({"description": "inc \"x\"\n\t\u00e9\ud83d\ude00 \/ done \u0000 é",
        "tasks": {"clé": {"value": "a\\b"}, "t": {"op": "identity", "args": [{"ref": "clé"}]},
                  "u": {"op": "add", "args": ["x", "\u4e2d文"]}}})",
    // Options in any order, before the op too; literals of every kind; targets before tasks.
    R"({"targets": ["y", "x", "y"],
        "tasks": {"x": {"sleep_ms": 2.5, "lock": "global", "op": "add", "args": [1, 3]},
                  "y": {"op": "identity", "args": [null], "lock": "process", "sleep_ms": 0},
                  "z": {"value": [true, false, null, "s", {"array": []}]}}})",
    // White space everywhere JSON allows it.
    (" \r\n\t{ \"tasks\" : { \"a\" : { \"value\" : [ 1 , 2 ] } , \"b\" : { \"op\" : \"sum\" , "
     "\"args\" : [ { \"ref\" : \"a\" } ] } } } \n"),
};

TEST(GraphFileFast, ReadsOrdinaryFilesAsThePreciseReaderDoes) {
  for (const char* text : kOrdinary) {
    SCOPED_TRACE(text);
    auto fast = detail::parse_graph_fast(text);
    ASSERT_TRUE(fast.has_value()) << "the fast reader gave up";
    EXPECT_EQ(written(*fast), written(detail::parse_graph_precise(text, "g.json")));
  }
}

TEST(GraphFileFast, GivesUpOnRaritiesThatStillLoad) {
  const char* const rarities[] = {
      "\xEF\xBB\xBF{\"tasks\": {\"a\": {\"value\": 1}}}",  // a BOM
      R"({"tasks": {"\u0061": {"value": 1}}})",            // escaped key
      R"({"tasks": {"a": {"value": 1}, "b": {"args": [{"ref": "a"}], "op": "inc"}}})",  // args
                                                                                        // first
      R"({"tasks": {"s": {"op": "count", "args": [[[{"ref": "a"}]]]}, "a": {"value": 1}}})",
      R"({"tasks": {"a": {"value": 1e-400}}})",  // rounds to 0 as strtod does
  };
  for (const char* text : rarities) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(detail::parse_graph_fast(text).has_value());
    EXPECT_EQ(written(parse_graph(text, "g.json")),
              written(detail::parse_graph_precise(text, "g.json")));
  }
}

TEST(GraphFileFast, GivesUpOnEveryError) {
  const char* const errors[] = {
      R"({"tasks": {"a": {"value": 1}, "a": {"value": 2}}})",
      R"({"tasks": {"a": {"op": "inc", "args": [{"ref": "a"}]}}})",
      R"({"tasks": {"a": {"op": "inc", "args": [{"ref": "nope"}]}}})",
      R"({"tasks": {"a": {"op": "inc", "args": [1, 2]}}})",
      R"({"tasks": {"a": {"op": "nope"}}})",
      R"({"tasks": {"a": {"value": 1, "op": "inc"}}})",
      R"({"tasks": {"a": {"value": [{"ref": "a"}]}}})",
      R"({"tasks": {"a": {"value": 01}}})",
      R"({"tasks": {"a": {"value": 1.}}})",
      R"({"tasks": {"a": {"value": 9223372036854775808}}})",
      R"({"tasks": {"a": {"value": 1e400}}})",
      R"({"tasks": {"a": {"value": "\ud800"}}})",
      "{\"tasks\": {\"a\": {\"value\": \"\xC0\xAF\"}}}",
      "{\"tasks\": {\"a\": {\"value\": \"tab\there\"}}}",
      R"({"tasks": {"a": {"value": 1}}, "targets": ["b"]})",
      R"({"tasks": {"a": {"value": 1}}, "version": 2})",
      R"({"tasks": {"a": {"value": 1}}, "tasks": {}})",
      R"({"tasks": {"a": {"op": "inc", "args": [1], "sleep_ms": -1}}})",
      R"({"tasks": {"a": {"op": "inc", "args": [1], "lock": "thread"}}})",
      R"({"tasks": {"a": {"value": 1}}} x)",
      R"({"tasks": {"a": {"value": 1},}})",
      R"({"targets": []})",
      R"({"tasks": {"": {"value": 1}}})",
  };
  for (const char* text : errors) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(detail::parse_graph_fast(text).has_value());
    EXPECT_THROW(parse_graph(text, "g.json"), UsageError);
  }
}

}  // namespace
}  // namespace schedlab
