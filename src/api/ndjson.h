// Newline-delimited JSON, as the Ollama API streams its responses (`application/x-ndjson`):
// one JSON value per line. The parser is incremental (bytes arrive in any split); it accepts
// LF or CRLF line ends, skips blank lines, and reports the line number of a value that does
// not parse. A last line without its newline is parsed by Finish().
//
// Thread safety: none; one parser per stream.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra::api {

// `value` on one line (JSON has no raw newlines inside strings) and the newline.
std::string EncodeNdjson(const nlohmann::json& value);

class NdjsonParser {
 public:
  using Callback = std::function<void(nlohmann::json&&)>;
  explicit NdjsonParser(size_t max_line_bytes = 16 << 20) : max_bytes_(max_line_bytes) {}

  // Consumes `bytes`, calling `on_value` for each complete line's value. kInvalidInput naming
  // the line for one that is not JSON or passes the size limit; the parser is then unusable.
  Status Feed(std::string_view bytes, const Callback& on_value);
  // The end of the stream: parses a last line that had no newline.
  Status Finish(const Callback& on_value);

 private:
  Status Line(std::string_view line, const Callback& on_value);

  size_t max_bytes_;
  std::string line_;
  size_t line_number_ = 0;  // of the line being read, from 1
  bool failed_ = false;
};

}  // namespace aiinfra::api
