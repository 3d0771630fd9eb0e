#include <fmt/format.h>

#include <iostream>

#include "schedlab/cli/commands.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/core/interrupt.hpp"
#include "schedlab/live/live_server.hpp"

namespace schedlab::cli {
namespace {

// --live-wait: the class looks at the final state until Ctrl-C, which then ends the command
// with the run's own exit status.
void serve_until_stopped() {
  std::cerr << "Live view: the run is over; the page stays up until Ctrl-C\n";
  while (!signal_requested()) sleep_unless_interrupted(std::chrono::milliseconds(500));
  clear_interrupt();
}

}  // namespace

void LiveArgs::add_options(CLI::App& sub) {
  sub.add_flag("--live", live,
               "watch the run in a browser: a task stream, progress, the graph and the workers, "
               "live (prints the page's URL)");
  sub.add_option("--live-port", port, "the live view's port (default: a free one)")
      ->check(decimal_count())
      ->check(CLI::Range(1, 65535));
  sub.add_option("--live-host", host,
                 "listen on this address instead of 127.0.0.1 (the URL then carries a token "
                 "that every request needs)");
  sub.add_flag("--live-wait", wait, "keep the live view up after the run, until Ctrl-C");
}

int LiveArgs::run(const std::function<int(live::LiveState*)>& body) const {
  if (!live && !wait && port == 0 && host == "127.0.0.1") return body(nullptr);
  if (host.empty()) throw UsageError("--live-host: give an address, such as 0.0.0.0");
  live::LiveState state;
  live::LiveServer server(state, {host, port});
  std::cerr << "Live view: " << server.url() << std::endl;
  auto ended = [&](const std::string& outcome, bool may_wait) {
    state.finish(outcome);
    if (wait && may_wait) serve_until_stopped();
  };
  int code = 0;
  try {
    code = body(&state);
  } catch (const Interrupted&) {
    ended(describe_stop(interrupt_signal()), false);  // a second Ctrl-C would exit at once
    throw;
  } catch (const TimedOut& e) {
    ended(e.what(), true);  // "timed out: ..." already
    throw;
  } catch (const UsageError& e) {
    ended(std::string("failed: ") + e.what(), false);  // a mistake to fix, not a run to look at
    throw;
  } catch (const std::exception& e) {
    ended(std::string("failed: ") + e.what(), true);
    throw;
  }
  ended(code == 0 ? "completed" : fmt::format("completed with failures (exit {})", code), true);
  return code;
}

}  // namespace schedlab::cli
