#include "net/http_server.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>

#include "common/text.h"

namespace aiinfra::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The target without its query ("/v1/models?x=1" -> "/v1/models").
std::string TargetPath(beast::string_view target) {
  const std::string_view t(target.data(), target.size());
  return std::string(t.substr(0, t.find('?')));
}
using asio::awaitable;

Status WriteError(const beast::error_code& ec) {
  return Fail(ErrorCode::kInternal, "the client is gone or too slow: " + ec.message());
}

// One connection's state, as the server sees it for shutdown.
struct Connection {
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for a request, not handling one
  void Close() {
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->socket().close(ignored);
  }
};

class Writer : public ResponseWriter {
 public:
  // `stopping`: when it is set by the time the response starts, the response says
  // `Connection: close`.
  Writer(beast::tcp_stream& stream, bool keep_alive, std::chrono::milliseconds write_timeout,
         const bool* stopping = nullptr)
      : stream_(stream), keep_alive_(keep_alive), timeout_(write_timeout), stopping_(stopping) {}

  awaitable<Status> Send(int status, std::string_view content_type, std::string body,
                         std::map<std::string, std::string> headers) override {
    if (started_) co_return Fail(ErrorCode::kInternal, "the response was already started");
    started_ = done_ = true;
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    Headers(res, content_type, headers);
    res.body() = std::move(body);
    res.prepare_payload();
    beast::error_code ec;
    stream_.expires_after(timeout_);
    co_await http::async_write(stream_, res, asio::redirect_error(asio::use_awaitable, ec));
    co_return Done(ec);
  }

  awaitable<Status> Start(int status, std::string_view content_type,
                          std::map<std::string, std::string> headers) override {
    if (started_) co_return Fail(ErrorCode::kInternal, "the response was already started");
    started_ = streaming_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), 11};
    Headers(res, content_type, headers);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    stream_.expires_after(timeout_);
    co_await http::async_write_header(stream_, sr, asio::redirect_error(asio::use_awaitable, ec));
    co_return Done(ec);
  }

  awaitable<Status> Write(std::string_view chunk) override {
    if (!streaming_ || done_ || failed_) {
      co_return Fail(ErrorCode::kInternal, "no stream to write to");
    }
    if (chunk.empty()) co_return Status{};  // an empty chunk would end the stream
    beast::error_code ec;
    stream_.expires_after(timeout_);
    co_await asio::async_write(stream_, http::make_chunk(asio::buffer(chunk.data(), chunk.size())),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return Done(ec);
  }

  awaitable<Status> End() override {
    if (!streaming_ || done_ || failed_) {
      co_return Fail(ErrorCode::kInternal, "no stream to end");
    }
    done_ = true;
    beast::error_code ec;
    stream_.expires_after(timeout_);
    co_await asio::async_write(stream_, http::make_chunk_last(),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return Done(ec);
  }

  bool started() const override { return started_; }
  bool failed() const { return failed_; }
  bool complete() const { return done_ && !failed_; }
  bool keep_alive() const { return keep_alive_; }

 private:
  template <typename Response>
  void Headers(Response& res, std::string_view content_type,
               const std::map<std::string, std::string>& headers) {
    res.set(http::field::server, "aiinfra");
    if (!content_type.empty()) res.set(http::field::content_type, std::string(content_type));
    for (const auto& [name, value] : headers) res.set(name, value);
    if (stopping_ && *stopping_) keep_alive_ = false;
    res.keep_alive(keep_alive_);
  }
  Status Done(const beast::error_code& ec) {
    if (!ec) return {};
    failed_ = true;
    return WriteError(ec);
  }

  beast::tcp_stream& stream_;
  bool keep_alive_;
  std::chrono::milliseconds timeout_;
  const bool* stopping_;
  bool started_ = false, streaming_ = false, done_ = false, failed_ = false;
};

// A time limit on a read that, unlike beast::tcp_stream's own, leaves the socket open when it
// passes (the read is cancelled), so the server can still answer 408.
class ReadDeadline {
 public:
  ReadDeadline(beast::tcp_stream& stream, std::chrono::milliseconds limit)
      : state_(std::make_shared<State>(stream.get_executor())) {
    stream.expires_never();
    state_->timer.expires_after(limit);
    // The handler may run after this object is gone (the timer fired while the read was
    // finishing): it holds the state, and touches the stream only while the read is pending.
    state_->timer.async_wait([state = state_, &stream](const beast::error_code& ec) {
      if (ec || state->finished) return;
      state->passed = true;
      beast::error_code ignored;
      stream.socket().cancel(ignored);
    });
  }
  ~ReadDeadline() {
    state_->finished = true;
    state_->timer.cancel();
  }
  bool passed() const { return state_->passed; }

 private:
  struct State {
    explicit State(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    bool passed = false;
    bool finished = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

uint64_t RaiseOpenFileLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return static_cast<uint64_t>(r.rlim_cur);
}

std::string_view StatusReason(int status) {
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  return {reason.data(), reason.size()};
}

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, HttpServerOptions o, HttpHandler h)
      : io(io), options(std::move(o)), handler(std::move(h)), acceptor(io), grace_timer(io) {}

  awaitable<void> Listen() {
    auto self = shared_from_this();
    beast::error_code ec;
    // Non-blocking, so a burst of connections is taken in one turn of the loop (below) rather
    // than one per turn, which lets the listen queue overflow under thousands of connects.
    acceptor.non_blocking(true, ec);
    asio::steady_timer backoff(io);
    while (!stopping) {
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopping) break;
        // E.g. too many open files: wait a little rather than spin; the next may succeed.
        backoff.expires_after(std::chrono::milliseconds(10));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      Admit(std::move(socket));
      for (int i = 0; i < 512 && !stopping; ++i) {
        tcp::socket more(io);
        acceptor.accept(more, ec);
        if (ec) break;  // would block: the queue is empty
        Admit(std::move(more));
      }
    }
  }

  void Admit(tcp::socket socket) {
    beast::error_code ec;
    if (connections.size() >= options.max_connections) {
      socket.close(ec);
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    ++stats.connections_accepted;
    asio::co_spawn(io, Session(std::move(socket)), asio::detached);
  }

  // Sends a short error the server produced itself (not the handler), then closes.
  awaitable<void> Reject(beast::tcp_stream& stream, int status, std::string why,
                         std::string path = {}) {
    ++stats.rejected;
    Writer w(stream, /*keep_alive=*/false, options.write_timeout);
    ErrorBody e = ErrorFor(status, path, why);
    co_await w.Send(status, e.content_type, std::move(e.body), {});
  }

  ErrorBody ErrorFor(int status, std::string_view path, std::string_view why) const {
    if (options.error_body) return options.error_body(status, path, why);
    return {"text/plain; charset=utf-8",
            fmt::format("{} {}: {}\n", status, StatusReason(status), why)};
  }

  awaitable<void> Session(tcp::socket socket) {
    auto self = shared_from_this();
    beast::tcp_stream stream(std::move(socket));
    std::string remote;
    {
      beast::error_code ec;
      const auto ep = stream.socket().remote_endpoint(ec);
      if (!ec) remote = fmt::format("{}:{}", ep.address().to_string(), ep.port());
    }
    auto conn = connections.insert(connections.end(), Connection{&stream, true});
    ++stats.connections_open;
    beast::flat_buffer buffer;
    bool first = true;
    while (!stopping) {
      beast::error_code ec;
      // The idle wait for the next request, then the header phase.
      if (!first && buffer.size() == 0) {
        stream.expires_after(options.idle_timeout);
        const size_t n = co_await stream.async_read_some(
            buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;  // closed, idle too long, or shut down: nothing to answer
        buffer.commit(n);
      }
      first = false;
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      parser.body_limit(options.max_body_bytes);
      bool late = false;
      {
        ReadDeadline deadline(stream, options.header_timeout);
        co_await http::async_read_header(stream, buffer, parser,
                                         asio::redirect_error(asio::use_awaitable, ec));
        late = deadline.passed();
      }
      conn->idle = false;
      if (ec) {
        if (late && buffer.size() > 0) {
          co_await Reject(stream, 408, "the request header took too long");
        } else if (ec == http::error::header_limit) {
          co_await Reject(stream, 431, "the request header is too large");
        } else if (ec == http::error::body_limit) {  // its Content-Length says so already
          co_await Reject(stream, 413,
                          fmt::format("the body is larger than {} bytes", options.max_body_bytes),
                          TargetPath(parser.get().target()));
        } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                   ec != beast::error::timeout && ec != asio::error::operation_aborted &&
                   ec != asio::error::connection_reset) {
          co_await Reject(stream, 400, "malformed request: " + ec.message());
        }
        break;
      }
      {
        ReadDeadline deadline(stream, options.body_timeout);
        co_await http::async_read(stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        late = deadline.passed();
      }
      if (ec) {
        const std::string path = TargetPath(parser.get().target());
        if (ec == http::error::body_limit) {
          co_await Reject(stream, 413,
                          fmt::format("the body is larger than {} bytes", options.max_body_bytes),
                          path);
        } else if (late) {
          co_await Reject(stream, 408, "the request body took too long", path);
        } else if (ec != asio::error::operation_aborted && ec != asio::error::eof &&
                   ec != http::error::partial_message) {
          co_await Reject(stream, 400, "malformed request: " + ec.message(), path);
        }
        break;
      }
      ++stats.requests;
      const http::request<http::string_body>& message = parser.get();
      HttpRequest req;
      req.method = std::string(message.method_string());
      req.target = std::string(message.target());
      req.path = TargetPath(message.target());
      for (const auto& field : message) {
        const auto name = field.name_string();
        std::string& value = req.headers[ToLowerAscii(std::string_view(name.data(), name.size()))];
        if (!value.empty()) value += ", ";
        value.append(field.value().data(), field.value().size());
      }
      req.body = message.body();
      req.remote = remote;
      Writer writer(stream, message.keep_alive(), options.write_timeout, &stopping);
      std::string failure = "the handler did not answer";
      try {
        co_await handler(req, writer);
      } catch (const std::exception& e) {
        failure = std::string("internal error: ") + e.what();  // (no co_await inside catch)
      }
      if (!writer.started()) {
        ErrorBody e = ErrorFor(500, req.path, failure);
        co_await writer.Send(500, e.content_type, std::move(e.body), {});
      }
      if (!writer.complete() || !writer.keep_alive()) break;
      conn->idle = true;
    }
    // Lingering close: after our last byte, read and drop what the client still sends (the
    // rest of a body we refused) for a moment, so that closing does not reset the connection
    // and destroy the answer before the client reads it.
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (stream.socket().is_open() && !stopping) {
      stream.expires_after(std::chrono::milliseconds(500));
      char sink[4096];
      for (size_t drained = 0; drained < options.max_body_bytes;) {
        beast::error_code ec;
        drained += co_await stream.async_read_some(asio::buffer(sink),
                                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
    }
    stream.socket().close(ignored);
    connections.erase(conn);
    --stats.connections_open;
    if (stopping && connections.empty()) grace_timer.cancel();  // nothing left to wait for
  }

  void Shutdown(std::chrono::milliseconds grace) {
    if (stopping) return;
    stopping = true;
    beast::error_code ignored;
    acceptor.close(ignored);
    for (Connection& c : connections) {
      if (c.idle) c.Close();
    }
    if (connections.empty()) return;
    grace_timer.expires_after(grace);
    grace_timer.async_wait([self = shared_from_this()](const beast::error_code&) {
      for (Connection& c : self->connections) c.Close();
    });
  }

  asio::io_context& io;
  HttpServerOptions options;
  HttpHandler handler;
  tcp::acceptor acceptor;
  asio::steady_timer grace_timer;
  std::list<Connection> connections;
  HttpServerStats stats;
  uint16_t bound_port = 0;
  bool stopping = false;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(asio::io_context& io,
                                                      HttpServerOptions options,
                                                      HttpHandler handler) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("'{}' is not an IP address: give one such as 127.0.0.1 or ::1",
                            options.address));
  }
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(handler));
  const tcp::endpoint endpoint(address, impl->options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(ErrorCode::kInternal,
                fmt::format("cannot listen on {}:{}: {}", impl->options.address, impl->options.port,
                            ec.message()));
  }
  impl->bound_port = impl->acceptor.local_endpoint(ec).port();
  asio::co_spawn(io, impl->Listen(), asio::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { impl_->Shutdown(std::chrono::milliseconds(0)); }

uint16_t HttpServer::port() const { return impl_->bound_port; }

const HttpServerStats& HttpServer::stats() const { return impl_->stats; }

void HttpServer::Shutdown(std::chrono::milliseconds grace) { impl_->Shutdown(grace); }

}  // namespace aiinfra::net
