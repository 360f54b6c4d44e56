#include "api/ollama.h"

#include <fmt/format.h>

#include <cmath>
#include <ctime>

#include "api/json_fields.h"

namespace aiinfra::api {
namespace {

using nlohmann::json;

Result<OllamaOptions> ParseOptions(JsonFields& body) {
  OllamaOptions o;
  const json* v = body.Get("options");
  if (!v) return o;
  if (!v->is_object()) return Fail(WrongType("options", "an object", *v));
  JsonFields f(*v, "options.");
  AIINFRA_TRY(o.num_predict, f.Integer("num_predict", -2, 1'000'000'000));
  if (o.num_predict && *o.num_predict < 0) o.num_predict.reset();  // -1, -2: no limit
  AIINFRA_TRY(o.temperature, f.Number("temperature", o.temperature, 0, 100));
  AIINFRA_TRY(o.top_p, f.Number("top_p", o.top_p, 0, 1));
  AIINFRA_TRY(std::optional<int64_t> top_k, f.Integer("top_k", 0, 1'000'000));
  o.top_k = top_k.value_or(o.top_k);
  AIINFRA_TRY(o.seed, f.Integer("seed", INT64_MIN, INT64_MAX));
  AIINFRA_TRY(o.num_ctx, f.Integer("num_ctx", 1, 1'000'000'000));
  if (const json* stop = f.Get("stop")) {
    if (!stop->is_array()) return Fail(WrongType("options.stop", "an array", *stop));
    for (const json& s : *stop) {
      if (!s.is_string()) return Fail(WrongType("options.stop", "a string", s));
      o.stop.push_back(s.get<std::string>());
    }
  }
  // Runner options Ollama accepts that change nothing in a simulated model.
  f.Ignore({"num_keep", "typical_p", "repeat_last_n", "repeat_penalty", "presence_penalty",
            "frequency_penalty", "min_p", "penalize_newline", "numa", "num_batch", "num_gpu",
            "main_gpu", "use_mmap", "num_thread", "mirostat", "mirostat_tau", "mirostat_eta"});
  AIINFRA_CHECK_OK(f.Finish());
  return o;
}

Status NeedObject(const json& body) {
  if (body.is_object()) return {};
  return Fail(InvalidParam("The request body must be a JSON object.", ""));
}

// What the final object of both endpoints carries.
void AddStats(Json& j, const std::string& done_reason, const OllamaStats& s) {
  const auto ns = [](double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e9)); };
  j["done_reason"] = done_reason;
  j["done"] = true;
  j["total_duration"] = ns(s.total);
  j["load_duration"] = ns(s.load);
  j["prompt_eval_count"] = s.prompt_eval_count;
  j["prompt_eval_duration"] = ns(s.prompt_eval);
  j["eval_count"] = s.eval_count;
  j["eval_duration"] = ns(s.eval);
}

Json Details(const OllamaModel& m) {
  return Json{{"parent_model", ""},
              {"format", "gguf"},
              {"family", m.family},
              {"families", Json::array({m.family})},
              {"parameter_size", m.parameter_size},
              {"quantization_level", m.quantization_level}};
}

Json Listed(const OllamaModel& m) {
  return Json{{"name", m.name}, {"model", m.name},    {"modified_at", Rfc3339Nano(m.modified_at)},
              {"size", m.size}, {"digest", m.digest}, {"details", Details(m)}};
}

}  // namespace

Result<OllamaChatRequest> ParseOllamaChat(const nlohmann::json& body) {
  AIINFRA_CHECK_OK(NeedObject(body));
  JsonFields f(body);
  OllamaChatRequest r;
  AIINFRA_TRY(r.model, f.String("model", true));
  if (const json* messages = f.Get("messages")) {
    if (!messages->is_array()) return Fail(WrongType("messages", "an array", *messages));
    for (size_t i = 0; i < messages->size(); ++i) {
      const json& m = (*messages)[i];
      const std::string where = fmt::format("messages[{}]", i);
      if (!m.is_object()) return Fail(WrongType(where, "an object", m));
      JsonFields mf(m, where + ".");
      ChatMessage message;
      AIINFRA_TRY(message.role, mf.String("role", true));
      if (message.role != "system" && message.role != "user" && message.role != "assistant" &&
          message.role != "tool") {
        return Fail(InvalidParam(fmt::format("Invalid value: '{}'. Supported values are: "
                                             "'system', 'user', 'assistant', and 'tool'.",
                                             message.role),
                                 mf.Name("role")));
      }
      AIINFRA_TRY(message.content, mf.String("content", false));
      mf.Ignore({"images", "tool_calls", "thinking", "tool_name"});
      AIINFRA_CHECK_OK(mf.Finish());
      r.messages.push_back(std::move(message));
    }
  }
  AIINFRA_TRY(r.stream, f.Bool("stream", true));
  AIINFRA_TRY(r.options, ParseOptions(f));
  f.Ignore({"format", "keep_alive", "tools", "think"});
  AIINFRA_CHECK_OK(f.Finish());
  return r;
}

Result<OllamaGenerateRequest> ParseOllamaGenerate(const nlohmann::json& body) {
  AIINFRA_CHECK_OK(NeedObject(body));
  JsonFields f(body);
  OllamaGenerateRequest r;
  AIINFRA_TRY(r.model, f.String("model", true));
  AIINFRA_TRY(r.prompt, f.String("prompt", false));
  AIINFRA_TRY(r.system, f.String("system", false));
  AIINFRA_TRY(r.stream, f.Bool("stream", true));
  AIINFRA_TRY(r.options, ParseOptions(f));
  f.Ignore({"suffix", "images", "format", "template", "context", "raw", "keep_alive", "think"});
  AIINFRA_CHECK_OK(f.Finish());
  return r;
}

std::string Rfc3339Nano(double unix_seconds) {
  const double whole = std::floor(unix_seconds);
  auto nanos = static_cast<int64_t>(std::llround((unix_seconds - whole) * 1e9));
  auto t = static_cast<std::time_t>(whole);
  if (nanos >= 1'000'000'000) {  // rounding reached the next second
    nanos -= 1'000'000'000;
    ++t;
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
}

Json OllamaChatChunk(const std::string& model, double now, const std::string& content) {
  return Json{{"model", model},
              {"created_at", Rfc3339Nano(now)},
              {"message", {{"role", "assistant"}, {"content", content}}},
              {"done", false}};
}

Json OllamaGenerateChunk(const std::string& model, double now, const std::string& response) {
  return Json{
      {"model", model}, {"created_at", Rfc3339Nano(now)}, {"response", response}, {"done", false}};
}

Json OllamaChatDone(const std::string& model, double now, const std::string& content,
                    const std::string& done_reason, const OllamaStats& stats) {
  Json j = OllamaChatChunk(model, now, content);
  AddStats(j, done_reason, stats);
  return j;
}

Json OllamaGenerateDone(const std::string& model, double now, const std::string& response,
                        const std::string& done_reason, const OllamaStats& stats) {
  Json j = OllamaGenerateChunk(model, now, response);
  AddStats(j, done_reason, stats);
  return j;
}

Json OllamaTags(const std::vector<OllamaModel>& models) {
  Json list = Json::array();
  for (const OllamaModel& m : models) list.push_back(Listed(m));
  return Json{{"models", list}};
}

Json OllamaShow(const OllamaModel& m) {
  return Json{{"modelfile", "FROM " + m.name + "\n"},
              {"parameters", ""},
              {"template", "{{ .Prompt }}"},
              {"details", Details(m)},
              {"model_info",
               {{"general.architecture", m.family},
                {"general.parameter_count", m.parameter_count},
                {m.family + ".context_length", m.context_length}}},
              {"capabilities", Json::array({"completion"})},
              {"modified_at", Rfc3339Nano(m.modified_at)}};
}

Json OllamaPs(const std::vector<OllamaModel>& models, double expires_at, int64_t size_vram) {
  Json list = Json::array();
  for (const OllamaModel& m : models) {
    Json j = Listed(m);
    j.erase("modified_at");
    j["expires_at"] = Rfc3339Nano(expires_at);
    j["size_vram"] = size_vram;
    j["context_length"] = m.context_length;
    list.push_back(j);
  }
  return Json{{"models", list}};
}

Result<OllamaChunk> ReadOllamaChunk(const nlohmann::json& chunk) {
  if (!chunk.is_object()) return Fail(ErrorCode::kInvalidInput, "a chunk must be a JSON object");
  if (auto error = chunk.find("error"); error != chunk.end() && error->is_string()) {
    return Fail(ErrorCode::kInvalidInput, "the server reported: " + error->get<std::string>());
  }
  OllamaChunk out;
  if (auto message = chunk.find("message"); message != chunk.end() && message->is_object()) {
    if (auto c = message->find("content"); c != message->end() && c->is_string()) {
      out.text = c->get<std::string>();
    }
  } else if (auto response = chunk.find("response");
             response != chunk.end() && response->is_string()) {
    out.text = response->get<std::string>();
  }
  out.done = BoolOr(chunk, "done", false);
  out.done_reason = StringOr(chunk, "done_reason", "");
  out.prompt_eval_count = IntOr(chunk, "prompt_eval_count", 0);
  out.eval_count = IntOr(chunk, "eval_count", 0);
  return out;
}

Json OllamaErrorJson(const ApiError& error) { return Json{{"error", error.message}}; }

}  // namespace aiinfra::api
