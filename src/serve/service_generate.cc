// Service::Generate: one generation request through the engine to the client, streamed (SSE or
// NDJSON) or whole, and its record into vLLM's metrics.
#include <fmt/format.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "api/ndjson.h"
#include "api/sse.h"
#include "serve/service.h"
#include "serve/text.h"
#include "workload/sampling.h"

namespace aiinfra::serve {

namespace asio = boost::asio;
using asio::awaitable;
using Json = nlohmann::ordered_json;

namespace {

// The stream of a request's own "seed": the same seed gives the same text whatever the
// server's --seed.
constexpr uint64_t kRequestSeedStream = 0x72657175657374ULL;  // "request"

// Appends `s` as the inside of a JSON string (quotes, backslashes and control characters
// escaped; UTF-8 passed through, as the chunk's own encoder writes it).
void AppendEscaped(std::string& out, std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += ch;
    }
  }
}

// A streamed chunk's text around its content, so that each token costs an escape and two
// appends rather than building a JSON document: the chunk rendered once with a marker as its
// content, split at the marker.
struct ChunkTemplate {
  std::string before, after;
  static ChunkTemplate From(const Json& chunk_with_marker) {
    const std::string text = "data: " + DumpJson(chunk_with_marker) + "\n\n";
    const size_t at = text.find("\\u0001");
    return {text.substr(0, at), text.substr(at + 6)};
  }
  void Append(std::string& out, std::string_view content) const {
    out += before;
    AppendEscaped(out, content);
    out += after;
  }
};

}  // namespace

// What the engine's callbacks and the request's coroutine share.
struct Service::Flow {
  Flow(asio::any_io_executor ex, TextSource source)
      : wake(std::move(ex)), text(std::move(source)) {}
  asio::steady_timer wake;  // cancelled to wake the coroutine
  TextSource text;
  std::vector<std::string> pending;  // tokens' text not yet written
  std::string answer;                // all of it (whole responses)
  metrics::RequestRecord record;
  int64_t prompt_tokens = 0;
  std::string finish_reason;
  bool done = false, timed_out = false;
  Ending ending = Ending::kFinished;
  double t_end = 0, t_sched = -1, t_first = -1, arrival = 0;
  int64_t generated = 0, cached = 0;
};

void Service::Observe(const Flow& flow, Ending ending) {
  metrics::RequestRecord r = flow.record;
  r.n_in = static_cast<uint32_t>(flow.prompt_tokens);
  r.n_cached = static_cast<uint32_t>(flow.cached);
  if (flow.t_sched >= 0) r.t_sched = flow.t_sched;
  std::string reason = flow.finish_reason;
  if (ending == Ending::kFinished) {
    r.Finish(metrics::Outcome::kOk, flow.t_end);
    ++counters_.finished;
  } else if (ending == Ending::kCancelled) {
    r.Finish(flow.timed_out ? metrics::Outcome::kTimeout : metrics::Outcome::kCancelled,
             flow.t_end);
    ++(flow.timed_out ? counters_.failed : counters_.cancelled);
  } else {
    r.FinishError(flow.t_end, 500, "server_error");
    ++counters_.failed;
  }
  vllm_.ObserveFinished(r, reason);
}

awaitable<void> Service::Generate(Job job, net::ResponseWriter& w, std::string path) {
  const auto ex = co_await asio::this_coro::executor;
  if (options_.error_rate > 0 &&
      std::uniform_real_distribution<double>(0, 1)(rng_) < options_.error_rate) {
    ++counters_.injected_errors;
    faults_->With({options_.model.id, "error"}).Inc();
    const Error injected{ErrorCode::kInternal,
                         std::string("injected fault: this request failed on purpose "
                                     "(aiinfra serve --error-rate)")};
    co_await Reply(w, path, injected);
    co_return;
  }
  ++counters_.generations;
  const uint64_t id = next_id_++;
  const uint64_t seed =
      job.seed ? workload::DeriveSeed(static_cast<uint64_t>(*job.seed), kRequestSeedStream)
               : workload::DeriveSeed(options_.seed, id);
  std::mt19937_64 rng(seed);
  const auto [n_out, finish_reason] = OutputLength(job, rng);
  auto flow = std::make_shared<Flow>(
      ex, options_.echo ? TextSource::Echo(job.prompt, seed) : TextSource(seed));
  flow->prompt_tokens = job.prompt_tokens;
  flow->finish_reason = finish_reason;
  flow->arrival = engine_.Now();
  flow->record = metrics::RequestRecord(flow->arrival);

  auto seq = std::make_unique<sim::Sequence>();
  seq->id = id;
  seq->n_in = static_cast<int32_t>(job.prompt_tokens);
  seq->n_out = static_cast<int32_t>(n_out);
  seq->hashes = BlockHashes(job.prompt, options_.block_size);
  EngineCallbacks callbacks;
  callbacks.on_token = [f = flow.get()](const sim::Sequence&, double t) {
    f->pending.push_back(f->text.Next());
    f->record.AddChunk(t, 1);
    f->wake.cancel();
  };
  callbacks.on_done = [this, flow](const sim::Sequence& s, double t, Ending ending) {
    flow->done = true;
    flow->ending = ending;
    flow->t_end = t;
    flow->t_sched = s.t_sched;
    flow->t_first = s.t_first;
    flow->generated = s.generated;
    flow->cached = s.cached_tokens;
    Observe(*flow, ending);
    flow->wake.cancel();
  };
  const uint64_t session = job.user.empty() ? id : std::hash<std::string>{}(job.user);
  engine_.Submit(std::move(seq), session, std::move(callbacks));

  const bool ollama = job.format == Format::kOllamaChat || job.format == Format::kOllamaGenerate;
  const bool chat = job.format == Format::kChat;
  api::ResponseHeader h{
      .id = fmt::format("{}-{:016x}", chat ? "chatcmpl" : "cmpl", workload::DeriveSeed(seed, id)),
      .created = static_cast<int64_t>(UnixNow()),
      .model = job.model};
  const std::string marker = "\x01";
  const std::string_view content_type = ollama ? "application/x-ndjson" : "text/event-stream";
  ChunkTemplate tmpl;
  if (job.format == Format::kChat) {
    tmpl = ChunkTemplate::From(api::ChatChunk(h, marker, false, std::nullopt, job.include_usage));
  } else if (job.format == Format::kCompletion) {
    tmpl = ChunkTemplate::From(api::CompletionChunk(h, marker, std::nullopt, job.include_usage));
  }
  // One piece of text as the route streams it.
  const auto encode = [&](std::string& out, const std::string& text) {
    if (job.format == Format::kOllamaChat) {
      out += api::EncodeNdjson(api::OllamaChatChunk(job.model, UnixNow(), text));
    } else if (job.format == Format::kOllamaGenerate) {
      out += api::EncodeNdjson(api::OllamaGenerateChunk(job.model, UnixNow(), text));
    } else {
      tmpl.Append(out, text);
    }
  };

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(options_.request_timeout));
  bool started = false;
  bool gone = false;
  std::string out;
  while (true) {
    if (!flow->pending.empty()) {
      out.clear();
      if (job.stream && !started) {
        started = true;
        std::map<std::string, std::string> headers;
        headers["Cache-Control"] = "no-cache";
        if (!co_await w.Start(200, content_type, std::move(headers))) {
          gone = true;
          break;
        }
        if (chat)
          out += "data: " + DumpJson(api::ChatChunk(h, "", true, std::nullopt, job.include_usage)) +
                 "\n\n";
        if (job.echo_prompt) encode(out, job.prompt);
      }
      for (const std::string& piece : flow->pending) {
        if (job.stream) {
          encode(out, piece);
        } else {
          flow->answer += piece;
        }
      }
      flow->pending.clear();
      if (job.stream && !co_await w.Write(out)) {
        gone = true;
        break;
      }
      continue;  // more may have come while writing
    }
    if (flow->done) break;
    flow->wake.expires_at(deadline);
    boost::system::error_code ec;
    co_await flow->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && !flow->done && flow->pending.empty()) {
      flow->timed_out = true;
      break;
    }
  }
  if (gone || flow->timed_out) {
    engine_.Cancel(id);  // on_done follows, now or when the step in flight ends
    if (gone) co_return;
  }

  const bool ok = flow->done && flow->ending == Ending::kFinished;
  const std::string failure =
      flow->timed_out
          ? fmt::format("the request took longer than {} s (aiinfra serve --request-timeout)",
                        options_.request_timeout)
          : std::string("the replica serving this request crashed (injected fault); retry it");
  if (!ok) {
    api::ApiError a = api::ToApiError(Error{ErrorCode::kInternal, failure});
    if (!started) {
      ErrorReply r = ErrorFor(path, a);
      co_await w.Send(r.status, r.content_type, std::move(r.body));
      co_return;
    }
    // Mid-stream: an error event in the route's shape, then the end.
    out = ollama ? api::EncodeNdjson(api::OllamaErrorJson(a))
                 : "data: " + DumpJson(api::ErrorJson(a)) + "\n\n";
    if (co_await w.Write(out)) co_await w.End();
    co_return;
  }

  const api::Usage usage{.prompt_tokens = job.prompt_tokens,
                         .completion_tokens = flow->generated,
                         .cached_tokens = flow->cached};
  api::OllamaStats stats;
  if (ollama) {
    stats.total = flow->t_end - flow->arrival;
    stats.prompt_eval_count = job.prompt_tokens;
    stats.prompt_eval =
        flow->t_first >= 0 && flow->t_sched >= 0 ? flow->t_first - flow->t_sched : 0;
    stats.eval_count = flow->generated;
    stats.eval = flow->t_first >= 0 ? flow->t_end - flow->t_first : 0;
  }
  if (!job.stream) {
    std::string text = job.echo_prompt ? job.prompt + flow->answer : flow->answer;
    Json body;
    switch (job.format) {
      case Format::kChat:
        body = api::ChatCompletion(h, text, finish_reason, usage);
        break;
      case Format::kCompletion:
        body = api::Completion(h, text, finish_reason, usage);
        break;
      case Format::kOllamaChat:
        body = api::OllamaChatDone(job.model, UnixNow(), text, finish_reason, stats);
        break;
      case Format::kOllamaGenerate:
        body = api::OllamaGenerateDone(job.model, UnixNow(), text, finish_reason, stats);
        break;
    }
    const std::string_view json_type = "application/json";
    co_await w.Send(200, json_type, DumpJson(body));
    co_return;
  }
  out.clear();
  if (!started) {  // no token at all cannot happen (n_out >= 1), but the shape stays whole
    if (!co_await w.Start(200, content_type)) co_return;
  }
  switch (job.format) {
    case Format::kChat:
      out += "data: " + DumpJson(api::ChatChunk(h, "", false, finish_reason, job.include_usage)) +
             "\n\n";
      if (job.include_usage) out += "data: " + DumpJson(api::ChatUsageChunk(h, usage)) + "\n\n";
      out += api::kSseDone;
      break;
    case Format::kCompletion:
      out += "data: " + DumpJson(api::CompletionChunk(h, "", finish_reason, job.include_usage)) +
             "\n\n";
      if (job.include_usage)
        out += "data: " + DumpJson(api::CompletionUsageChunk(h, usage)) + "\n\n";
      out += api::kSseDone;
      break;
    case Format::kOllamaChat:
      out += api::EncodeNdjson(api::OllamaChatDone(job.model, UnixNow(), "", finish_reason, stats));
      break;
    case Format::kOllamaGenerate:
      out += api::EncodeNdjson(
          api::OllamaGenerateDone(job.model, UnixNow(), "", finish_reason, stats));
      break;
  }
  if (co_await w.Write(out)) co_await w.End();
}

}  // namespace aiinfra::serve
