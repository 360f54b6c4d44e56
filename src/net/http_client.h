// An HTTP/1.1 client on Boost.Asio coroutines (Boost.Beast inside): one connection, kept alive
// across requests, whose response body can be taken as it arrives (chunked or not), which is
// what a load generator needs to time each streamed token. Issue 6, item 1.
//
// Every phase has a time limit: connecting (and resolving), and each read or write of a
// request. Only http:// URLs: the endpoints aiinfra measures are local or behind a gateway.
//
// Threading: a connection belongs to the coroutine using it, on one io_context.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: first.
// clang-format off
#include <utility>
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra::net {

struct Url {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
};
// "http://host[:port][/path[?query]]"; kInvalidInput naming the URL and what is wrong.
Result<Url> ParseUrl(std::string_view url);

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // empty when the body went to a callback
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // A read or write that makes no progress for this long (give or take a quarter) fails; a
  // stream may idle long between tokens.
  std::chrono::milliseconds io_timeout{600'000};
  size_t max_body_bytes = 256 * 1024 * 1024;
};

class HttpConnection {
 public:
  // kInternal with the reason when the host cannot be resolved or reached in time.
  static boost::asio::awaitable<Result<std::unique_ptr<HttpConnection>>> Connect(
      boost::asio::any_io_executor executor, const std::string& host, uint16_t port,
      ClientOptions options = {});
  ~HttpConnection();

  // Sends one request and reads its response: Send, then Response. With `on_body`, each piece
  // of the body is passed as it arrives (chunk framing removed) and the response's body stays
  // empty; `on_status` gets the status as soon as the header is read, before any of the body.
  // kInternal when the connection fails or a limit passes; the connection is then unusable.
  boost::asio::awaitable<Result<ClientResponse>> Request(
      std::string_view method, std::string_view target, std::string_view body,
      const std::map<std::string, std::string>& headers = {},
      const std::function<void(std::string_view)>& on_body = {},
      const std::function<void(int)>& on_status = {});

  // The two halves of Request, for a caller that must put a request on the wire at a given
  // moment (a load generator's schedule) without waiting for its turn in the event loop:
  // Send writes the request now, as much of it as the socket takes without blocking (all of
  // it on an idle connection, short of a body larger than the socket's buffer); Response
  // writes any rest, then reads the answer. kInvalidInput for a header name or value holding
  // CR, LF or NUL; kInternal when the connection is not reusable or the write fails, which
  // Response then reports too.
  Status Send(std::string_view method, std::string_view target, std::string_view body,
              const std::map<std::string, std::string>& headers = {});
  boost::asio::awaitable<Result<ClientResponse>> Response(
      const std::function<void(std::string_view)>& on_body = {},
      const std::function<void(int)>& on_status = {});

  // Whether another request may go on this connection (the last response kept it alive).
  bool reusable() const;

 private:
  struct Impl;
  explicit HttpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aiinfra::net
