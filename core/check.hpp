// Invariants checked in debug builds and the sanitizer presets (which define SCHEDLAB_CHECKS):
// SCHEDLAB_ASSERT(cond, "what must hold") aborts with the file, the line, the condition and the
// message when cond is false. Release builds compile it away (the condition is not evaluated),
// so it costs nothing on hot paths. Bad input is never an invariant: it gets a UsageError.
#pragma once

#if defined(NDEBUG) && !defined(SCHEDLAB_CHECKS)
#define SCHEDLAB_ASSERT(cond, message) ((void)0)
#else
#include <cstdio>
#include <cstdlib>
#define SCHEDLAB_ASSERT(cond, message)                                                     \
  ((cond) ? (void)0                                                                        \
          : (std::fprintf(stderr, "%s:%d: schedlab invariant broken: %s (%s)\n", __FILE__, \
                          __LINE__, message, #cond),                                       \
             std::abort()))
#endif
