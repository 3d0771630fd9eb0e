// The processes scheduler's channel on its own: the shared-memory ring (order, wrap-around,
// full and empty, messages that cannot fit) and the bell, then both across a fork under load.
#include "schedlab/schedulers/processes/ring.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>
#include <string>
#include <thread>

namespace schedlab::processes {
namespace {

using namespace std::chrono_literals;

// Memory shared with children forked later (MAP_SHARED | MAP_ANONYMOUS: no name to clean up).
class SharedMemory {
 public:
  explicit SharedMemory(size_t size) : size_(size) {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    data_ = static_cast<char*>(p);
  }
  ~SharedMemory() { munmap(data_, size_); }
  char* data() const { return data_; }

 private:
  size_t size_;
  char* data_;
};

bool push(Ring& r, const std::string& m) {
  char* dst = r.reserve(m.size());
  if (!dst) return false;
  std::memcpy(dst, m.data(), m.size());
  r.commit();
  return true;
}

std::string pop(Ring& r) {
  std::span<const char> m = r.peek();
  std::string out(m.data(), m.size());
  if (!m.empty()) r.pop();
  return out;
}

// The message with sequence number i: its length and bytes both follow from i.
std::string message(uint64_t i, size_t longest) {
  std::string m(1 + (i * 7919) % longest, '\0');
  for (size_t k = 0; k < m.size(); ++k) m[k] = static_cast<char>('a' + (i + k) % 26);
  return m;
}

struct RingTest : ::testing::Test {
  static constexpr size_t kCapacity = 256;
  SharedMemory memory{Ring::footprint(kCapacity)};
  Ring ring{memory.data(), kCapacity, /*init=*/true};
};

TEST_F(RingTest, AnEmptyRingHasNothingToPeek) {
  EXPECT_TRUE(ring.empty());
  EXPECT_TRUE(ring.peek().empty());
  EXPECT_EQ(ring.capacity(), kCapacity);
  EXPECT_EQ(ring.max_message(), kCapacity / 2 - 16);
}

TEST_F(RingTest, MessagesComeOutInOrderWithTheirBytes) {
  ASSERT_TRUE(push(ring, "first"));
  ASSERT_TRUE(push(ring, std::string("a\0b", 3)));
  ASSERT_TRUE(push(ring, "x"));
  EXPECT_FALSE(ring.empty());
  EXPECT_EQ(pop(ring), "first");
  EXPECT_EQ(pop(ring), std::string("a\0b", 3));
  EXPECT_EQ(pop(ring), "x");
  EXPECT_TRUE(ring.empty());
}

TEST_F(RingTest, WrapsAroundManyTimesWithoutLosingAByte) {
  // Lengths that do not divide the capacity: messages end at every offset, and some must
  // wrap (a marker fills the end and the message starts again at 0).
  size_t bytes = 0;
  for (uint64_t i = 0; i < 5000; ++i) {
    const std::string m = message(i, ring.max_message());
    ASSERT_TRUE(push(ring, m)) << i;
    ASSERT_EQ(pop(ring), m) << i;
    bytes += m.size();
  }
  EXPECT_GT(bytes, 100 * kCapacity);
  EXPECT_TRUE(ring.empty());
}

TEST_F(RingTest, AFullRingRefusesUntilTheConsumerPops) {
  int pushed = 0;
  while (push(ring, std::string(24, 'f'))) ++pushed;  // 32 bytes each with the header
  EXPECT_EQ(pushed, static_cast<int>(kCapacity / 32));
  EXPECT_FALSE(push(ring, "y"));
  EXPECT_EQ(pop(ring), std::string(24, 'f'));
  EXPECT_TRUE(push(ring, std::string(24, 'g')));
  for (int i = 1; i < pushed; ++i) EXPECT_EQ(pop(ring), std::string(24, 'f'));
  EXPECT_EQ(pop(ring), std::string(24, 'g'));
  EXPECT_TRUE(ring.empty());
}

TEST(Ring, TheLargestMessageFitsAnEmptyRingAtEveryOffsetAndLargerNever) {
  constexpr size_t kCapacity = 256;
  SharedMemory memory(Ring::footprint(kCapacity));
  // The smallest message takes 16 bytes (header and padding), so every offset from 16 on can be
  // reached from a fresh ring; the largest message must fit wherever the ring stands.
  for (size_t offset = 0; offset < kCapacity; offset += 8) {
    if (offset == 8) continue;
    Ring ring(memory.data(), kCapacity, /*init=*/true);
    size_t left = offset;
    if (left % 16 == 8) {
      ASSERT_TRUE(push(ring, std::string(16, 's')));
      left -= 24;
    }
    for (; left > 0; left -= 16) ASSERT_TRUE(push(ring, std::string(8, 's')));
    while (!pop(ring).empty()) {
    }
    ASSERT_TRUE(ring.empty());
    EXPECT_EQ(ring.reserve(kCapacity - 7), nullptr)
        << offset;  // never fits: senders go out of line
    const std::string big(ring.max_message(), 'B');
    ASSERT_TRUE(push(ring, big)) << offset;
    EXPECT_EQ(pop(ring), big) << offset;
  }
}

TEST(Bell, WaitReturnsAtOnceWhenReadyAndAfterTheTimeoutWhenNotRung) {
  Bell bell;
  auto t0 = std::chrono::steady_clock::now();
  bell.wait([] { return true; }, 10'000'000);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  t0 = std::chrono::steady_clock::now();
  bell.wait([] { return false; }, 20'000);  // 20 ms, nobody rings
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 15ms);
  EXPECT_EQ(bell.sleeping.load(), 0u);
}

TEST(Bell, RingWakesASleeperLongBeforeItsTimeout) {
  Bell bell;
  std::atomic<bool> data{false};
  auto sleeper = std::async(std::launch::async, [&] {
    auto t0 = std::chrono::steady_clock::now();
    while (!data.load()) bell.wait([&] { return data.load(); }, 10'000'000);  // 10 s
    return std::chrono::steady_clock::now() - t0;
  });
  std::this_thread::sleep_for(20ms);
  data.store(true);
  bell.ring();
  EXPECT_LT(sleeper.get(), 5s);
}

// A producer process and a consumer process on one ring: the producer rings `has_data` after
// each message, the consumer rings `has_room` after each pop; both sleep on the bells.
TEST(RingAcrossProcesses, ProducerAndConsumerAgreeOnEveryMessage) {
  constexpr size_t kCapacity = 4096;
  constexpr uint64_t kMessages = 200'000;
  struct Shared {
    Bell has_data, has_room;
  };
  constexpr size_t kRingAt = 64;  // the ring's control block is 64-byte aligned
  static_assert(sizeof(Shared) <= kRingAt);
  SharedMemory memory(kRingAt + Ring::footprint(kCapacity));
  auto* shared = new (memory.data()) Shared();
  Ring ring(memory.data() + kRingAt, kCapacity, /*init=*/true);

  pid_t producer = fork();
  ASSERT_GE(producer, 0);
  if (producer == 0) {
    Ring mine(memory.data() + kRingAt, kCapacity, /*init=*/false);
    for (uint64_t i = 0; i < kMessages; ++i) {
      const std::string m = message(i, 300);
      while (!push(mine, m)) shared->has_room.wait([&] { return false; }, 1'000);
      shared->has_data.ring();
    }
    _exit(0);
  }
  uint64_t received = 0, checksum = 0, expected = 0, mismatches = 0;
  for (uint64_t i = 0; i < kMessages; ++i) {
    std::span<const char> m;
    while ((m = ring.peek()).empty()) shared->has_data.wait([&] { return !ring.empty(); }, 1'000);
    const std::string want = message(i, 300);
    mismatches += std::string_view(m.data(), m.size()) != want;
    for (char c : m) checksum = checksum * 131 + static_cast<unsigned char>(c);
    for (char c : want) expected = expected * 131 + static_cast<unsigned char>(c);
    ring.pop();
    shared->has_room.ring();
    ++received;
  }
  int status = 0;
  ASSERT_EQ(waitpid(producer, &status, 0), producer);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(received, kMessages);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(checksum, expected);
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace schedlab::processes
