#include "schedlab/schedulers/distributed/send_queue.hpp"

#include <fmt/format.h>

#include <climits>
#include <mutex>

#include "schedlab/core/errors.hpp"

namespace schedlab::distributed {
namespace {

std::string mpi_error(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  return std::string(text, static_cast<size_t>(len));
}

}  // namespace

SendQueue::~SendQueue() {
  progress();
  if (pending_.empty()) return;
  static std::mutex mutex;
  static std::list<Pending>* kept = new std::list<Pending>();  // never freed, on purpose
  std::lock_guard lock(mutex);
  kept->splice(kept->end(), pending_);
}

void SendQueue::send(MPI_Comm comm, int dest, int tag, std::string bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    throw InfrastructureError(
        fmt::format("a message of {:.2f} GB is too large for MPI (at most 2 GB in one message)",
                    bytes.size() / 1e9));
  }
  Pending& p = pending_.emplace_back();
  p.buffer = std::move(bytes);
  const int rc = MPI_Isend(p.buffer.data(), static_cast<int>(p.buffer.size()), MPI_BYTE, dest, tag,
                           comm, &p.request);
  if (rc != MPI_SUCCESS) {
    pending_.pop_back();
    throw InfrastructureError(fmt::format("cannot send to rank {}: {}", dest, mpi_error(rc)));
  }
}

bool SendQueue::progress() {
  bool any = false;
  for (auto it = pending_.begin(); it != pending_.end();) {
    int done = 0;
    MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    if (done) {
      it = pending_.erase(it);
      any = true;
    } else {
      ++it;
    }
  }
  return any;
}

void receive_probed(MPI_Comm comm, const MPI_Status& status, std::string& into) {
  int n = 0;
  MPI_Get_count(&status, MPI_BYTE, &n);
  if (n == MPI_UNDEFINED || n < 0) {
    throw InfrastructureError(
        fmt::format("a message from rank {} is too large to receive", status.MPI_SOURCE));
  }
  into.resize(static_cast<size_t>(n));
  const int rc = MPI_Recv(into.data(), n, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm,
                          MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) {
    throw InfrastructureError(
        fmt::format("cannot receive from rank {}: {}", status.MPI_SOURCE, mpi_error(rc)));
  }
}

}  // namespace schedlab::distributed
