// The HTTP server and client against each other on loopback, and the server against raw
// sockets for what a well-behaved client would never send.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "net/http_server.h"

namespace aiinfra::net {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using namespace std::string_literals;
using namespace std::string_view_literals;

// How the endless streams ended: the Write that failed.
int g_stream_write_failures = 0;

// A server whose routes the tests use: /echo (the body back), /stream (n chunks, 20 ms apart),
// /slow (answers after 300 ms), /silent (never answers), /forever (a chunk every 10 ms until
// a write fails), /flood (64 KiB chunks as fast as the socket takes them, until one fails).
HttpHandler Routes() {
  return [](const HttpRequest& req, ResponseWriter& w) -> awaitable<void> {
    if (req.path == "/forever" || req.path == "/flood") {
      const bool flood = req.path == "/flood";
      if (!co_await w.Start(200, "text/event-stream"sv)) co_return;
      asio::steady_timer t(co_await asio::this_coro::executor);
      const std::string chunk = flood ? std::string(64 * 1024, 'x') : "data: tick\n\n";
      while (true) {
        if (!flood) {
          t.expires_after(10ms);
          co_await t.async_wait(asio::use_awaitable);
        }
        if (!co_await w.Write(chunk)) {
          ++g_stream_write_failures;
          co_return;
        }
      }
    }
    if (req.path == "/echo") {
      std::map<std::string, std::string> headers{{"X-Seen-Header", req.Header("x-test")}};
      co_await w.Send(200, "text/plain"sv, req.method + " " + req.body, std::move(headers));
    } else if (req.path == "/stream") {
      if (!co_await w.Start(200, "text/event-stream"sv)) co_return;
      asio::steady_timer t(co_await asio::this_coro::executor);
      for (int i = 0; i < 5; ++i) {
        t.expires_after(20ms);
        co_await t.async_wait(asio::use_awaitable);
        if (!co_await w.Write("data: " + std::to_string(i) + "\n\n")) co_return;
      }
      co_await w.End();
    } else if (req.path == "/slow") {
      asio::steady_timer t(co_await asio::this_coro::executor, 300ms);
      co_await t.async_wait(asio::use_awaitable);
      co_await w.Send(200, "text/plain"sv, "done"s);
    } else if (req.path == "/silent") {
      co_return;  // the server answers 500 for it
    } else {
      co_await w.Send(404, "text/plain"sv, "no route"s);
    }
  };
}

// Runs `body` as a coroutine on a fresh io_context with a server, until it returns.
void WithServer(HttpServerOptions options,
                std::function<awaitable<void>(HttpServer&, asio::io_context&)> body) {
  asio::io_context io;
  auto server = HttpServer::Start(io, options, Routes());
  ASSERT_TRUE(server) << server.error().message;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        co_await body(**server, io);
        done = true;
        (*server)->Shutdown(0ms);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run_for(20s);
  EXPECT_TRUE(done) << "the test coroutine did not finish";
}

awaitable<std::unique_ptr<HttpConnection>> Connect(HttpServer& server) {
  auto c = co_await HttpConnection::Connect(co_await asio::this_coro::executor, "127.0.0.1",
                                            server.port());
  EXPECT_TRUE(c) << c.error().message;
  co_return std::move(*c);
}

// Sends raw bytes and returns everything the server sends until it closes (or 5 s pass).
awaitable<std::string> Raw(HttpServer& server, std::string bytes,
                           std::chrono::milliseconds pause_after_send = 0ms) {
  auto ex = co_await asio::this_coro::executor;
  tcp::socket s(ex);
  co_await s.async_connect({asio::ip::make_address("127.0.0.1"), server.port()},
                           asio::use_awaitable);
  co_await asio::async_write(s, asio::buffer(bytes), asio::use_awaitable);
  if (pause_after_send > 0ms) {
    asio::steady_timer t(ex, pause_after_send);
    co_await t.async_wait(asio::use_awaitable);
  }
  std::string out;
  char buf[4096];
  boost::system::error_code ec;
  while (true) {
    const size_t n = co_await s.async_read_some(asio::buffer(buf),
                                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    out.append(buf, n);
  }
  co_return out;
}

TEST(HttpTest, RequestsOnAKeptAliveConnection) {
  WithServer({}, [](HttpServer& server, asio::io_context&) -> awaitable<void> {
    auto c = co_await Connect(server);
    const std::map<std::string, std::string> headers{{"X-Test", "yes"},
                                                     {"Content-Type", "text/plain"}};
    for (int i = 0; i < 3; ++i) {
      auto r = co_await c->Request("POST", "/echo?x=1", "body" + std::to_string(i), headers);
      EXPECT_TRUE(r) << r.error().message;
      if (!r) co_return;
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->body, "POST body" + std::to_string(i));
      EXPECT_EQ(r->headers["x-seen-header"], "yes");
      EXPECT_TRUE(c->reusable());
    }
    EXPECT_EQ(server.stats().connections_accepted, 1u);
    EXPECT_EQ(server.stats().requests, 3u);
    auto missing = co_await c->Request("GET"sv, "/nothing"sv, ""s);
    EXPECT_EQ(missing->status, 404);
    auto silent = co_await c->Request("GET", "/silent", "");
    EXPECT_EQ(silent->status, 500);
    EXPECT_NE(silent->body.find("did not answer"), std::string::npos);
  });
}

TEST(HttpTest, SendWritesNowAndResponseWritesTheRestAndReads) {
  WithServer({}, [](HttpServer& server, asio::io_context&) -> awaitable<void> {
    auto c = co_await Connect(server);
    // Send, then Response: the same answer as Request.
    const std::map<std::string, std::string> headers{{"X-Test", "split"}};
    EXPECT_TRUE(c->Send("POST", "/echo", "now", headers));
    auto small = co_await c->Response();
    EXPECT_TRUE(small) << small.error().message;
    if (!small) co_return;
    EXPECT_EQ(small->body, "POST now");
    EXPECT_EQ(small->headers["x-seen-header"], "split");
    // A body larger than a socket buffer: Send writes what fits, Response the rest.
    const std::string big(3 * 1024 * 1024, 'b');
    EXPECT_TRUE(c->Send("POST", "/echo", big));
    auto large = co_await c->Response();
    EXPECT_TRUE(large) << large.error().message;
    if (!large) co_return;
    EXPECT_EQ(large->body.size(), big.size() + 5);
    EXPECT_EQ(large->body.substr(0, 8), "POST bbb");
    // A header that would inject another is refused before anything is written, and Response
    // reports the same error instead of waiting for an answer that cannot come.
    const std::map<std::string, std::string> injected{{"X-Test", "a\r\nX-Admin: 1"}};
    const Status bad = c->Send("GET", "/echo", "", injected);
    EXPECT_FALSE(bad);
    if (!bad) {
      EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
    }
    auto refused = co_await c->Response();
    EXPECT_FALSE(refused);
    if (!refused) {
      EXPECT_NE(refused.error().message.find("X-Test"), std::string::npos);
    }
    const std::map<std::string, std::string> colon{{"X:Y", "v"}};
    EXPECT_FALSE(c->Send("GET", "/echo", "", colon));
    // Nothing went out, so the connection still serves.
    EXPECT_TRUE(c->reusable());
    auto after = co_await c->Request("GET", "/echo", "");
    EXPECT_TRUE(after) << after.error().message;
    if (after) {
      EXPECT_EQ(after->body, "GET ");
    }
    EXPECT_EQ(server.stats().connections_accepted, 1u);
  });
}

TEST(HttpTest, StreamedChunksArriveAsTheyAreWritten) {
  WithServer({}, [](HttpServer& server, asio::io_context&) -> awaitable<void> {
    auto c = co_await Connect(server);
    std::vector<std::string> pieces;
    std::vector<std::chrono::steady_clock::time_point> times;
    auto r = co_await c->Request("GET", "/stream", "", {}, [&](std::string_view piece) {
      pieces.emplace_back(piece);
      times.push_back(std::chrono::steady_clock::now());
    });
    EXPECT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->headers["transfer-encoding"], "chunked");
    EXPECT_EQ(r->body, "");
    std::string all;
    for (const auto& p : pieces) all += p;
    EXPECT_EQ(all, "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
    // Pieces come 20 ms apart, not all at the end.
    EXPECT_GE(pieces.size(), 5u);
    if (!times.empty()) {
      EXPECT_GE(times.back() - times.front(), 60ms);
    }
    EXPECT_TRUE(c->reusable());
  });
}

TEST(HttpTest, LimitsAnswerWithTheRightStatus) {
  HttpServerOptions o;
  o.max_header_bytes = 1024;
  o.max_body_bytes = 100;
  o.header_timeout = 200ms;
  o.body_timeout = 200ms;
  WithServer(o, [](HttpServer& server, asio::io_context&) -> awaitable<void> {
    const std::string big_header = co_await Raw(
        server, "GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
    EXPECT_TRUE(big_header.starts_with("HTTP/1.1 431")) << big_header;
    const std::string big_body =
        co_await Raw(server, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n" +
                                 std::string(101, 'b'));
    EXPECT_TRUE(big_body.starts_with("HTTP/1.1 413")) << big_body;
    const std::string chunked_big = co_await Raw(
        server,
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "64\r\n" +
            std::string(100, 'c') + "\r\n64\r\n" + std::string(100, 'c') + "\r\n0\r\n\r\n");
    EXPECT_TRUE(chunked_big.starts_with("HTTP/1.1 413")) << chunked_big;
    const std::string garbage = co_await Raw(server, "NOT HTTP AT ALL\r\n\r\n");
    EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400")) << garbage;
    // A client that sends half a header and stalls, and one that stalls in its body.
    const std::string slow_header = co_await Raw(server, "GET /echo HTTP/1.1\r\nHost:");
    EXPECT_TRUE(slow_header.starts_with("HTTP/1.1 408")) << slow_header;
    const std::string slow_body =
        co_await Raw(server, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabc");
    EXPECT_TRUE(slow_body.starts_with("HTTP/1.1 408")) << slow_body;
    EXPECT_EQ(server.stats().rejected, 6u);
    // The server is still fine.
    auto c = co_await Connect(server);
    auto ok = co_await c->Request("POST", "/echo", "fine");
    EXPECT_EQ(ok->body, "POST fine");
  });
}

TEST(HttpTest, ErrorsTheServerSendsItselfTakeTheApisShape) {
  HttpServerOptions o;
  o.max_body_bytes = 10;
  o.error_body = [](int status, std::string_view path, std::string_view message) {
    return ErrorBody{
        "application/json",
        fmt::format("{{\"status\":{},\"path\":\"{}\",\"message\":\"{}\"}}", status, path, message)};
  };
  WithServer(o, [](HttpServer& server, asio::io_context&) -> awaitable<void> {
    const std::string big =
        co_await Raw(server, "POST /v1/x?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n" +
                                 std::string(11, 'b'));
    EXPECT_TRUE(big.starts_with("HTTP/1.1 413")) << big;
    EXPECT_NE(big.find("Content-Type: application/json"), std::string::npos) << big;
    EXPECT_NE(
        big.find(R"({"status":413,"path":"/v1/x","message":"the body is larger than 10 bytes"})"),
        std::string::npos)
        << big;
    const std::string garbage = co_await Raw(server, "NOT HTTP AT ALL\r\n\r\n");
    EXPECT_NE(garbage.find(R"("status":400,"path":"")"), std::string::npos) << garbage;
    auto c = co_await Connect(server);
    auto silent = co_await c->Request("GET", "/silent", "");
    EXPECT_EQ(silent->status, 500);
    EXPECT_EQ(silent->body,
              R"({"status":500,"path":"/silent","message":"the handler did not answer"})");
  });
}

TEST(HttpTest, ShutdownLetsRequestsInFlightFinishAndClosesIdleConnections) {
  WithServer({}, [](HttpServer& server, asio::io_context& io) -> awaitable<void> {
    auto idle = co_await Connect(server);
    auto busy = co_await Connect(server);
    auto ok = co_await idle->Request("GET", "/echo", "");
    EXPECT_EQ(ok->status, 200);
    // A slow request starts, then the server shuts down with a 2 s grace.
    std::optional<Result<ClientResponse>> slow;
    asio::co_spawn(
        io, [&]() -> awaitable<void> { slow = co_await busy->Request("GET", "/slow", ""); },
        asio::detached);
    asio::steady_timer t(io, 50ms);
    co_await t.async_wait(asio::use_awaitable);
    server.Shutdown(2s);
    t.expires_after(500ms);
    co_await t.async_wait(asio::use_awaitable);
    EXPECT_TRUE(slow.has_value());
    if (slow) {
      EXPECT_TRUE(*slow);
      EXPECT_EQ((*slow)->body, "done"s);
      EXPECT_EQ((*slow)->headers["connection"], "close");  // told not to come back
    }
    auto after = co_await idle->Request("GET", "/echo", "");
    EXPECT_FALSE(after);  // the idle connection was closed
    EXPECT_EQ(server.stats().connections_open, 0u);
    auto refused = co_await HttpConnection::Connect(io.get_executor(), "127.0.0.1", server.port());
    EXPECT_FALSE(refused);
  });
}

TEST(HttpTest, TheGraceDeadlineCutsStreamsThatRunLonger) {
  WithServer({}, [](HttpServer& server, asio::io_context& io) -> awaitable<void> {
    auto c = co_await Connect(server);
    std::optional<Result<ClientResponse>> slow;
    asio::co_spawn(
        io, [&]() -> awaitable<void> { slow = co_await c->Request("GET", "/slow", ""); },
        asio::detached);
    asio::steady_timer t(io, 50ms);
    co_await t.async_wait(asio::use_awaitable);
    server.Shutdown(50ms);  // shorter than the 300 ms the request needs
    t.expires_after(500ms);
    co_await t.async_wait(asio::use_awaitable);
    EXPECT_TRUE(slow.has_value());
    if (slow) {
      EXPECT_FALSE(*slow);
    }
  });
}

TEST(HttpTest, AClientThatVanishesOrStopsReadingEndsItsStream) {
  HttpServerOptions o;
  o.write_timeout = 200ms;
  WithServer(o, [](HttpServer& server, asio::io_context& io) -> awaitable<void> {
    g_stream_write_failures = 0;
    {
      // Reads the first chunk of an endless stream, then hangs up.
      tcp::socket s(io);
      co_await s.async_connect({asio::ip::make_address("127.0.0.1"), server.port()},
                               asio::use_awaitable);
      const std::string request = "GET /forever HTTP/1.1\r\nHost: x\r\n\r\n";
      co_await asio::async_write(s, asio::buffer(request), asio::use_awaitable);
      char buf[512];
      co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
    }
    {
      // Asks for a flood and never reads: the socket buffers fill, a write times out.
      tcp::socket s(io);
      co_await s.async_connect({asio::ip::make_address("127.0.0.1"), server.port()},
                               asio::use_awaitable);
      const std::string request = "GET /flood HTTP/1.1\r\nHost: x\r\n\r\n";
      co_await asio::async_write(s, asio::buffer(request), asio::use_awaitable);
      asio::steady_timer t(io, 1500ms);
      co_await t.async_wait(asio::use_awaitable);
      EXPECT_EQ(g_stream_write_failures, 2);
      EXPECT_EQ(server.stats().connections_open, 0u);
    }
  });
}

TEST(HttpTest, BindsLoopbackByDefaultAndNamesBadAddresses) {
  asio::io_context io;
  auto server = HttpServer::Start(io, {}, Routes());
  ASSERT_TRUE(server);
  EXPECT_GT((*server)->port(), 0);
  HttpServerOptions bad;
  bad.address = "localhost:80";
  auto refused = HttpServer::Start(io, bad, Routes());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'localhost:80' is not an IP address"), std::string::npos);
  HttpServerOptions taken;
  taken.port = (*server)->port();
  auto busy = HttpServer::Start(io, taken, Routes());
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().message.find("cannot listen on 127.0.0.1"), std::string::npos);
}

TEST(HttpTest, ParsesUrls) {
  auto u = ParseUrl("http://127.0.0.1:8000/v1/chat/completions?x=1");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8000);
  EXPECT_EQ(u->target, "/v1/chat/completions?x=1");
  auto bare = ParseUrl("http://localhost");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");
  auto v6 = ParseUrl("http://[::1]:11434/api/chat");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 11434);
  for (const char* bad : {"https://x", "http://", "http://x:0", "http://x:99999", "http://x:ab",
                          "http://u:p@x/", "ftp://x"}) {
    auto r = ParseUrl(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace aiinfra::net
