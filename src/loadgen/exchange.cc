#include "loadgen/exchange.h"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <tuple>

#include "api/json_fields.h"
#include "api/ndjson.h"
#include "api/ollama.h"
#include "api/openai.h"
#include "api/sse.h"
#include "workload/sampling.h"

namespace aiinfra::loadgen {
namespace {

using nlohmann::json;

double Since(std::chrono::steady_clock::time_point epoch) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch).count();
}

bool IsOllama(ApiKind api) {
  return api == ApiKind::kOllamaChat || api == ApiKind::kOllamaGenerate;
}

// The error type of an error body: OpenAI's error.type, Ollama's "error", else "http".
std::string ErrorType(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (auto e = j.find("error"); e != j.end()) {
      if (e->is_object()) return api::StringOr(*e, "type", "error");
      if (e->is_string()) return "error";
    }
  }
  return "http";
}

// The message of an error body: OpenAI's error.message, Ollama's "error", else the body's start.
std::string ErrorMessage(int status, const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (auto e = j.find("error"); e != j.end()) {
      if (e->is_object())
        return fmt::format("HTTP {}: {}", status, api::StringOr(*e, "message", ""));
      if (e->is_string()) return fmt::format("HTTP {}: {}", status, e->get<std::string>());
    }
  }
  return fmt::format("HTTP {}: {}", status, body.substr(0, 200));
}

json Messages(const ExchangeSpec& s) {
  json messages = json::array();
  for (const Message& m : s.history) {
    messages.push_back(json{{"role", m.role}, {"content", m.content}});
  }
  messages.push_back(json{{"role", "user"}, {"content", s.prompt}});
  return messages;
}

// The prompt APIs have no messages: the conversation is one text, turn after turn.
std::string PromptText(const ExchangeSpec& s) {
  std::string text;
  for (const Message& m : s.history) text += m.content + "\n";
  return text + s.prompt;
}

}  // namespace

Result<ApiKind> ParseApiKind(std::string_view name) {
  if (name == "chat") return ApiKind::kChat;
  if (name == "completions") return ApiKind::kCompletions;
  if (name == "ollama-chat") return ApiKind::kOllamaChat;
  if (name == "ollama-generate") return ApiKind::kOllamaGenerate;
  return Fail(
      ErrorCode::kUsage,
      fmt::format("unknown API '{}': use chat, completions, ollama-chat or ollama-generate", name));
}

std::string_view DefaultPath(ApiKind api) {
  switch (api) {
    case ApiKind::kChat:
      return "/v1/chat/completions";
    case ApiKind::kCompletions:
      return "/v1/completions";
    case ApiKind::kOllamaChat:
      return "/api/chat";
    case ApiKind::kOllamaGenerate:
      return "/api/generate";
  }
  return "/";
}

std::string RequestBody(const ExchangeSpec& s) {
  json j{{"model", s.model}, {"stream", true}};
  switch (s.api) {
    case ApiKind::kChat:
      j["messages"] = Messages(s);
      j["max_tokens"] = s.max_tokens;
      break;
    case ApiKind::kCompletions:
      j["prompt"] = PromptText(s);
      j["max_tokens"] = s.max_tokens;
      break;
    case ApiKind::kOllamaChat:
      j["messages"] = Messages(s);
      j["options"] = json{{"num_predict", s.max_tokens}};
      break;
    case ApiKind::kOllamaGenerate:
      j["prompt"] = PromptText(s);
      j["options"] = json{{"num_predict", s.max_tokens}};
      break;
  }
  if (!IsOllama(s.api)) {
    j["stream_options"] = json{{"include_usage", true}};
    if (s.ignore_eos) j["ignore_eos"] = true;
  }
  return j.dump();
}

std::string SyntheticPrompt(int64_t words, uint64_t seed) {
  // Short, frequent words: one token each in the GPT, Llama and Qwen vocabularies (with the
  // space they carry).
  static constexpr std::array<std::string_view, 32> kWords = {
      "the",  "of",    "and", "to",   "in",  "is",  "that", "for", "it",   "as",   "was",
      "with", "be",    "by",  "on",   "not", "he",  "this", "are", "or",   "his",  "from",
      "at",   "which", "but", "have", "an",  "had", "they", "you", "were", "their"};
  workload::Rng rng(workload::DeriveSeed(seed, 0x70726f6d7074ULL));
  std::string out;
  out.reserve(static_cast<size_t>(words) * 5);
  for (int64_t i = 0; i < words; ++i) {
    if (i) out += ' ';
    out += kWords[rng() % kWords.size()];
  }
  return out;
}

boost::asio::awaitable<void> Exchange(net::HttpConnection& connection, const ExchangeSpec& spec,
                                      std::chrono::steady_clock::time_point epoch,
                                      metrics::RequestRecord& record, ExchangeOutput* output) {
  StartExchange(connection, spec);
  co_await FinishExchange(connection, spec, epoch, record, output);
}

void StartExchange(net::HttpConnection& connection, const ExchangeSpec& spec) {
  std::map<std::string, std::string> headers = spec.headers;
  headers["Content-Type"] = "application/json";
  headers["Accept"] = IsOllama(spec.api) ? "application/x-ndjson" : "text/event-stream";
  const std::string_view path = spec.path.empty() ? DefaultPath(spec.api) : spec.path;
  // A failure stays with the connection: FinishExchange's Response reports it.
  [[maybe_unused]] const Status sent = connection.Send("POST", path, RequestBody(spec), headers);
}

boost::asio::awaitable<void> FinishExchange(net::HttpConnection& connection,
                                            const ExchangeSpec& spec,
                                            std::chrono::steady_clock::time_point epoch,
                                            metrics::RequestRecord& record,
                                            ExchangeOutput* output) {
  api::SseParser sse;
  api::NdjsonParser ndjson;
  std::string error_body;
  int status = 0;
  std::optional<std::string> broken;  // why the stream could not be read
  int64_t prompt_tokens = -1, output_tokens = -1;
  // Each value of the stream: a timed chunk, and the usage when it comes.
  const auto on_value = [&](const json& value, double t) {
    // What either API's chunk says: its text, and the token counts once it gives them.
    std::string text;
    std::optional<std::pair<int64_t, int64_t>> counts;  // prompt, output
    if (IsOllama(spec.api)) {
      auto c = api::ReadOllamaChunk(value);
      if (!c) {
        broken = c.error().message;
        return;
      }
      text = std::move(c->text);
      if (c->done) counts = {c->prompt_eval_count, c->eval_count};
    } else {
      auto c = api::ReadChunk(value);
      if (!c) {
        broken = c.error().message;
        return;
      }
      text = std::move(c->text);
      if (c->usage) counts = {c->usage->prompt_tokens, c->usage->completion_tokens};
    }
    if (!text.empty()) {
      record.AddChunk(t, 1);
      if (output) output->text += text;
    }
    if (counts) std::tie(prompt_tokens, output_tokens) = *counts;
  };
  const auto on_body = [&](std::string_view bytes) {
    const double t = Since(epoch);
    if (status >= 400 || status == 0) {
      error_body.append(bytes.substr(0, 4096 - std::min<size_t>(error_body.size(), 4096)));
      return;
    }
    Status s;
    if (IsOllama(spec.api)) {
      s = ndjson.Feed(bytes, [&](json&& v) { on_value(v, t); });
    } else {
      s = sse.Feed(bytes, [&](const api::SseEvent& e) {
        if (e.data == "[DONE]") return;
        const json v = json::parse(e.data, nullptr, false);
        if (v.is_discarded()) {
          broken = "an event is not JSON: " + e.data.substr(0, 80);
          return;
        }
        on_value(v, t);
      });
    }
    if (!s) broken = s.error().message;
  };

  const std::function<void(std::string_view)> body_fn = [&](std::string_view bytes) {
    on_body(bytes);
  };
  const std::function<void(int)> status_fn = [&](int s) { status = s; };
  auto response = co_await connection.Response(body_fn, status_fn);
  const double t_end = Since(epoch);
  if (!response) {
    record.FinishError(t_end, 0, "connection");
    if (output) output->error = response.error().message;
    co_return;
  }
  if (response->status >= 400) {
    record.FinishError(t_end, static_cast<uint16_t>(response->status), ErrorType(error_body));
    if (output) output->error = ErrorMessage(response->status, error_body);
    co_return;
  }
  if (IsOllama(spec.api) && !broken) {
    const Status s = ndjson.Finish([&](json&& v) { on_value(v, t_end); });
    if (!s) broken = s.error().message;
  }
  if (broken) {
    record.FinishError(t_end, static_cast<uint16_t>(response->status), "malformed_stream");
    if (output) output->error = "malformed stream: " + *broken;
    co_return;
  }
  if (prompt_tokens >= 0) record.n_in = static_cast<uint32_t>(prompt_tokens);
  if (output_tokens >= 0) record.SetOutputTokens(static_cast<uint32_t>(output_tokens));
  record.Finish(metrics::Outcome::kOk, t_end);
}

}  // namespace aiinfra::loadgen
