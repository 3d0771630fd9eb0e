// Sending and receiving whole byte messages over MPI, on both sides of the distributed
// scheduler. Sends never block (a large argument and a large result may cross on the way),
// and a buffer lives until MPI is done with it, even past the queue: a send still in flight
// when its cluster is given up is kept for the life of the process rather than freed under MPI.
#pragma once

#include <mpi.h>

#include <list>
#include <string>

namespace schedlab::distributed {

class SendQueue {
 public:
  SendQueue() = default;
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;
  ~SendQueue();

  // Throws InfrastructureError when MPI refuses (e.g. a message of 2 GB or more).
  void send(MPI_Comm comm, int dest, int tag, std::string bytes);
  // Completes what MPI has finished with; true if anything did.
  bool progress();
  bool empty() const { return pending_.empty(); }

 private:
  struct Pending {
    MPI_Request request = MPI_REQUEST_NULL;
    std::string buffer;
  };
  std::list<Pending> pending_;  // a list: the buffers must never move
};

// Receives the message `status` describes (from MPI_Iprobe) into `into`.
void receive_probed(MPI_Comm comm, const MPI_Status& status, std::string& into);

}  // namespace schedlab::distributed
