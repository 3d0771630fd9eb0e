// The `schedlab` tool: the command with the schedulers and ops schedlab itself has.
#include "schedlab/cli/main.hpp"

int main(int argc, char** argv) {
  return schedlab::cli_main(argc, argv);
}
