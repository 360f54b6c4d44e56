// An HTTP/1.1 server on Boost.Asio with C++20 coroutines (Boost.Beast parses and writes the
// messages; it is included in src/net's .cc files only). Issue 6, item 1.
//
// - Binds 127.0.0.1 unless told otherwise; port 0 picks a free port (port() tells which).
// - Keep-alive (HTTP/1.1 default, `Connection: close` honoured); one request at a time per
//   connection, as HTTP/1.1 without pipelining.
// - Limits: header bytes (431 when passed), body bytes (413), and time per phase: reading the
//   header (a slow client gets 408 and the connection closes), reading the body (408), the idle
//   wait for the next request on a kept-alive connection (closed silently), and each write (a
//   client that stops reading is dropped). Malformed requests get 400.
// - Responses are whole (Content-Length) or streamed with chunked transfer encoding (SSE and
//   NDJSON), one chunk per Write; a client that went away makes Write fail, so the handler
//   stops.
// - Shutdown(grace): stops accepting, closes idle connections at once, lets requests in flight
//   (streams included) finish for up to `grace`, then closes what is left. SIGINT/SIGTERM
//   handling belongs to the caller (it owns the io_context): it calls Shutdown.
//
// Threading: everything runs on the io_context given, which the caller runs (one thread is
// enough and is what the tests do). Handlers run on it too and must not block.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: first.
// clang-format off
#include <utility>
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra::net {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // "/v1/chat/completions?x=1"
  std::string path;                            // the target without its query
  std::map<std::string, std::string> headers;  // names lower-cased; repeated ones joined ", "
  std::string body;
  std::string remote;  // "127.0.0.1:54321"
  std::string Header(const std::string& lower_name) const;
};

// What a handler answers with. Either Send once, or Start, Write any number of times, End.
// Each returns an error when the client is gone or too slow; the handler should then return.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual boost::asio::awaitable<Status> Send(int status, std::string_view content_type,
                                              std::string body,
                                              std::map<std::string, std::string> headers = {}) = 0;
  virtual boost::asio::awaitable<Status> Start(int status, std::string_view content_type,
                                               std::map<std::string, std::string> headers = {}) = 0;
  virtual boost::asio::awaitable<Status> Write(std::string_view chunk) = 0;
  virtual boost::asio::awaitable<Status> End() = 0;
  // Whether the response has begun (Send or Start was called).
  virtual bool started() const = 0;
};

// Called for each request. A handler that returns without answering gets a 500 sent for it.
using HttpHandler =
    std::function<boost::asio::awaitable<void>(const HttpRequest&, ResponseWriter&)>;

// The body of an error the server sends itself (malformed, too large or too slow requests, a
// handler that failed), so an API answers every error in its own shape. `path` is the request's
// path when its header was read, else empty.
struct ErrorBody {
  std::string content_type;
  std::string body;
};
using ErrorBodyFn =
    std::function<ErrorBody(int status, std::string_view path, std::string_view message)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};   // between requests on one connection
  std::chrono::milliseconds write_timeout{30'000};  // per write
  size_t max_connections = 20'000;                  // beyond it new connections are closed at once
  ErrorBodyFn error_body;  // unset: "<status> <reason>: <message>" as text/plain
};

// Counters for tests and /metrics.
struct HttpServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_open = 0;
  uint64_t requests = 0;
  uint64_t rejected = 0;  // 4xx the server itself sent (malformed, too large, too slow)
};

class HttpServer {
 public:
  // Binds and listens; kInvalidInput naming the address for one that does not parse, kInternal
  // with the system's reason when the port is taken or binding is not allowed.
  static Result<std::unique_ptr<HttpServer>> Start(boost::asio::io_context& io,
                                                   HttpServerOptions options, HttpHandler handler);
  ~HttpServer();

  uint16_t port() const;
  const HttpServerStats& stats() const;
  // See the file comment. Completes (the io_context has nothing left of this server) once
  // every connection is closed.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// Raises this process's soft limit on open descriptors to its hard limit (each connection
// holds one; the usual soft default of 1024 would cap a server far below max_connections) and
// returns the soft limit now in force.
uint64_t RaiseOpenFileLimit();

// The reason phrase of a status ("Not Found"), for error bodies.
std::string_view StatusReason(int status);

}  // namespace aiinfra::net
