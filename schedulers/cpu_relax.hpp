// The pause between two looks at a flag another thread or process will set.
#pragma once

#include <thread>

namespace schedlab {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

}  // namespace schedlab
