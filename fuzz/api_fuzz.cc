// Fuzz target for src/api: the streaming codecs and the request and chunk readers, on what a
// client or a server could send.
//
// The input goes, as bytes, to the SSE and NDJSON parsers, whole and cut at a point the input's
// first byte chooses (a parser must give the same events however the bytes arrive); and, when
// it is JSON, to every request parser and chunk reader. Checked: no crash or exception; errors
// have a message and the code kInvalidInput; request errors name a parameter unless the body is
// not an object; what SSE re-encodes parses back to the same data; a parsed chat request has
// at least one message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/ndjson.h"
#include "api/ollama.h"
#include "api/openai.h"
#include "api/sse.h"
#include "fuzz_check.h"

namespace {

using aiinfra::ErrorCode;
namespace api = aiinfra::api;

constexpr std::string_view kTarget = "api_fuzz";

std::vector<std::string> SseData(std::string_view input, size_t cut, bool* ok) {
  api::SseParser parser(1 << 16);
  std::vector<std::string> out;
  const auto keep = [&](const api::SseEvent& e) { out.push_back(e.data); };
  for (std::string_view part : {input.substr(0, cut), input.substr(cut)}) {
    if (const aiinfra::Status s = parser.Feed(part, keep); !s) {
      aiinfra::fuzz::CheckError(kTarget, "SseParser::Feed", s.error(), {ErrorCode::kInvalidInput},
                                input);
      *ok = false;
      return out;
    }
  }
  return out;
}

void CheckSse(std::string_view input) {
  const size_t cut = input.empty() ? 0 : static_cast<unsigned char>(input[0]) % (input.size() + 1);
  bool whole_ok = true, split_ok = true;
  const std::vector<std::string> whole = SseData(input, input.size(), &whole_ok);
  const std::vector<std::string> split = SseData(input, cut, &split_ok);
  if (whole_ok && split_ok && whole != split) {
    aiinfra::fuzz::Finding(kTarget, "SSE events depend on where the bytes were cut", input);
  }
  // Each event's data survives encoding and parsing again.
  for (const std::string& data : whole) {
    bool ok = true;
    const std::vector<std::string> again = SseData(api::EncodeSse(data), 0, &ok);
    // The encoder splits lines on CR and LF; the data came from a parser, which joined lines
    // with LF only, so it holds no CR: the round trip is exact.
    if (ok && (again.size() != 1 || again[0] != data)) {
      aiinfra::fuzz::Finding(kTarget, "EncodeSse's output does not parse back to its data",
                             input);
    }
  }
}

void CheckNdjson(std::string_view input) {
  api::NdjsonParser parser(1 << 16);
  const auto ignore = [](nlohmann::json&&) {};
  aiinfra::Status s = parser.Feed(input, ignore);
  if (s) s = parser.Finish(ignore);
  if (!s) {
    aiinfra::fuzz::CheckError(kTarget, "NdjsonParser", s.error(), {ErrorCode::kInvalidInput},
                              input);
  }
}

template <typename R>
void CheckRequest(const char* stage, const R& r, const nlohmann::json& body,
                  std::string_view input) {
  if (r) return;
  aiinfra::fuzz::CheckError(kTarget, stage, r.error(), {ErrorCode::kInvalidInput}, input);
  if (body.is_object() && r.error().where.field.empty()) {
    aiinfra::fuzz::Finding(kTarget, std::string(stage) + ": an error that names no parameter",
                           input);
  }
}

void CheckJson(std::string_view input) {
  const nlohmann::json body = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return;
  const auto chat = api::ParseChatRequest(body);
  CheckRequest("ParseChatRequest", chat, body, input);
  if (chat && chat->messages.empty()) {
    aiinfra::fuzz::Finding(kTarget, "a chat request without messages parsed", input);
  }
  CheckRequest("ParseCompletionRequest", api::ParseCompletionRequest(body), body, input);
  CheckRequest("ParseOllamaChat", api::ParseOllamaChat(body), body, input);
  CheckRequest("ParseOllamaGenerate", api::ParseOllamaGenerate(body), body, input);
  if (auto c = api::ReadChunk(body); !c) {
    aiinfra::fuzz::CheckError(kTarget, "ReadChunk", c.error(), {ErrorCode::kInvalidInput}, input);
  }
  if (auto c = api::ReadOllamaChunk(body); !c) {
    aiinfra::fuzz::CheckError(kTarget, "ReadOllamaChunk", c.error(), {ErrorCode::kInvalidInput},
                              input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckSse(input);
  CheckNdjson(input);
  CheckJson(input);
  return 0;
}
