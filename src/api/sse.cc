#include "api/sse.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace aiinfra::api {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

std::string EncodeSse(std::string_view data, std::string_view event, std::string_view id) {
  assert(event.find_first_of("\r\n") == std::string_view::npos);
  assert(id.find_first_of("\r\n") == std::string_view::npos);
  std::string out;
  out.reserve(data.size() + event.size() + id.size() + 24);
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  if (!id.empty()) out.append("id: ").append(id).append("\n");
  // Every line of the data gets its own field; a parser joins them back with '\n'.
  size_t start = 0;
  while (true) {
    const size_t end = data.find_first_of("\r\n", start);
    out.append("data: ").append(data.substr(start, end - start)).append("\n");
    if (end == std::string_view::npos) break;
    start = end + (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1);
  }
  out.append("\n");
  return out;
}

Status SseParser::Feed(std::string_view bytes,
                       const std::function<void(const SseEvent&)>& on_event) {
  const auto too_big = [&] {
    failed_ = true;
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("server-sent event larger than {} bytes", max_bytes_));
  };
  if (failed_) return too_big();
  if (!started_) {
    // The stream may begin with a byte-order mark, possibly split across reads.
    bom_.append(bytes);
    const size_t n = std::min(bom_.size(), kBom.size());
    if (bom_.compare(0, n, kBom.substr(0, n)) == 0 && bom_.size() < kBom.size()) return {};
    started_ = true;
    const std::string rest = bom_.starts_with(kBom) ? bom_.substr(kBom.size()) : bom_;
    bom_.clear();
    return Feed(rest, on_event);
  }
  size_t i = 0;
  while (i < bytes.size()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes[i] == '\n') {  // the LF of a CRLF whose CR ended the line
        ++i;
        continue;
      }
    }
    const size_t end = bytes.find_first_of("\r\n", i);
    const std::string_view piece = bytes.substr(i, end == std::string_view::npos ? end : end - i);
    if (line_.size() + piece.size() > max_bytes_) return too_big();
    if (end == std::string_view::npos) {
      line_.append(piece);
      break;
    }
    if (line_.empty()) {
      Line(piece, on_event);
    } else {
      line_.append(piece);
      Line(line_, on_event);
      line_.clear();
    }
    after_cr_ = bytes[end] == '\r';
    i = end + 1;
    if (data_.size() > max_bytes_) return too_big();
  }
  return {};
}

void SseParser::Line(std::string_view line, const std::function<void(const SseEvent&)>& on_event) {
  if (line.empty()) {
    // Dispatch: an event with no data line at all is dropped; "data:" alone is an empty event.
    if (has_data_) {
      SseEvent e;
      e.event = event_;
      e.data = data_.substr(0, data_.size() - 1);  // without the last line's '\n'
      e.id = last_id_;
      e.retry = retry_;
      on_event(e);
    }
    data_.clear();
    has_data_ = false;
    event_.clear();
    retry_.reset();
    return;
  }
  if (line.front() == ':') return;  // a comment (servers send them to keep connections open)
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    data_.append(value).push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    event_ = value;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_ = value;
  } else if (field == "retry") {
    const bool digits =
        !value.empty() && value.size() <= 15 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) retry_ = std::stoll(std::string(value));
  }
}

}  // namespace aiinfra::api
