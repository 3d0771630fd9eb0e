// The message channel between the parent and one worker: a single-producer, single-consumer
// ring of bytes in shared memory, plus a Bell to sleep on when there is nothing to do.
//
// A message is an 8-byte header (payload length, kind) and the payload, padded to 8 bytes, at
// one contiguous place: when it does not fit before the end, a wrap marker fills the rest and
// the message starts again at offset 0. Any message up to capacity/2 fits in an empty ring.
// `head` (written by the producer) and `tail` (by the consumer) only grow; release/acquire on
// them publishes the bytes in between.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <span>

#include "schedlab/core/check.hpp"
#include "schedlab/schedulers/processes/shm.hpp"

namespace schedlab::processes {

// Wakes a sleeper across processes. Dekker-style: the waker publishes its data, fences, then
// looks for a sleeper; the sleeper announces itself, fences, then looks for data. With both
// fences seq_cst at least one of them sees the other, so no wake-up is lost; the futex
// timeout is a safety net and the liveness-check period, not the wake-up path.
struct Bell {
  std::atomic<uint32_t> seq{0};
  std::atomic<uint32_t> sleeping{0};

  void ring() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping.load(std::memory_order_relaxed) != 0) {
      seq.fetch_add(1, std::memory_order_relaxed);
      futex_wake_all(&seq);
    }
  }
  template <class Ready>
  void wait(Ready&& ready, int64_t timeout_us) {
    sleeping.fetch_add(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    uint32_t s = seq.load(std::memory_order_relaxed);
    if (!ready()) futex_wait(&seq, s, timeout_us);
    sleeping.fetch_sub(1, std::memory_order_relaxed);
  }
};

struct alignas(64) RingControl {
  alignas(64) std::atomic<uint64_t> head{0};
  alignas(64) std::atomic<uint64_t> tail{0};
  alignas(64) uint64_t capacity = 0;  // a multiple of 8
};

class Ring {
 public:
  static constexpr uint32_t kMessage = 0, kWrap = 1;
  static size_t footprint(size_t capacity) { return sizeof(RingControl) + capacity; }

  Ring() = default;
  // `memory` holds footprint(capacity) bytes; init once, before either side uses it.
  Ring(char* memory, size_t capacity, bool init)
      : control_(reinterpret_cast<RingControl*>(memory)), data_(memory + sizeof(RingControl)) {
    if (init) {
      new (control_) RingControl();
      control_->capacity = capacity;
    }
    cap_ = control_->capacity;
  }
  size_t capacity() const { return cap_; }
  size_t max_message() const { return cap_ / 2 - 16; }

  // Producer: room for an n-byte payload (n >= 1: an empty payload would read as an empty
  // ring), or nullptr if the ring is too full right now. Only n <= max_message() is sure to
  // fit once the consumer catches up; larger payloads go out of line (transfer.hpp).
  char* reserve(size_t n) {
    SCHEDLAB_ASSERT(n > 0, "an empty payload would read as an empty ring");
    const uint64_t total = padded(n);
    uint64_t head = control_->head.load(std::memory_order_relaxed);
    const uint64_t free = cap_ - (head - control_->tail.load(std::memory_order_acquire));
    const uint64_t contiguous = cap_ - head % cap_;
    if (total > contiguous) {
      if (free < contiguous + total) return nullptr;
      write_header(head % cap_, 0, kWrap);
      head += contiguous;
    } else if (free < total) {
      return nullptr;
    }
    reserved_head_ = head;
    reserved_ = n;
    write_header(head % cap_, static_cast<uint32_t>(n), kMessage);
    return data_ + head % cap_ + 8;
  }
  // Producer: makes the reserved message visible to the consumer.
  void commit() {
    control_->head.store(reserved_head_ + padded(reserved_), std::memory_order_release);
  }

  // Consumer: the next message, or an empty span.
  std::span<const char> peek() {
    uint64_t tail = control_->tail.load(std::memory_order_relaxed);
    for (;;) {
      if (tail == control_->head.load(std::memory_order_acquire)) return {};
      uint32_t len, kind;
      std::memcpy(&len, data_ + tail % cap_, 4);
      std::memcpy(&kind, data_ + tail % cap_ + 4, 4);
      if (kind == kWrap) {
        tail += cap_ - tail % cap_;
        control_->tail.store(tail, std::memory_order_release);
        continue;
      }
      peeked_ = padded(len);
      return {data_ + tail % cap_ + 8, len};
    }
  }
  // Consumer: done with the message peek() returned.
  void pop() {
    control_->tail.store(control_->tail.load(std::memory_order_relaxed) + peeked_,
                         std::memory_order_release);
  }
  bool empty() const {
    return control_->tail.load(std::memory_order_relaxed) ==
           control_->head.load(std::memory_order_acquire);
  }

 private:
  static uint64_t padded(size_t n) { return (8 + n + 7) & ~uint64_t{7}; }
  void write_header(uint64_t pos, uint32_t len, uint32_t kind) {
    std::memcpy(data_ + pos, &len, 4);
    std::memcpy(data_ + pos + 4, &kind, 4);
  }

  RingControl* control_ = nullptr;
  char* data_ = nullptr;
  uint64_t cap_ = 0;
  uint64_t reserved_head_ = 0, reserved_ = 0, peeked_ = 0;
};

}  // namespace schedlab::processes
