// The whole `schedlab` command as a function. A program that registers schedulers (and ops) of
// its own and then calls cli_main is the complete tool with them in it: every command takes
// them by name (`-s mine`), and distributed worker ranks, which run that same program, find its
// ops too. Link schedlab::cli.
//
//   int main(int argc, char** argv) {
//     schedlab::SchedulerRegistry::global().add({.name = "mine", ...});
//     return schedlab::cli_main(argc, argv);
//   }
//
// It parses the command line, runs the command and returns the exit code README lists (0 done,
// 1 a task failed, 2 bad input, 3 infrastructure, 124 timeout, 130/143/129 stopped). Call it
// once per process: it installs signal handlers and stops every scheduler before returning.
#pragma once

namespace schedlab {

int cli_main(int argc, char** argv);

}  // namespace schedlab
