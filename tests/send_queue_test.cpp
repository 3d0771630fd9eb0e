// distributed/send_queue: whole messages, sent without blocking, each buffer alive until MPI is
// done with it. Sent to this process itself (MPI_COMM_SELF): no cluster is needed.
#include "schedlab/schedulers/distributed/send_queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "schedlab/schedulers/distributed/runtime.hpp"

namespace schedlab::distributed {
namespace {

constexpr int kTag = 7;

// The next message with kTag, moving the queue along while it waits (a large send to oneself
// completes only once its receive is posted).
std::string next_message(SendQueue& q) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int flag = 0;
    MPI_Status status{};
    MPI_Iprobe(0, kTag, MPI_COMM_SELF, &flag, &status);
    if (flag) {
      std::string into = "left over";
      receive_probed(MPI_COMM_SELF, status, into);
      return into;
    }
    q.progress();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ADD_FAILURE() << "no message within 10 s";
  return {};
}

TEST(SendQueue, MessagesArriveWholeAndInOrderAndTheQueueEmpties) {
  ensure_mpi();
  std::lock_guard lock(mpi_mutex());
  SendQueue q;
  std::string large(8 << 20, 'x');  // past any eager limit: MPI holds the buffer until received
  large[123'456] = 'y';
  q.send(MPI_COMM_SELF, 0, kTag, "hello");
  q.send(MPI_COMM_SELF, 0, kTag, "");
  q.send(MPI_COMM_SELF, 0, kTag, large);
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(next_message(q), "hello");
  EXPECT_EQ(next_message(q), "");
  EXPECT_EQ(next_message(q), large);
  for (int i = 0; i < 10'000 && !q.empty(); ++i) {
    q.progress();
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.progress());  // nothing left to complete
}

}  // namespace
}  // namespace schedlab::distributed
