#include "api/ndjson.h"

#include <fmt/format.h>

#include <algorithm>

namespace aiinfra::api {

std::string EncodeNdjson(const nlohmann::json& value) { return value.dump() + "\n"; }

Status NdjsonParser::Feed(std::string_view bytes, const Callback& on_value) {
  if (failed_) return Fail(ErrorCode::kInvalidInput, "the NDJSON stream already failed");
  size_t i = 0;
  while (i < bytes.size()) {
    const size_t end = bytes.find('\n', i);
    const std::string_view piece = bytes.substr(i, end == std::string_view::npos ? end : end - i);
    if (line_.size() + piece.size() > max_bytes_) {
      failed_ = true;
      return Fail(ErrorCode::kInvalidInput, fmt::format("NDJSON line {} is longer than {} bytes",
                                                        line_number_ + 1, max_bytes_));
    }
    if (end == std::string_view::npos) {
      line_.append(piece);
      break;
    }
    if (line_.empty()) {
      AIINFRA_CHECK_OK(Line(piece, on_value));
    } else {
      line_.append(piece);
      const std::string line = std::move(line_);
      line_.clear();
      AIINFRA_CHECK_OK(Line(line, on_value));
    }
    i = end + 1;
  }
  return {};
}

Status NdjsonParser::Finish(const Callback& on_value) {
  if (failed_) return Fail(ErrorCode::kInvalidInput, "the NDJSON stream already failed");
  const std::string line = std::move(line_);
  line_.clear();
  return Line(line, on_value);
}

Status NdjsonParser::Line(std::string_view line, const Callback& on_value) {
  ++line_number_;
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return {};
  nlohmann::json value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    failed_ = true;
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("NDJSON line {} is not JSON: {}", line_number_,
                            line.substr(0, std::min<size_t>(line.size(), 80))));
  }
  on_value(std::move(value));
  return {};
}

}  // namespace aiinfra::api
