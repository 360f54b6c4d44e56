// The Ollama API's wire types (https://github.com/ollama/ollama/blob/main/docs/api.md):
// /api/chat and /api/generate, streamed as NDJSON by default (`"stream": false` for one
// object), with the final object's statistics (durations in nanoseconds, prompt_eval_count,
// eval_count, done_reason); /api/tags, /api/show and /api/ps; and the error object
// {"error": "message"}. Times are RFC 3339 with nanoseconds, as Ollama writes them.
//
// Requests are validated: a missing or mistyped field is an error naming it; fields Ollama
// knows but a simulated model does not use (format, keep_alive, images, tools, think, ...) are
// accepted; anything else is an error, so a typo does not pass silently.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/openai.h"
#include "common/result.h"

namespace aiinfra::api {

struct OllamaOptions {
  std::optional<int64_t> num_predict;  // -1: until the end of the context (as absent)
  double temperature = 0.8;            // Ollama's defaults
  double top_p = 0.9;
  int64_t top_k = 40;
  std::optional<int64_t> seed;
  std::vector<std::string> stop;
  std::optional<int64_t> num_ctx;
};

struct OllamaChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;  // may be empty (loads the model, as Ollama allows)
  bool stream = true;
  OllamaOptions options;
};

struct OllamaGenerateRequest {
  std::string model;
  std::string prompt;  // may be empty (loads the model)
  std::string system;
  bool stream = true;
  OllamaOptions options;
};

// Errors are kInvalidInput with `where.field` = the field at fault.
Result<OllamaChatRequest> ParseOllamaChat(const nlohmann::json& body);
Result<OllamaGenerateRequest> ParseOllamaGenerate(const nlohmann::json& body);

// What the final object reports; seconds here, nanoseconds on the wire.
struct OllamaStats {
  double total = 0;
  double load = 0;
  int64_t prompt_eval_count = 0;
  double prompt_eval = 0;
  int64_t eval_count = 0;
  double eval = 0;
};

// "2023-08-04T19:22:45.499127000Z" for Unix seconds (a double resolves about 0.2 us today).
std::string Rfc3339Nano(double unix_seconds);

// A streamed piece (done: false).
Json OllamaChatChunk(const std::string& model, double now, const std::string& content);
Json OllamaGenerateChunk(const std::string& model, double now, const std::string& response);
// The last object (done: true) with the statistics; non-streaming responses are this object
// with the whole text. done_reason: "stop" or "length".
Json OllamaChatDone(const std::string& model, double now, const std::string& content,
                    const std::string& done_reason, const OllamaStats& stats);
Json OllamaGenerateDone(const std::string& model, double now, const std::string& response,
                        const std::string& done_reason, const OllamaStats& stats);

// A model as /api/tags, /api/show and /api/ps describe it.
struct OllamaModel {
  std::string name;                // "llama3.1:8b"
  double modified_at = 0;          // Unix seconds
  int64_t size = 0;                // bytes of the weights
  std::string digest;              // hex sha256
  std::string family;              // "llama"
  std::string parameter_size;      // "8.0B"
  std::string quantization_level;  // "Q4_K_M", "F16", "FP8"
  int64_t parameter_count = 0;
  int64_t context_length = 0;
};
Json OllamaTags(const std::vector<OllamaModel>& models);
Json OllamaShow(const OllamaModel& model);
// Loaded models: each with when it unloads and the bytes it holds in accelerator memory.
Json OllamaPs(const std::vector<OllamaModel>& models, double expires_at, int64_t size_vram);

// What a client reads from one streamed object of either endpoint.
struct OllamaChunk {
  std::string text;  // message.content or response
  bool done = false;
  std::string done_reason;
  int64_t prompt_eval_count = 0;
  int64_t eval_count = 0;
};
Result<OllamaChunk> ReadOllamaChunk(const nlohmann::json& chunk);

// {"error": message}: the body of every error on Ollama's routes (status from ToApiError).
Json OllamaErrorJson(const ApiError& error);

}  // namespace aiinfra::api
