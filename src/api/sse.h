// Server-sent events (the `text/event-stream` format of the WHATWG HTML standard, section
// "Server-sent events", https://html.spec.whatwg.org/multipage/server-sent-events.html), as the
// OpenAI API streams completions: each event is `data: <json>\n\n`, and the stream ends with
// `data: [DONE]\n\n`.
//
// Encoding writes `event:`, `id:` and one `data:` line per line of the data, then a blank line.
// Parsing is incremental (bytes arrive in any split, as from a socket) and follows the
// standard's rules: lines end in CRLF, LF or CR; a leading byte-order mark is skipped; a line
// starting with ':' is a comment; "field: value" loses one space after the colon; several
// `data` lines join with '\n'; a blank line dispatches the event unless its data is empty;
// `id` values containing NUL are ignored; `retry` takes digits only; unknown fields are
// ignored. An event still pending when the stream ends is dropped, as the standard says.
//
// Thread safety: none; one parser per stream.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra::api {

struct SseEvent {
  std::string event;  // the `event` field; empty means "message"
  std::string data;
  std::string id;  // the last event id seen on the stream (it persists across events)
  std::optional<long long> retry;  // a `retry` field in this event, in milliseconds
};

// The bytes of one event. `data` may hold newlines (each becomes its own `data:` line); `event`
// and `id` must not (asserted: they are programmer-chosen).
std::string EncodeSse(std::string_view data, std::string_view event = {}, std::string_view id = {});
// `data: [DONE]\n\n`, the OpenAI end-of-stream marker.
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

class SseParser {
 public:
  // `max_event_bytes` bounds a pending line and a pending event's data (a server that never ends
  // its event cannot make the client buffer without limit).
  explicit SseParser(size_t max_event_bytes = 16 << 20) : max_bytes_(max_event_bytes) {}

  // Consumes `bytes`, calling `on_event` for each event completed by them. kInvalidInput when
  // a line or an event passes the size limit; the parser is then unusable.
  Status Feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event);

 private:
  void Line(std::string_view line, const std::function<void(const SseEvent&)>& on_event);

  size_t max_bytes_;
  std::string line_;       // the incomplete line so far
  bool after_cr_ = false;  // the last byte was CR: a following LF belongs to that line end
  bool started_ = false;   // past the optional byte-order mark
  std::string bom_;        // leading bytes that may still be a BOM
  std::string data_;
  bool has_data_ = false;
  std::string event_;
  std::string last_id_;
  std::optional<long long> retry_;
  bool failed_ = false;
};

}  // namespace aiinfra::api
