// Ctrl-C and SIGTERM: a flag that runs poll, so that an interrupted run stops starting tasks,
// lets running ones finish, cleans up (worker processes, shared memory) and reports what it has.
#pragma once

namespace schedlab {

bool interrupt_requested();
void request_interrupt();
void clear_interrupt();
// Installs SIGINT/SIGTERM handlers that set the flag; a second SIGINT exits at once (130).
void install_interrupt_handlers();
// The signal that set the flag (SIGINT or SIGTERM), 0 if none.
int interrupt_signal();

}  // namespace schedlab
