#include "net/http_client.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <iterator>
#include <optional>

#include "common/text.h"

namespace aiinfra::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;

Error Failed(std::string_view what, const beast::error_code& ec) {
  return Error{ErrorCode::kInternal, fmt::format("{}: {}", what, ec.message()), {}};
}

}  // namespace

Result<Url> ParseUrl(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidInput, fmt::format("URL '{}': {}", text, why));
  };
  constexpr std::string_view kScheme = "http://";
  if (!text.starts_with(kScheme)) {
    return bad("only http:// URLs are supported (https: put a local proxy in front)");
  }
  std::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  Url url;
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.empty()) return bad("no host");
  if (authority.find('@') != std::string_view::npos)
    return bad("credentials in URLs are not supported");
  size_t colon = authority.rfind(':');
  if (authority.front() == '[') {  // [::1]:8000
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    colon = close + 1 < authority.size() && authority[close + 1] == ':' ? close + 1
                                                                        : std::string_view::npos;
  } else {
    url.host = std::string(authority.substr(0, colon));
  }
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
    url.port = static_cast<uint16_t>(value);
  }
  if (url.host.empty()) return bad("no host");
  return url;
}

struct HttpConnection::Impl {
  Impl(asio::any_io_executor ex, ClientOptions o, std::string host_header)
      : stream(ex), options(o), host(std::move(host_header)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  ClientOptions options;
  std::string host;
  bool reusable = true;
  std::string out;                              // the request being sent (Send), kept until written
  size_t written = 0;                           // bytes of `out` on the wire
  std::optional<Error> send_error;              // Send's failure, for Response to report
  std::chrono::steady_clock::time_point armed;  // when the deadline was last set

  // Sets the deadline io_timeout ahead, unless that was done less than a quarter of it ago:
  // re-arming a timer for each of a stream's reads costs a system call per token, and a
  // deadline between 3/4 and all of io_timeout away is as good a bound on a stalled read.
  void Arm() {
    const auto now = std::chrono::steady_clock::now();
    if (now - armed < options.io_timeout / 4) return;
    stream.expires_after(options.io_timeout);
    armed = now;
  }
};

HttpConnection::HttpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpConnection::~HttpConnection() = default;

bool HttpConnection::reusable() const { return impl_->reusable; }

awaitable<Result<std::unique_ptr<HttpConnection>>> HttpConnection::Connect(
    asio::any_io_executor executor, const std::string& host, uint16_t port, ClientOptions options) {
  auto impl = std::make_unique<Impl>(executor, options, fmt::format("{}:{}", host, port));
  beast::error_code ec;
  impl->stream.expires_after(options.connect_timeout);
  // A numeric address needs no resolver (whose lookups run on a thread of their own: a round
  // trip per connection that a load generator opening hundreds a second cannot afford).
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (!ec) {
    co_await impl->stream.async_connect(tcp::endpoint(address, port),
                                        asio::redirect_error(asio::use_awaitable, ec));
  } else {
    ec = {};
    tcp::resolver resolver(executor);
    const auto endpoints = co_await resolver.async_resolve(
        host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Fail(Failed(fmt::format("cannot resolve {}", host), ec));
    co_await impl->stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) co_return Fail(Failed(fmt::format("cannot connect to {}:{}", host, port), ec));
  impl->armed = {};  // the connect deadline is not the I/O one
  impl->stream.socket().set_option(tcp::no_delay(true), ec);
  co_return std::unique_ptr<HttpConnection>(new HttpConnection(std::move(impl)));
}

awaitable<Result<ClientResponse>> HttpConnection::Request(
    std::string_view method, std::string_view target, std::string_view body,
    const std::map<std::string, std::string>& headers,
    const std::function<void(std::string_view)>& on_body,
    const std::function<void(int)>& on_status) {
  if (Status sent = Send(method, target, body, headers); !sent) co_return Fail(sent.error());
  co_return co_await Response(on_body, on_status);
}

Status HttpConnection::Send(std::string_view method, std::string_view target, std::string_view body,
                            const std::map<std::string, std::string>& headers) {
  Impl& c = *impl_;
  c.out.clear();
  c.written = 0;
  c.send_error.reset();
  const auto fail = [&](Error error) {
    c.send_error = error;
    return Fail(std::move(error));
  };
  if (!c.reusable) return fail(Error{ErrorCode::kInternal, "the connection was closed", {}});
  const auto unsafe = [](std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
  };
  if (unsafe(method) || unsafe(target) || method.empty() || target.empty()) {
    return fail(
        Error{ErrorCode::kInvalidInput, "the request line holds CR, LF or NUL, or is empty", {}});
  }
  bool has_host = false, has_agent = false;
  for (const auto& [name, value] : headers) {
    if (name.empty() || unsafe(name) || unsafe(value) || name.find(':') != std::string::npos) {
      return fail(Error{ErrorCode::kInvalidInput,
                        fmt::format("header '{}': names and values cannot hold CR, LF or NUL, "
                                    "and names need a character and no ':'",
                                    name),
                        {}});
    }
    const std::string lower = ToLowerAscii(name);
    has_host |= lower == "host";
    has_agent |= lower == "user-agent";
  }
  c.reusable = false;  // until this response completes and allows another
  std::string& out = c.out;
  out.reserve(256 + body.size());
  fmt::format_to(std::back_inserter(out), "{} {} HTTP/1.1\r\n", method, target);
  if (!has_host) fmt::format_to(std::back_inserter(out), "Host: {}\r\n", c.host);
  if (!has_agent) out += "User-Agent: aiinfra\r\n";
  for (const auto& [name, value] : headers) {
    const std::string lower = ToLowerAscii(name);
    // The framing is this function's: the body's own length, never chunked.
    if (lower == "content-length" || lower == "transfer-encoding") continue;
    fmt::format_to(std::back_inserter(out), "{}: {}\r\n", name, value);
  }
  if (!body.empty() || (method != "GET" && method != "HEAD")) {
    fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", body.size());
  }
  out += "\r\n";
  out.append(body);
  beast::error_code ec;
  tcp::socket& socket = c.stream.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  if (!ec) c.written = socket.write_some(asio::buffer(out), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec) return fail(Failed("sending the request", ec));
  return {};
}

awaitable<Result<ClientResponse>> HttpConnection::Response(
    const std::function<void(std::string_view)>& on_body,
    const std::function<void(int)>& on_status) {
  Impl& c = *impl_;
  if (c.send_error) co_return Fail(*c.send_error);
  beast::error_code ec;
  if (c.written < c.out.size()) {
    c.Arm();
    co_await asio::async_write(c.stream,
                               asio::buffer(c.out.data() + c.written, c.out.size() - c.written),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Fail(Failed("sending the request", ec));
    c.written = c.out.size();
  }

  http::response_parser<http::buffer_body> parser;
  parser.body_limit(c.options.max_body_bytes);
  c.Arm();
  co_await http::async_read_header(c.stream, c.buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Fail(Failed("reading the response header", ec));
  ClientResponse res;
  res.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    const auto name = field.name_string();
    std::string& value = res.headers[ToLowerAscii(std::string_view(name.data(), name.size()))];
    if (!value.empty()) value += ", ";
    value.append(field.value().data(), field.value().size());
  }
  if (on_status) on_status(res.status);
  // The body in pieces as they arrive: the parser fills a fixed buffer and returns
  // need_buffer when it is full.
  char piece[16 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = piece;
    parser.get().body().size = sizeof piece;
    c.Arm();
    co_await http::async_read_some(c.stream, c.buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return Fail(Failed("reading the response body", ec));
    const size_t n = sizeof piece - parser.get().body().size;
    if (n == 0) continue;
    if (on_body) {
      on_body(std::string_view(piece, n));
    } else {
      res.body.append(piece, n);
    }
  }
  c.reusable = parser.get().keep_alive();
  co_return res;
}

}  // namespace aiinfra::net
