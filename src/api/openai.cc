#include "api/openai.h"

#include <fmt/format.h>

#include <set>

#include "api/json_fields.h"

namespace aiinfra::api {
namespace {

using nlohmann::json;

Result<SamplingOptions> ParseSampling(JsonFields& f, bool chat) {
  SamplingOptions s;
  constexpr int64_t kMaxTokens = 1'000'000'000;
  AIINFRA_TRY(std::optional<int64_t> max_tokens, f.Integer("max_tokens", 1, kMaxTokens));
  if (chat) {
    AIINFRA_TRY(std::optional<int64_t> newer, f.Integer("max_completion_tokens", 1, kMaxTokens));
    if (newer) max_tokens = newer;
  }
  s.max_tokens = chat ? max_tokens : std::optional<int64_t>(max_tokens.value_or(16));
  AIINFRA_TRY(std::optional<int64_t> min_tokens, f.Integer("min_tokens", 0, kMaxTokens));
  s.min_tokens = min_tokens.value_or(0);
  AIINFRA_TRY(s.ignore_eos, f.Bool("ignore_eos", false));
  AIINFRA_TRY(s.temperature, f.Number("temperature", 1, 0, 2));
  AIINFRA_TRY(s.top_p, f.Number("top_p", 1, 0, 1, /*min_open=*/true));
  AIINFRA_TRY(std::optional<int64_t> top_k, f.Integer("top_k", -1, 1'000'000));
  s.top_k = top_k.value_or(-1);
  AIINFRA_TRY(s.seed, f.Integer("seed", INT64_MIN, INT64_MAX));
  AIINFRA_TRY(std::optional<int64_t> n, f.Integer("n", 1, 1));  // one choice per request
  (void)n;
  if (const json* stop = f.Get("stop")) {
    if (stop->is_string()) {
      s.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array() && stop->size() <= 4) {
      for (const json& x : *stop) {
        if (!x.is_string()) return Fail(WrongType("stop", "a string", x));
        s.stop.push_back(x.get<std::string>());
      }
    } else {
      return Fail(InvalidParam(
          "Invalid 'stop': expected a string or an array of at most 4 strings.", "stop"));
    }
  }
  AIINFRA_TRY(s.stream, f.Bool("stream", false));
  if (const json* options = f.Get("stream_options")) {
    if (!options->is_object()) return Fail(WrongType("stream_options", "an object", *options));
    if (!s.stream) {
      return Fail(
          InvalidParam("The 'stream_options' parameter is only allowed when 'stream' is "
                       "enabled.",
                       "stream_options"));
    }
    JsonFields o(*options, "stream_options.");
    AIINFRA_TRY(s.include_usage, o.Bool("include_usage", false));
    AIINFRA_CHECK_OK(o.Finish());
  }
  return s;
}

// A message's content: a string, or an array of text parts ({"type": "text", "text": ...}).
Result<std::string> Content(const json& v, const std::string& param) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) return Fail(WrongType(param, "a string or an array", v));
  std::string text;
  for (size_t i = 0; i < v.size(); ++i) {
    const json& part = v[i];
    const std::string where = fmt::format("{}[{}]", param, i);
    if (!part.is_object() || !part.contains("type") || part["type"] != "text" ||
        !part.contains("text") || !part["text"].is_string()) {
      return Fail(InvalidParam(fmt::format("Invalid '{}': only text parts ({{\"type\": \"text\", "
                                           "\"text\": ...}}) are supported.",
                                           where),
                               where));
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

Json Header(const ResponseHeader& h, const char* object) {
  return Json{{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model}};
}

}  // namespace

Result<ChatRequest> ParseChatRequest(const nlohmann::json& body) {
  if (!body.is_object()) {
    return Fail(InvalidParam("The request body must be a JSON object.", ""));
  }
  JsonFields f(body);
  ChatRequest r;
  AIINFRA_TRY(r.model, f.String("model", true));
  const json* messages = f.Get("messages");
  if (!messages) return Fail(InvalidParam("Missing required parameter: 'messages'.", "messages"));
  if (!messages->is_array()) return Fail(WrongType("messages", "an array", *messages));
  if (messages->empty()) {
    return Fail(
        InvalidParam("Invalid 'messages': empty array. Expected an array with minimum length "
                     "1, but got an empty array instead.",
                     "messages"));
  }
  static const std::set<std::string> kRoles = {"system", "developer", "user", "assistant", "tool"};
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string where = fmt::format("messages[{}]", i);
    if (!m.is_object()) return Fail(WrongType(where, "an object", m));
    JsonFields mf(m, where + ".");
    ChatMessage message;
    AIINFRA_TRY(message.role, mf.String("role", true));
    if (!kRoles.contains(message.role)) {
      return Fail(InvalidParam(fmt::format("Invalid value: '{}'. Supported values are: 'system', "
                                           "'developer', 'user', 'assistant', and 'tool'.",
                                           message.role),
                               mf.Name("role")));
    }
    if (const json* content = mf.Get("content")) {
      AIINFRA_TRY(message.content, Content(*content, mf.Name("content")));
    } else if (message.role != "assistant") {
      return Fail(InvalidParam(fmt::format("Missing required parameter: '{}'.", mf.Name("content")),
                               mf.Name("content")));
    }
    mf.Ignore({"name", "tool_call_id", "tool_calls"});
    AIINFRA_CHECK_OK(mf.Finish());
    r.messages.push_back(std::move(message));
  }
  AIINFRA_TRY(r.sampling, ParseSampling(f, true));
  AIINFRA_TRY(r.user, f.String("user", false));
  // Accepted and ignored: they do not change what a simulated model generates.
  f.Ignore({"frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "top_logprobs",
            "response_format", "tools", "tool_choice", "parallel_tool_calls", "metadata", "store",
            "service_tier"});
  AIINFRA_CHECK_OK(f.Finish());
  return r;
}

Result<CompletionRequest> ParseCompletionRequest(const nlohmann::json& body) {
  if (!body.is_object()) {
    return Fail(InvalidParam("The request body must be a JSON object.", ""));
  }
  JsonFields f(body);
  CompletionRequest r;
  AIINFRA_TRY(r.model, f.String("model", true));
  const json* prompt = f.Get("prompt");
  if (!prompt) return Fail(InvalidParam("Missing required parameter: 'prompt'.", "prompt"));
  if (prompt->is_string()) {
    r.prompt = prompt->get<std::string>();
  } else if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
    r.prompt = (*prompt)[0].get<std::string>();
  } else {
    return Fail(
        InvalidParam("Invalid 'prompt': expected a string or an array of one string.", "prompt"));
  }
  AIINFRA_TRY(r.echo, f.Bool("echo", false));
  AIINFRA_TRY(r.sampling, ParseSampling(f, false));
  f.Ignore({"user", "suffix", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs",
            "best_of"});
  AIINFRA_CHECK_OK(f.Finish());
  return r;
}

Json UsageJson(const Usage& u) {
  Json j{{"prompt_tokens", u.prompt_tokens},
         {"completion_tokens", u.completion_tokens},
         {"total_tokens", u.prompt_tokens + u.completion_tokens}};
  if (u.cached_tokens > 0) j["prompt_tokens_details"] = Json{{"cached_tokens", u.cached_tokens}};
  return j;
}

Json ChatCompletion(const ResponseHeader& h, const std::string& content,
                    const std::string& finish_reason, const Usage& usage) {
  Json j = Header(h, "chat.completion");
  j["choices"] = Json::array({Json{{"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", content}}},
                                   {"logprobs", nullptr},
                                   {"finish_reason", finish_reason}}});
  j["usage"] = UsageJson(usage);
  return j;
}

Json ChatChunk(const ResponseHeader& h, const std::string& content, bool first,
               const std::optional<std::string>& finish_reason, bool include_usage) {
  Json j = Header(h, "chat.completion.chunk");
  Json delta = Json::object();
  if (first) delta["role"] = "assistant";
  if (!content.empty() || !finish_reason) delta["content"] = content;
  j["choices"] =
      Json::array({Json{{"index", 0},
                        {"delta", delta},
                        {"logprobs", nullptr},
                        {"finish_reason", finish_reason ? Json(*finish_reason) : Json(nullptr)}}});
  if (include_usage) j["usage"] = nullptr;
  return j;
}

Json ChatUsageChunk(const ResponseHeader& h, const Usage& usage) {
  Json j = Header(h, "chat.completion.chunk");
  j["choices"] = Json::array();
  j["usage"] = UsageJson(usage);
  return j;
}

Json Completion(const ResponseHeader& h, const std::string& text, const std::string& finish_reason,
                const Usage& usage) {
  Json j = Header(h, "text_completion");
  j["choices"] = Json::array({Json{
      {"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}});
  j["usage"] = UsageJson(usage);
  return j;
}

Json CompletionChunk(const ResponseHeader& h, const std::string& text,
                     const std::optional<std::string>& finish_reason, bool include_usage) {
  Json j = Header(h, "text_completion");
  j["choices"] =
      Json::array({Json{{"index", 0},
                        {"text", text},
                        {"logprobs", nullptr},
                        {"finish_reason", finish_reason ? Json(*finish_reason) : Json(nullptr)}}});
  if (include_usage) j["usage"] = nullptr;
  return j;
}

Json CompletionUsageChunk(const ResponseHeader& h, const Usage& usage) {
  Json j = Header(h, "text_completion");
  j["choices"] = Json::array();
  j["usage"] = UsageJson(usage);
  return j;
}

Json ModelList(const std::vector<ModelInfo>& models) {
  Json data = Json::array();
  for (const ModelInfo& m : models) {
    data.push_back(
        Json{{"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", m.owned_by}});
  }
  return Json{{"object", "list"}, {"data", data}};
}

Result<ChunkContent> ReadChunk(const nlohmann::json& chunk) {
  if (!chunk.is_object()) return Fail(ErrorCode::kInvalidInput, "a chunk must be a JSON object");
  ChunkContent out;
  if (auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
    Usage u;
    u.prompt_tokens = IntOr(*usage, "prompt_tokens", 0);
    u.completion_tokens = IntOr(*usage, "completion_tokens", 0);
    if (auto details = usage->find("prompt_tokens_details");
        details != usage->end() && details->is_object()) {
      u.cached_tokens = IntOr(*details, "cached_tokens", 0);
    }
    out.usage = u;
  }
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || choices->is_null()) return out;
  if (!choices->is_array()) return Fail(ErrorCode::kInvalidInput, "'choices' must be an array");
  for (const json& c : *choices) {
    if (!c.is_object()) return Fail(ErrorCode::kInvalidInput, "a choice must be an object");
    if (auto delta = c.find("delta"); delta != c.end() && delta->is_object()) {
      if (auto content = delta->find("content"); content != delta->end() && content->is_string()) {
        out.text += content->get<std::string>();
      }
    } else if (auto text = c.find("text"); text != c.end() && text->is_string()) {
      out.text += text->get<std::string>();
    }
    if (auto reason = c.find("finish_reason"); reason != c.end() && reason->is_string()) {
      out.finish_reason = reason->get<std::string>();
    }
  }
  return out;
}

ApiError ToApiError(const Error& error) {
  ApiError a;
  a.message = error.message;
  a.param = error.where.field;
  switch (error.code) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kUsage:
      a.status = 400;
      a.type = "invalid_request_error";
      break;
    case ErrorCode::kNotFound:
      a.status = 404;
      a.type = "invalid_request_error";
      if (a.param == "model") a.code = "model_not_found";
      break;
    case ErrorCode::kNoResult:
      a.status = 503;
      a.type = "server_error";
      break;
    case ErrorCode::kInternal:
      a.status = 500;
      a.type = "server_error";
      break;
  }
  return a;
}

Json ErrorJson(const ApiError& e) {
  return Json{{"error",
               {{"message", e.message},
                {"type", e.type},
                {"param", e.param.empty() ? Json(nullptr) : Json(e.param)},
                {"code", e.code.empty() ? Json(nullptr) : Json(e.code)}}}};
}

}  // namespace aiinfra::api
