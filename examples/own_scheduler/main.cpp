// The whole `schedlab` command with one more scheduler in it: register, then hand over.
//   ./my_schedlab list
//   ./my_schedlab run -s gq -s threads -w 1 -w 2 -S inc-dec-add -u 10ms --out reports
//   ./my_schedlab bench -s gq -s threads -s tbb
#include <schedlab/cli/main.hpp>

#include "global_queue.hpp"

#ifdef SCHEDLAB_HAVE_TBB  // the installed schedlab has oneTBB as a scheduler: compare against it
#include <schedlab/plugins/tbb_scheduler.hpp>
#endif

int main(int argc, char** argv) {
  register_global_queue_scheduler();
#ifdef SCHEDLAB_HAVE_TBB
  schedlab::plugins::register_tbb_scheduler();
#endif
  return schedlab::cli_main(argc, argv);
}
