// The `schedlab` tool: the command with schedlab's schedulers and ops, and the schedulers of
// plugins/ that this build has (written against the public API, as anyone's own would be).
#include "schedlab/cli/main.hpp"
#ifdef SCHEDLAB_HAVE_TBB
#include "schedlab/plugins/tbb_scheduler.hpp"
#endif

int main(int argc, char** argv) {
#ifdef SCHEDLAB_HAVE_TBB
  schedlab::plugins::register_tbb_scheduler();
#endif
  return schedlab::cli_main(argc, argv);
}
