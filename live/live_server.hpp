// The live view's HTTP server: one page (live_page.cpp), /api/state, /api/graph and a stream of
// batches (Server-Sent Events at /api/events), all read-only. It listens on 127.0.0.1 unless
// told otherwise; elsewhere every request must carry the random token printed in the URL, as
// Jupyter's does. Built on cpp-httplib (docs/LIVE.md says why).
#pragma once

#include <memory>
#include <string>

#include "schedlab/live/live_state.hpp"

namespace schedlab::live {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: a free one
};

class LiveServer {
 public:
  // Listens at once (UsageError naming the address when it cannot) and serves on a thread of
  // its own until destroyed.
  LiveServer(const LiveState& state, const ServerOptions& options);
  ~LiveServer();
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  std::string url() const;  // with the token when there is one
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace schedlab::live
