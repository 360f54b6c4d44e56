// The OpenAI API's wire types that `serve` answers and `bench` sends: chat completions and
// (legacy) completions, streamed or not, with `stream_options.include_usage`; the model list;
// and the error object. Requests are validated as the OpenAI API validates them: a missing or
// mistyped field, a value out of range, or an unknown field is an error that names the field
// (`param`), with OpenAI's wording ("Missing required parameter: 'messages'.", "Invalid type
// for 'max_tokens': expected an integer, but got a string instead.", "Unrecognized request
// argument supplied: foo"). vLLM's `ignore_eos`, `min_tokens` and `top_k` are accepted too.
//
// Shapes: https://platform.openai.com/docs/api-reference/chat (the object `chat.completion`,
// streamed as `chat.completion.chunk` events, the usage-only last chunk with empty `choices`
// when include_usage is set), .../completions (`text_completion`), .../models (`list` of
// `model`), and the error object {"error": {"message", "type", "param", "code"}}.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace aiinfra::api {

using Json = nlohmann::ordered_json;

struct ChatMessage {
  std::string role;     // system, developer, user, assistant or tool
  std::string content;  // text parts joined
};

// What chat completions and completions share.
struct SamplingOptions {
  std::optional<int64_t> max_tokens;  // max_completion_tokens, or the older max_tokens
  int64_t min_tokens = 0;             // vLLM extension
  bool ignore_eos = false;            // vLLM extension: always generate max_tokens
  double temperature = 1;             // [0, 2]
  double top_p = 1;                   // (0, 1]
  int64_t top_k = -1;                 // vLLM extension; -1: off
  std::optional<int64_t> seed;
  std::vector<std::string> stop;  // at most 4
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct ChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;  // at least one
  SamplingOptions sampling;
  std::string user;
};

struct CompletionRequest {
  std::string model;
  std::string prompt;  // a string, or a list of one string
  bool echo = false;
  SamplingOptions sampling;  // max_tokens defaults to 16 here, as OpenAI's
};

// Errors are kInvalidInput with `where.field` = the parameter at fault (empty when none).
Result<ChatRequest> ParseChatRequest(const nlohmann::json& body);
Result<CompletionRequest> ParseCompletionRequest(const nlohmann::json& body);

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens served from the prefix cache
};
Json UsageJson(const Usage& usage);

// Ids and times a response carries in every chunk.
struct ResponseHeader {
  std::string id;       // "chatcmpl-..." or "cmpl-..."
  int64_t created = 0;  // Unix seconds
  std::string model;
};

// finish_reason: "stop" or "length".
Json ChatCompletion(const ResponseHeader& h, const std::string& content,
                    const std::string& finish_reason, const Usage& usage);
// One streamed chunk: the first carries the role, later ones content, the last of the choice a
// finish_reason (content empty). With include_usage every chunk has "usage": null.
Json ChatChunk(const ResponseHeader& h, const std::string& content, bool first,
               const std::optional<std::string>& finish_reason, bool include_usage);
// The usage-only chunk before [DONE] when include_usage is set: "choices": [].
Json ChatUsageChunk(const ResponseHeader& h, const Usage& usage);

Json Completion(const ResponseHeader& h, const std::string& text, const std::string& finish_reason,
                const Usage& usage);
Json CompletionChunk(const ResponseHeader& h, const std::string& text,
                     const std::optional<std::string>& finish_reason, bool include_usage);
Json CompletionUsageChunk(const ResponseHeader& h, const Usage& usage);

struct ModelInfo {
  std::string id;
  int64_t created = 0;
  std::string owned_by = "aiinfra";
};
Json ModelList(const std::vector<ModelInfo>& models);

// What a client reads from a streamed chunk of either kind, tolerant of what servers send
// (`choices` null or missing on the usage chunk, as vLLM does).
struct ChunkContent {
  std::string text;  // delta.content or text
  std::optional<std::string> finish_reason;
  std::optional<Usage> usage;
};
Result<ChunkContent> ReadChunk(const nlohmann::json& chunk);

// An API error as HTTP status and OpenAI error object.
struct ApiError {
  int status = 400;
  std::string type = "invalid_request_error";
  std::string message;
  std::string param;  // empty: null
  std::string code;   // empty: null
};
// The one mapping from Error to HTTP: kInvalidInput and kUsage -> 400 invalid_request_error
// (param from where.field), kNotFound -> 404 (code model_not_found when the field is
// "model"), kNoResult (valid, but nothing can serve it now) -> 503, kInternal -> 500
// server_error.
ApiError ToApiError(const Error& error);
Json ErrorJson(const ApiError& error);

}  // namespace aiinfra::api
