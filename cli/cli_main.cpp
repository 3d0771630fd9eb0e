// schedlab: run task graphs on several schedulers and compare them. The whole command is
// cli_main, so that a program that registers schedulers of its own is the tool with them in it.
//
// Exit codes (README "Exit codes"): 0 success; 1 a task failed; 2 invalid input or usage;
// 3 infrastructure failure (a worker died, shared memory failed, an internal error);
// 124 timed out; 130 interrupted (SIGINT); 143 terminated (SIGTERM); 129 hung up (SIGHUP).
// They are decided here, once.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "schedlab/cli/commands.hpp"
#include "schedlab/cli/main.hpp"
#include "schedlab/cli/stop_watchdog.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/core/suggest.hpp"
#include "schedlab/core/value_codec.hpp"
#include "schedlab/core/version.hpp"
#include "schedlab/kernels/scenarios.hpp"
#include "schedlab/schedulers/compute.hpp"
#include "schedlab/schedulers/distributed_worker.hpp"
#include "schedlab/schedulers/scheduler.hpp"

namespace {

int fail(int code, const std::string& message) {
  std::cerr << "schedlab: error: " << schedlab::printable(message) << "\n";
  return code;
}

// Output that did not reach standard output is a failure, not a success: a full disk
// (`> /dev/full`), a closed descriptor or a reader that went away (`| head -1`).
// `errno_after_run` is errno as the command left it: when a write failed inside the command
// (output larger than the buffer), that is usually the one that says why.
std::string stdout_failure(int errno_after_run) {
  const bool failed_in_run = !std::cout || std::ferror(stdout);
  // The first failing step sets errno; later ones may find nothing left to write.
  // errno counts only where a step failed: stdio may set it on success (an isatty probe).
  errno = 0;
  std::cout.flush();
  int err = failed_in_run ? errno_after_run : std::cout ? 0 : errno;
  errno = 0;
  if (std::fflush(stdout) != 0 && err == 0) err = errno;
  if (err != 0 || std::ferror(stdout) || !std::cout) {
    return fmt::format("cannot write to standard output: {}",
                       err ? std::strerror(err) : "write error");
  }
  // Closing a duplicate asks the file system to flush (NFS reports late write errors there)
  // without closing standard output itself, which static destructors still flush.
  if (int fd = ::dup(STDOUT_FILENO); fd >= 0 && ::close(fd) != 0 && errno != EINTR) {
    return fmt::format("cannot write to standard output: {}", std::strerror(errno));
  }
  return {};
}

// A repeatable option takes one value each time it is given (-w 2 -w 4), so that the words after
// it go to the positionals: `lesson -w 4 inc-dbl` names the lesson, not a second count (CLI11
// lets a vector option take every word that follows it).
void one_value_per_flag(CLI::App& app) {
  for (CLI::Option* o : app.get_options()) {
    if (!o->get_positional() && o->get_expected_max() > 1) o->allow_extra_args(false);
  }
  for (CLI::App* sub : app.get_subcommands({})) one_value_per_flag(*sub);
}

int run(int argc, char** argv) {
  CLI::App app{"schedlab: run one task graph on several schedulers and compare them", "schedlab"};
  app.set_version_flag(
      "--version", fmt::format("schedlab {} (commit {})", SCHEDLAB_VERSION, SCHEDLAB_GIT_COMMIT));
  app.require_subcommand(1);
  if (const char* env = std::getenv("SCHEDLAB_SCHEDULER"); env && *env) {
    try {
      schedlab::set_default_scheduler(env);
    } catch (const schedlab::UsageError& e) {
      throw schedlab::UsageError(fmt::format("SCHEDLAB_SCHEDULER={}: {}", env, e.what()));
    }
  }
  std::map<CLI::App*, schedlab::cli::Command> commands;
  auto add = [&](auto adder) {
    schedlab::cli::Command c = adder(app);
    commands[app.get_subcommands({}).back()] = std::move(c);
  };
  add(schedlab::cli::add_bench);
  add(schedlab::cli::add_compute);
  add(schedlab::cli::add_conformance);
  add(schedlab::cli::add_graph);
  add(schedlab::cli::add_lesson);
  add(schedlab::cli::add_list);
  add(schedlab::cli::add_predict);
  add(schedlab::cli::add_report);
  add(schedlab::cli::add_run);
  one_value_per_flag(app);
  // CLI11 would say only "A subcommand is required" for a typo.
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      throw schedlab::UsageError(fmt::format("unknown command '{}'{}; commands: {}", argv[1],
                                             schedlab::did_you_mean(argv[1], names),
                                             fmt::join(names, ", ")));
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    // CLI11 answers --version before it looks at the rest: "--version extra" is a mistake.
    if (argc > 2) {
      throw schedlab::UsageError(
          "--version takes nothing else: give it alone, as in `schedlab --version`");
    }
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // With the prefix every other error has, and where to look next.
    const std::string command = app.get_subcommands().empty()
                                    ? std::string("schedlab")
                                    : "schedlab " + app.get_subcommands().front()->get_name();
    fail(2, e.what());
    std::cerr << "(see " << command << " --help)\n";
    return 2;
  }
  for (CLI::App* sub : app.get_subcommands()) {
    if (commands.contains(sub)) return commands[sub]();
  }
  return 2;
}

}  // namespace

int schedlab::cli_main(int argc, char** argv) {
  // Worker ranks of the distributed scheduler run this program too (the program that called
  // cli_main, with whatever it registered first): they serve tasks here and never return. They
  // need every op schedlab has, registered first.
  schedlab::kernels::register_scenario_ops();
  schedlab::serve_if_distributed_worker(argc, argv);
  // A closed standard output would be reused by the next file we open (a trace, a segment),
  // and results would land in it: refuse at once.
  if (fcntl(STDOUT_FILENO, F_GETFD) == -1 && errno == EBADF) {
    return fail(2,
                "standard output is closed; nothing could be printed (redirect it to a file "
                "or /dev/null)");
  }
  // A reader that goes away is an error we report, not a silent death by SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  schedlab::install_interrupt_handlers();
  int code;
  schedlab::cli::StopWatchdog watchdog;
  int errno_after_run = 0;
  try {
    code = run(argc, argv);
    errno_after_run = errno;
  } catch (const schedlab::UsageError& e) {
    code = fail(2, e.what());
  } catch (const schedlab::TaskError& e) {
    code = fail(1, e.what());
  } catch (const schedlab::TimedOut& e) {
    code = fail(124, e.what());
  } catch (const schedlab::Interrupted&) {
    const int reason = schedlab::interrupt_signal();
    code = fail(schedlab::exit_code_for_stop(reason),
                schedlab::describe_stop(reason) + "; stopped cleanly");
  } catch (const schedlab::InfrastructureError& e) {
    code = fail(3, e.what());
  } catch (const std::exception& e) {
    code = fail(3, fmt::format("internal error: {}", e.what()));
  }
  schedlab::SchedulerRegistry::global().shutdown();  // stop pools before static destruction
  if (std::string failure = stdout_failure(errno_after_run); !failure.empty() && code == 0)
    code = fail(2, failure);
  return code;
}
