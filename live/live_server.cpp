#include "schedlab/live/live_server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <random>
#include <thread>

#include "schedlab/core/errors.hpp"
#include "schedlab/live/live_page.hpp"

namespace schedlab::live {
namespace {

// Each event stream holds one of the server's threads for as long as its page is open.
constexpr unsigned kThreads = 8;
constexpr int kMaxStreams = 6;     // the rest stay free for the page, /api/state and /api/graph
constexpr size_t kMaxBody = 4096;  // nothing is posted; a body is read and dropped

std::string random_token() {
  std::random_device device;  // getrandom(2)
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", device());
  return token;
}

// Compares in time that does not depend on where the first difference is.
bool same_token(const std::string& given, const std::string& token) {
  if (given.size() != token.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < token.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  return diff == 0;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1";
}

}  // namespace

struct LiveServer::Impl {
  const LiveState& state;
  ServerOptions options;
  std::string token;  // empty on loopback
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> streams{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> listening_ended{false};

  Impl(const LiveState& s, const ServerOptions& o) : state(s), options(o) {}

  // Before any route: only GET and HEAD, the right token, and on loopback a Host header that
  // names loopback (so that a page of another site cannot reach the view by DNS rebinding).
  httplib::Server::HandlerResponse check(const httplib::Request& req, httplib::Response& res) {
    auto refuse = [&](int status, const std::string& why) {
      res.status = status;
      res.set_content(why + "\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    };
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      return refuse(405, "The live view is read-only: GET only");
    }
    if (!token.empty() && !same_token(req.get_param_value("token"), token)) {
      return refuse(403, "A token is needed: use the URL schedlab printed, with ?token=...");
    }
    if (token.empty()) {
      const std::string host = req.get_header_value("Host");
      const std::string p = fmt::format(":{}", port);
      if (host != "127.0.0.1" + p && host != "localhost" + p && host != "[::1]" + p) {
        return refuse(403, "Open the live view at the address schedlab printed");
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }

  void routes() {
    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
      // Everything the page needs is in it: nothing may come from elsewhere.
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                     "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'");
      res.set_content(kLivePage, "text/html; charset=utf-8");
    });
    server.Get("/api/state", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(state.state_json(), "application/json");
    });
    server.Get("/api/graph", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(state.graph_json(), "application/json");
    });
    server.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) {
      if (streams.fetch_add(1) >= kMaxStreams) {
        streams.fetch_sub(1);
        res.status = 503;
        res.set_content("Too many open live views; close one and reload\n", "text/plain");
        return;
      }
      // A page that reconnects says where it was (EventSource sends the last id it saw).
      auto seq = std::make_shared<uint64_t>(0);
      const std::string last_id = req.get_header_value("Last-Event-ID");
      if (!last_id.empty() && last_id.size() < 20 &&
          last_id.find_first_not_of("0123456789") == std::string::npos) {
        *seq = std::stoull(last_id);
      }
      res.set_chunked_content_provider(
          "text/event-stream",
          [this, seq](size_t, httplib::DataSink& sink) {
            const bool closing = stopping.load();
            std::string out;
            for (const auto& [id, batch] : state.batches_after(
                     *seq, closing ? std::chrono::seconds(0) : std::chrono::seconds(1))) {
              out += fmt::format("id: {}\ndata: {}\n\n", id, batch);
            }
            if (out.empty() && !closing) out = ": keep-alive\n\n";
            if (!out.empty() && !sink.write(out.data(), out.size())) return false;
            // Closing: the page gets what is left and a proper end of the stream, not a cut.
            if (closing) sink.done();
            return true;
          },
          [this](bool) { streams.fetch_sub(1); });
    });
  }
};

LiveServer::LiveServer(const LiveState& state, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(state, options)) {
  Impl& s = *impl_;
  // A browser that goes away mid-write must not end schedlab (cpp-httplib sends without
  // MSG_NOSIGNAL); the CLI ignores SIGPIPE already, a program using the library may not.
  struct sigaction old {};
  if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
  if (!is_loopback(options.host)) s.token = random_token();
  s.server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  s.server.set_socket_options([](int sock) {
    // Not cpp-httplib's default, SO_REUSEPORT, with which a second server would share the port
    // silently instead of failing; SO_REUSEADDR only lets a restart take a port in TIME_WAIT.
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // Worker processes and Open MPI's launcher must not inherit the listening socket: the port
    // would stay open after schedlab ends.
    fcntl(sock, F_SETFD, FD_CLOEXEC);
  });
  s.server.set_read_timeout(5, 0);
  s.server.set_write_timeout(5, 0);
  s.server.set_keep_alive_timeout(5);
  s.server.set_payload_max_length(kMaxBody);
  s.server.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                {"Cache-Control", "no-store"},
                                {"Referrer-Policy", "no-referrer"},
                                {"X-Frame-Options", "DENY"}});
  s.server.set_pre_routing_handler(
      [&s](const httplib::Request& req, httplib::Response& res) { return s.check(req, res); });
  s.server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("The live view could not answer this request\n", "text/plain");
      });
  s.routes();
  if (options.port == 0) {
    s.port = s.server.bind_to_any_port(options.host);
  } else if (s.server.bind_to_port(options.host, options.port)) {
    s.port = options.port;
  } else {
    s.port = -1;
  }
  if (s.port <= 0) {
    throw UsageError(fmt::format(
        "live view: cannot listen on {}:{} ({}); choose another port with --live-port, or "
        "leave --live-port out for a free one",
        options.host, options.port,
        options.port ? "the port is in use, or not allowed here"
                     : "no free port, or no such "
                       "address here"));
  }
  s.thread = std::thread([&s] {
    s.server.listen_after_bind();
    s.listening_ended = true;
  });
}

LiveServer::~LiveServer() {
  Impl& s = *impl_;
  s.stopping = true;
  s.state.release_readers();
  // The open streams end themselves (a page whose run ended has closed its own already).
  for (int i = 0; i < 500 && s.streams.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // cpp-httplib's stop() does nothing until the accept loop has begun: a server destroyed at
  // once would otherwise serve forever.
  while (!s.server.is_running() && !s.listening_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  s.server.stop();
  s.thread.join();
}

int LiveServer::port() const {
  return impl_->port;
}

std::string LiveServer::url() const {
  const std::string& host = impl_->options.host;
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return fmt::format("http://{}:{}/{}", shown, impl_->port,
                     impl_->token.empty() ? "" : "?token=" + impl_->token);
}

}  // namespace schedlab::live
