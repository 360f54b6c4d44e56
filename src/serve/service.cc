#include "serve/service.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "serve/text.h"

namespace aiinfra::serve {

namespace asio = boost::asio;
namespace prom = metrics::prom;
using asio::awaitable;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";

bool OllamaRoute(std::string_view path) { return path.starts_with("/api/"); }

}  // namespace

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

double Service::UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ErrorReply ErrorFor(std::string_view path, const api::ApiError& error) {
  ErrorReply r;
  r.status = error.status;
  r.content_type = std::string(kJson);
  r.body = DumpJson(OllamaRoute(path) ? api::OllamaErrorJson(error) : api::ErrorJson(error));
  return r;
}

Service::Service(TokenEngine& engine, ServiceOptions options)
    : engine_(engine),
      options_(std::move(options)),
      rng_(options_.seed),
      vllm_(registry_, options_.model.id,
            static_cast<std::uint64_t>(std::max<int64_t>(options_.model.max_model_len, 1))) {
  replicas_ = &registry_.AddGauge("aiinfra_replicas",
                                  "Replicas of the served model by phase (starting, ready, "
                                  "draining, restarting after a crash).",
                                  {"model_name", "phase"});
  faults_ = &registry_.AddCounter("aiinfra_injected_faults_total",
                                  "Faults injected by aiinfra serve: errors answered at once.",
                                  {"model_name", "kind"});
  faults_->With({options_.model.id, "error"});
}

net::ErrorBody Service::ServerError(int status, std::string_view path,
                                    std::string_view message) const {
  api::ApiError a;
  a.status = status;
  a.type = status >= 500 ? "server_error" : "invalid_request_error";
  a.message = std::string(message);
  ErrorReply r = ErrorFor(path, a);
  return {std::move(r.content_type), std::move(r.body)};
}

awaitable<void> Service::Reply(net::ResponseWriter& w, std::string_view path, const Error& error) {
  const api::ApiError a = api::ToApiError(error);
  if (a.status < 500) ++counters_.rejected;
  ErrorReply r = ErrorFor(path, a);
  co_await w.Send(r.status, r.content_type, std::move(r.body));
}

std::string Service::Metrics() {
  double running = 0, waiting = static_cast<double>(engine_.queued()), kv = 0;
  int ready = 0;
  std::map<std::string, double> phases = {
      {"starting", 0}, {"ready", 0}, {"draining", 0}, {"restarting", 0}};
  for (const ReplicaState& r : engine_.replicas()) {
    running += static_cast<double>(r.running);
    waiting += static_cast<double>(r.waiting);
    if (r.phase == ReplicaState::Phase::kReady) {
      kv += r.kv_usage;
      ++ready;
    }
    phases[PhaseName(r.phase)] += 1;
  }
  vllm_.SetScheduler(running, waiting, ready ? kv / ready : 0);
  for (const auto& [phase, n] : phases) replicas_->With({options_.model.id, phase}).Set(n);
  return registry_.Render();
}

Status Service::CheckModel(const std::string& model, bool ollama) const {
  const ServedModel& m = options_.model;
  if (model == m.id || std::find(m.aliases.begin(), m.aliases.end(), model) != m.aliases.end()) {
    return {};
  }
  if (ollama) {
    return Fail(Error{ErrorCode::kNotFound,
                      fmt::format("model '{}' not found (this server serves '{}')", model, m.id),
                      {.field = "model"}});
  }
  return Fail(
      Error{ErrorCode::kNotFound,
            fmt::format("The model `{}` does not exist. This server serves `{}`.", model, m.id),
            {.field = "model"}});
}

Result<Service::Job> Service::Parse(Format format, const net::HttpRequest& req) const {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() && (format == Format::kOllamaChat || format == Format::kOllamaGenerate)) {
    return Fail(ErrorCode::kInvalidInput, "invalid JSON in the request body");
  }
  if (body.is_discarded()) {
    return Fail(ErrorCode::kInvalidInput,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
                "but what was sent was not valid JSON.)");
  }
  Job job;
  job.format = format;
  std::string prompt_field = "messages";
  const auto chat_prompt = [&job](const std::vector<api::ChatMessage>& messages) {
    // OpenAI's cookbook count for chat: 3 tokens of framing per message and 3 to prime the
    // answer ("How to count tokens with tiktoken").
    job.prompt_tokens = 3;
    for (const api::ChatMessage& m : messages) {
      job.prompt += m.role + "\n" + m.content + "\n";
      job.prompt_tokens += 3 + ApproxTokenCount(m.content);
    }
  };
  const auto sampling = [&job](const api::SamplingOptions& o) {
    job.max_tokens = o.max_tokens;
    job.min_tokens = o.min_tokens;
    job.ignore_eos = o.ignore_eos;
    job.seed = o.seed;
    job.stream = o.stream;
    job.include_usage = o.include_usage;
  };
  switch (format) {
    case Format::kChat: {
      AIINFRA_TRY(api::ChatRequest r, api::ParseChatRequest(body));
      job.model = r.model;
      chat_prompt(r.messages);
      sampling(r.sampling);
      job.user = r.user;
      break;
    }
    case Format::kCompletion: {
      AIINFRA_TRY(api::CompletionRequest r, api::ParseCompletionRequest(body));
      job.model = r.model;
      job.prompt = r.prompt;
      job.prompt_tokens = std::max<int64_t>(1, ApproxTokenCount(r.prompt));
      sampling(r.sampling);
      job.echo_prompt = r.echo;
      prompt_field = "prompt";
      break;
    }
    case Format::kOllamaChat: {
      AIINFRA_TRY(api::OllamaChatRequest r, api::ParseOllamaChat(body));
      job.model = r.model;
      chat_prompt(r.messages);
      job.max_tokens = r.options.num_predict;
      job.seed = r.options.seed;
      job.stream = r.stream;
      break;
    }
    case Format::kOllamaGenerate: {
      AIINFRA_TRY(api::OllamaGenerateRequest r, api::ParseOllamaGenerate(body));
      job.model = r.model;
      job.prompt = r.system.empty() ? r.prompt : r.system + "\n" + r.prompt;
      job.prompt_tokens = std::max<int64_t>(1, ApproxTokenCount(job.prompt));
      job.max_tokens = r.options.num_predict;
      job.seed = r.options.seed;
      job.stream = r.stream;
      prompt_field = "prompt";
      break;
    }
  }
  const bool ollama = format == Format::kOllamaChat || format == Format::kOllamaGenerate;
  AIINFRA_CHECK_OK(CheckModel(job.model, ollama));
  // vLLM's check and message: the prompt and the answer asked for must fit the context.
  const int64_t limit = options_.model.max_model_len;
  const int64_t asked = job.max_tokens.value_or(1);
  if (job.prompt_tokens + asked > limit) {
    const std::string what = job.max_tokens ? fmt::format("{} tokens", job.prompt_tokens + asked)
                                            : fmt::format("{} tokens", job.prompt_tokens);
    return Fail(Error{
        ErrorCode::kInvalidInput,
        fmt::format("This model's maximum context length is {} tokens. However, you requested {} "
                    "({} in the {}, {} in the completion). Please reduce the length of the {} "
                    "or completion.",
                    limit, what, job.prompt_tokens, prompt_field, job.max_tokens.value_or(0),
                    prompt_field),
        {.field = job.max_tokens && job.prompt_tokens < limit ? "max_tokens" : prompt_field}});
  }
  if (job.min_tokens > limit - job.prompt_tokens) {
    return Fail(
        Error{ErrorCode::kInvalidInput,
              fmt::format("min_tokens is {}, but this model's maximum context length of {} "
                          "tokens leaves room for {} after the {} prompt tokens",
                          job.min_tokens, limit, limit - job.prompt_tokens, job.prompt_tokens),
              {.field = "min_tokens"}});
  }
  return job;
}

std::pair<int64_t, std::string> Service::OutputLength(const Job& job, std::mt19937_64& rng) const {
  const int64_t room = options_.model.max_model_len - job.prompt_tokens;  // >= 1 (Parse)
  int64_t n = 0;
  std::string reason = "stop";
  if (job.ignore_eos && job.max_tokens) {
    n = *job.max_tokens;
    reason = "length";
  } else {
    n = options_.output_lengths.SampleCount(rng);
    if (job.max_tokens && n >= *job.max_tokens) {
      n = *job.max_tokens;
      reason = "length";
    }
  }
  n = std::max(n, job.min_tokens);
  if (n >= room) {
    n = room;
    reason = "length";
  }
  return {std::max<int64_t>(n, 1), reason};
}

awaitable<void> Service::Handle(const net::HttpRequest& req, net::ResponseWriter& w) {
  const std::string& path = req.path;
  std::optional<Format> format;
  if (path == "/v1/chat/completions") format = Format::kChat;
  if (path == "/v1/completions") format = Format::kCompletion;
  if (path == "/api/chat") format = Format::kOllamaChat;
  if (path == "/api/generate") format = Format::kOllamaGenerate;
  if (!format) {
    co_await Info(req, w);
    co_return;
  }
  if (req.method != "POST") {
    ErrorReply r =
        ErrorFor(path, {.status = 405,
                        .type = "invalid_request_error",
                        .message = fmt::format("{} takes POST, not {}", path, req.method)});
    ++counters_.rejected;
    std::map<std::string, std::string> allow;
    allow["Allow"] = "POST";
    co_await w.Send(r.status, r.content_type, std::move(r.body), std::move(allow));
    co_return;
  }
  Result<Job> job = Parse(*format, req);
  if (!job) {
    co_await Reply(w, path, job.error());
    co_return;
  }
  co_await Generate(std::move(*job), w, path);
}

awaitable<void> Service::Info(const net::HttpRequest& req, net::ResponseWriter& w) {
  const std::string& path = req.path;
  const ServedModel& m = options_.model;
  const bool get = req.method == "GET" || req.method == "HEAD";
  std::optional<std::string> body;
  std::string_view type = kJson;
  if (get && path == "/health") {
    body = "";
    type = kText;
  } else if (get && path == "/metrics") {
    body = Metrics();
    type = "text/plain; version=0.0.4; charset=utf-8";
  } else if (get && path == "/v1/models") {
    body = DumpJson(
        api::ModelList({{.id = m.id, .created = static_cast<int64_t>(options_.started_unix)}}));
  } else if (get && path == "/api/tags") {
    body = DumpJson(api::OllamaTags({m.ollama}));
  } else if (get && path == "/api/ps") {
    // Ollama keeps a model loaded 5 minutes after its last use; this one stays.
    body = DumpJson(api::OllamaPs({m.ollama}, UnixNow() + 300, m.size_vram));
  } else if (get && path == "/api/version") {
    body = DumpJson(Json{{"version", options_.version}});
  } else if (get && path == "/") {
    body = "Ollama is running";
    type = kText;
  } else if (req.method == "POST" && path == "/api/show") {
    const nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
    std::string name;
    if (j.is_object()) {
      for (const char* key : {"model", "name"}) {
        if (j.contains(key) && j[key].is_string()) name = j[key].get<std::string>();
      }
    }
    if (name.empty()) {
      Error missing{ErrorCode::kInvalidInput, std::string("model is required")};
      missing.where.field = "model";
      co_await Reply(w, path, missing);
      co_return;
    }
    if (Status ok = CheckModel(name, true); !ok) {
      co_await Reply(w, path, ok.error());
      co_return;
    }
    body = DumpJson(api::OllamaShow(m.ollama));
  }
  if (body) {
    co_await w.Send(200, type, std::move(*body));
    co_return;
  }
  // OpenAI's wording for a route it does not have.
  Error unknown{ErrorCode::kNotFound, fmt::format("Invalid URL ({} {})", req.method, path)};
  co_await Reply(w, path, unknown);
}

}  // namespace aiinfra::serve
