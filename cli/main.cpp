// schedlab: run task graphs on several schedulers and compare them.
//
// Exit codes (README "Exit codes"): 0 success; 1 a task failed; 2 invalid input or usage;
// 3 infrastructure failure (a worker died, shared memory failed, an internal error);
// 130 interrupted. They are decided here, once.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "cli/commands.hpp"
#include "cli/version.hpp"
#include "core/errors.hpp"
#include "core/value_codec.hpp"
#include "schedulers/interrupt.hpp"
#include "schedulers/scheduler.hpp"

namespace {

int fail(int code, const std::string& message) {
  std::cerr << "schedlab: error: " << message << "\n";
  return code;
}

int run(int argc, char** argv) {
  CLI::App app{"schedlab: run one task graph on several schedulers and compare them", "schedlab"};
  app.set_version_flag("--version", fmt::format("schedlab {} (commit {})", SCHEDLAB_VERSION,
                                                SCHEDLAB_GIT_COMMIT));
  app.require_subcommand(1);
  std::map<CLI::App*, schedlab::cli::Command> commands;
  auto add = [&](auto adder) {
    schedlab::cli::Command c = adder(app);
    commands[app.get_subcommands({}).back()] = std::move(c);
  };
  add(schedlab::cli::add_compute);
  add(schedlab::cli::add_graph);
  add(schedlab::cli::add_list);
  add(schedlab::cli::add_predict);
  add(schedlab::cli::add_report);
  add(schedlab::cli::add_run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  for (CLI::App* sub : app.get_subcommands()) {
    if (commands.contains(sub)) return commands[sub]();
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  schedlab::install_interrupt_handlers();
  int code;
  try {
    code = run(argc, argv);
  } catch (const schedlab::UsageError& e) {
    code = fail(2, e.what());
  } catch (const schedlab::TaskError& e) {
    code = fail(1, e.what());
  } catch (const schedlab::Interrupted&) {
    code = fail(130, "interrupted; stopped cleanly");
  } catch (const schedlab::InfrastructureError& e) {
    code = fail(3, e.what());
  } catch (const std::exception& e) {
    code = fail(3, fmt::format("internal error: {}", e.what()));
  }
  schedlab::SchedulerRegistry::global().shutdown();  // stop pools before static destruction
  return code;
}
