#include "schedlab/schedulers/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace schedlab {
namespace detail {
std::atomic<int> g_interrupt_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);
}  // namespace detail

namespace {
std::atomic<int>& g_signal = detail::g_interrupt_signal;

extern "C" void on_signal(int sig) {
  if (g_signal.exchange(sig) == SIGINT && sig == SIGINT) _exit(130);  // second Ctrl-C
}
}  // namespace

void request_interrupt() {
  g_signal.store(SIGINT);
}
void clear_interrupt() {
  g_signal.store(0);
}
int interrupt_signal() {
  return g_signal.load();
}

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking waits wake up and notice the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace schedlab
