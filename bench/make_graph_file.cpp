// Writes a large graph file to standard output: make_graph_file chain|dag TASKS.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/graph_file_gen.hpp"

int main(int argc, char** argv) {
  char* end = nullptr;
  const unsigned long long tasks = argc == 3 ? std::strtoull(argv[2], &end, 10) : 0;
  const bool chain = argc == 3 && std::strcmp(argv[1], "chain") == 0;
  const bool dag = argc == 3 && std::strcmp(argv[1], "dag") == 0;
  if (!(chain || dag) || end == argv[2] || *end != '\0' || tasks < 1 || tasks > 100'000'000) {
    std::fprintf(stderr,
                 "usage: make_graph_file chain|dag TASKS   (TASKS from 1 to 100000000)\n"
                 "writes a graph file to standard output, e.g. make_graph_file chain 1000000 "
                 ">chain.json\n");
    return 2;
  }
  const std::string text =
      chain ? schedlab::bench::chain_graph_file(tasks) : schedlab::bench::layered_graph_file(tasks);
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() ? 0 : 1;
}
