// The whole `schedlab` command with one more scheduler in it: register, then hand over.
//   ./my_schedlab list
//   ./my_schedlab run -s gq -s threads -w 1 -w 2 -S inc-dec-add -u 10ms --out reports
#include <schedlab/cli/main.hpp>

#include "global_queue.hpp"

int main(int argc, char** argv) {
  register_global_queue_scheduler();
  return schedlab::cli_main(argc, argv);
}
