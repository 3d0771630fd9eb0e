// The live view: what LiveState gathers from real runs, and the server's answers to good, bad
// and malformed requests (over raw sockets, so that any bytes can be sent).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "schedlab/core/delayed.hpp"
#include "schedlab/core/errors.hpp"
#include "schedlab/live/live_server.hpp"
#include "schedlab/live/live_state.hpp"
#include "schedlab/schedulers/compute.hpp"

namespace schedlab::live {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// inc-0..inc-(n-1), then their sum: n + 1 tasks of two ops.
struct FanIn {
  Graph g;
  std::vector<Delayed> parts;
  Delayed total;
  explicit FanIn(int n) : parts(incs(g, n)), total(call(g, Call{"total"}, "sum", parts)) {}
  static std::vector<Delayed> incs(Graph& g, int n) {
    std::vector<Delayed> out;
    for (int i = 0; i < n; ++i) out.push_back(call(g, Call{fmt::format("inc-{}", i)}, "inc", i));
    return out;
  }
};

nlohmann::json state_of(const LiveState& s) {
  return nlohmann::json::parse(s.state_json());
}

TEST(LiveState, CountsEveryTaskOfARunByOp) {
  LiveState live;
  FanIn f(200);
  compute(f.total, {.scheduler = "threads", .workers = 2, .observers = {&live}});
  const nlohmann::json s = state_of(live);
  EXPECT_EQ(s["run"], 1);
  EXPECT_EQ(s["scheduler"], "threads");
  EXPECT_EQ(s["tasks_total"], 201);
  EXPECT_EQ(s["tasks_done"], 201);
  EXPECT_FALSE(s["running"]);
  EXPECT_FALSE(s["finished"]);
  ASSERT_EQ(s["groups"].size(), 2u);
  EXPECT_EQ(s["groups"][0]["name"], "inc");
  EXPECT_EQ(s["groups"][0]["done"], 200);
  EXPECT_EQ(s["groups"][1]["name"], "sum");
  EXPECT_EQ(s["groups"][1]["total"], 1);
  ASSERT_EQ(s["workers"].size(), 2u);
  EXPECT_TRUE(s["workers"][0]["task"].is_null());  // idle once the run is over
  live.finish("completed");
  EXPECT_TRUE(state_of(live)["finished"]);
  EXPECT_EQ(state_of(live)["outcome"], "completed");
}

TEST(LiveState, BatchesCarryEveryFinishedTaskOnceAndBelongToTheirRun) {
  LiveState live;
  FanIn small(30), other(40);
  compute(small.total, {.scheduler = "threads", .workers = 2, .observers = {&live}});
  compute(other.total, {.scheduler = "sync", .observers = {&live}});
  live.finish("completed");
  std::map<int, std::set<std::string>> keys_by_run;
  uint64_t seq = 0;
  for (auto deadline = Clock::now() + std::chrono::seconds(5); Clock::now() < deadline;) {
    bool finished = false;
    for (const auto& [id, text] : live.batches_after(seq, std::chrono::milliseconds(200))) {
      const nlohmann::json b = nlohmann::json::parse(text);
      EXPECT_EQ(b["seq"], id);
      for (const auto& bar : b["bars"]) {
        EXPECT_TRUE(keys_by_run[b["state"]["run"]].insert(bar[1].get<std::string>()).second)
            << "bar sent twice: " << bar;
      }
      finished = b["state"]["finished"];
    }
    if (finished) break;
  }
  // The page opened late: it sees the second run whole (and no bar of the first in it).
  EXPECT_EQ(keys_by_run[2].size(), 41u);
  EXPECT_TRUE(keys_by_run[2].contains("inc-39"));
}

TEST(LiveState, DescribesSmallGraphsForDrawingAndNotBigOnes) {
  LiveState live;
  FanIn small(5);
  compute(small.total, {.scheduler = "sync", .observers = {&live}});
  const nlohmann::json g = nlohmann::json::parse(live.graph_json());
  ASSERT_TRUE(g["nodes"].is_array());
  EXPECT_EQ(g["nodes"].size(), 6u);
  const nlohmann::json& total = g["nodes"].back();
  EXPECT_EQ(total["key"], "total");
  EXPECT_EQ(total["deps"].size(), 5u);
  EXPECT_TRUE(g["svg"].is_null() || g["svg"].get<std::string>().starts_with("<svg"));

  FanIn big(LiveState::kMaxDrawnTasks + 10);
  compute(big.total, {.scheduler = "sync", .observers = {&live}});
  EXPECT_TRUE(nlohmann::json::parse(live.graph_json())["nodes"].is_null());
}

TEST(LiveState, SaysWhatTheCommandDoes) {
  LiveState live;
  live.cell_started("slow-arithmetic threads w=2", 1, 4, 0, 2);
  live.cell_finished(1, 4, "FAILED: boom", true);
  live.finish("failed: boom");
  const nlohmann::json s = state_of(live);
  EXPECT_EQ(s["cell"], "slow-arithmetic threads w=2");
  EXPECT_EQ(s["cells_done"], 2);
  EXPECT_EQ(s["cells_total"], 4);
  ASSERT_EQ(s["messages"].size(), 2u);
  EXPECT_EQ(s["messages"][0]["kind"], "error");
  EXPECT_THAT(s["messages"][0]["text"].get<std::string>(), HasSubstr("boom"));
  EXPECT_EQ(s["messages"][1]["kind"], "stop");
}

// Whether `response` holds a whole answer: its headers and Content-Length bytes of body, or (an
// event stream, which never ends) its first event.
bool complete(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  if (response.find("text/event-stream") != std::string::npos) {
    return response.find("data: ", end) != std::string::npos;
  }
  const size_t at = response.find("Content-Length: ");
  if (at == std::string::npos || at > end) return true;
  return response.size() >= end + 4 + std::stoul(response.substr(at + 16));
}

// One request over a fresh connection: the raw response, or "" when the server closed it
// without one. Gives up after `patience`.
std::string talk(int port, const std::string& request,
                 std::chrono::milliseconds patience = std::chrono::seconds(3)) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  pollfd p{fd, POLLIN, 0};
  const auto deadline = Clock::now() + patience;
  while (Clock::now() < deadline && poll(&p, 1, 100) >= 0) {
    if (!(p.revents & POLLIN)) continue;
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (complete(out)) break;  // the server may keep the connection open for the next request
  }
  close(fd);
  return out;
}

std::string get(int port, const std::string& path, const std::string& host = "") {
  return talk(port, fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", path,
                                host.empty() ? fmt::format("127.0.0.1:{}", port) : host));
}

TEST(LiveServer, ServesThePageTheStateAndAnEventStreamOnLoopback) {
  LiveState live;
  LiveServer server(live, {});
  EXPECT_THAT(server.url(), StartsWith("http://127.0.0.1:"));
  EXPECT_EQ(server.url().find("token"), std::string::npos);
  const std::string page = get(server.port(), "/");
  EXPECT_THAT(page, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(page, HasSubstr("Content-Security-Policy: default-src 'none'"));
  EXPECT_THAT(page, HasSubstr("<title>schedlab live</title>"));
  const std::string state = get(server.port(), "/api/state");
  EXPECT_THAT(state, StartsWith("HTTP/1.1 200"));
  const nlohmann::json s = nlohmann::json::parse(state.substr(state.find("\r\n\r\n") + 4));
  for (const char* field :
       {"tasks_total", "tasks_done", "cell", "cells_done", "cells_total", "workers", "finished"}) {
    EXPECT_TRUE(s.contains(field)) << field;
  }
  const std::string events = get(server.port(), "/api/events");
  EXPECT_THAT(events, HasSubstr("text/event-stream"));
  EXPECT_THAT(events, HasSubstr("data: {\"seq\":"));
  EXPECT_THAT(get(server.port(), "/nothing"), StartsWith("HTTP/1.1 404"));
}

TEST(LiveServer, ChangesNothingAndRefusesOtherSites) {
  LiveState live;
  LiveServer server(live, {});
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    const std::string r =
        talk(server.port(), fmt::format("{} /api/state HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n"
                                        "Content-Length: 2\r\nConnection: close\r\n\r\n{{}}",
                                        method, server.port()));
    EXPECT_THAT(r, StartsWith("HTTP/1.1 405")) << method;
  }
  // A page of another site reaching 127.0.0.1 through its own name (DNS rebinding).
  EXPECT_THAT(get(server.port(), "/api/state", "evil.example:80"), StartsWith("HTTP/1.1 403"));
}

TEST(LiveServer, ElsewhereEveryRequestNeedsTheToken) {
  LiveState live;
  LiveServer server(live, {.host = "0.0.0.0"});
  const std::string url = server.url();
  const size_t at = url.find("?token=");
  ASSERT_NE(at, std::string::npos) << url;
  const std::string token = url.substr(at + 7);
  EXPECT_EQ(token.size(), 32u);
  EXPECT_THAT(get(server.port(), "/api/state"), StartsWith("HTTP/1.1 403"));
  EXPECT_THAT(get(server.port(), "/api/state?token=" + std::string(32, '0')),
              StartsWith("HTTP/1.1 403"));
  EXPECT_THAT(get(server.port(), "/api/state?token=" + token), StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(get(server.port(), "/?token=" + token), StartsWith("HTTP/1.1 200"));
}

TEST(LiveServer, APortInUseIsAClearError) {
  LiveState live;
  LiveServer first(live, {});
  try {
    LiveServer second(live, {.port = first.port()});
    FAIL() << "two servers on one port";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr(fmt::format("127.0.0.1:{}", first.port())));
    EXPECT_THAT(e.what(), HasSubstr("--live-port"));
  }
}

TEST(LiveServer, SurvivesMalformedAndStalledRequests) {
  LiveState live;
  LiveServer server(live, {});
  const int port = server.port();
  // A client that connects and says nothing holds one thread until the read timeout, no more.
  std::vector<std::thread> stalled;
  for (int i = 0; i < 3; ++i) {
    stalled.emplace_back(
        [port] { talk(port, "GET / HTTP/1.1\r\nHost: 1", std::chrono::milliseconds(800)); });
  }
  for (const std::string& junk :
       {std::string("\x00\x01\x02garbage\r\n\r\n", 14), std::string("GET\r\n\r\n"),
        std::string("GET / HTTP/9.9\r\n\r\n"),
        "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nX: " + std::string(100000, 'b') + "\r\n\r\n",
        std::string("GET /api/state?token=%zz%%% HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    const std::string r = talk(port, junk);
    EXPECT_THAT(r, ::testing::AnyOf(StartsWith("HTTP/1.1 4"), StartsWith("HTTP/1.1 5"),
                                    ::testing::IsEmpty()))
        << junk.substr(0, 40);
  }
  // Still serving, promptly.
  const auto before = Clock::now();
  EXPECT_THAT(get(port, "/api/state"), StartsWith("HTTP/1.1 200"));
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(2));
  for (std::thread& t : stalled) t.join();
}

}  // namespace
}  // namespace schedlab::live
