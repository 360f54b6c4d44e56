// `aiinfra serve`: a live OpenAI- and Ollama-compatible endpoint whose timing is the
// simulator's replica engine against the wall clock (or fixed), with vLLM's metrics and
// injected faults (issue 6, item 3).
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>

#include "cli/app.h"
#include "cli/perf_options.h"
#include "cli/scenario_inputs.h"
#include "common/text.h"
#include "common/units.h"
#include "model/footprint.h"
#include "model/hf_config.h"
#include "net/http_server.h"
#include "serve/fixed_engine.h"
#include "serve/model_scenario.h"
#include "serve/service.h"

namespace aiinfra::cli {
namespace {

namespace asio = boost::asio;
using Json = nlohmann::ordered_json;

Result<double> DurationOption(const Invocation& inv, std::string_view name) {
  auto d = ParseDuration(inv.Get(name));
  if (!d || *d < 0) {
    return Fail(
        ErrorCode::kUsage,
        fmt::format("--{} expects a duration (250ms, 2s, 1min), got '{}'", name, inv.Get(name)));
  }
  return *d;
}

Result<double> Fraction(const Invocation& inv, std::string_view name) {
  AIINFRA_TRY(double f, inv.GetNumber(name));
  if (!(f >= 0 && f <= 1)) {
    return Fail(ErrorCode::kUsage, fmt::format("--{} must be in [0, 1], got {}", name, f));
  }
  return f;
}

// A stable digest-looking hex string for /api/tags (the model has no file to hash).
std::string NameDigest(const std::string& name) {
  std::string out;
  for (int part = 0; part < 4; ++part)
    out += fmt::format("{:016x}", Fnv1a64(fmt::format("{}#{}", name, part)));
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct Served {
  std::unique_ptr<serve::TokenEngine> engine;
  serve::ServiceOptions service;
  std::string describe;  // the startup line's middle
};

Result<Served> Build(Invocation& inv, asio::io_context& io, serve::RealtimeEngine** realtime) {
  Served out;
  serve::ServiceOptions& so = out.service;
  AIINFRA_TRY(so.error_rate, Fraction(inv, "error-rate"));
  AIINFRA_TRY(so.request_timeout, DurationOption(inv, "request-timeout"));
  if (!(so.request_timeout > 0)) return Fail(ErrorCode::kUsage, "--request-timeout must be > 0");
  so.echo = inv.Has("echo");
  AIINFRA_TRY(double seed, inv.GetNumber("seed"));
  so.seed = static_cast<uint64_t>(seed);
  so.started_unix = inv.env.WallTime();
  so.version = Version();
  const bool fixed = inv.Has("ttft") || inv.Has("itl");
  if (fixed && inv.Has("scenario")) {
    return Fail(ErrorCode::kUsage,
                "--ttft/--itl serve fixed timing; a --scenario times tokens with its replica "
                "engine: give one or the other");
  }
  if (fixed) {
    AIINFRA_TRY(double ttft, DurationOption(inv, "ttft"));
    AIINFRA_TRY(double itl, DurationOption(inv, "itl"));
    out.engine = std::make_unique<serve::FixedTimingEngine>(
        io.get_executor(), serve::FixedTiming{.ttft = ttft, .itl = itl});
    so.model.id = inv.Has("served-model-name") ? inv.Get("served-model-name") : inv.Get("model");
    so.model.max_model_len = 131072;
    AIINFRA_TRY(so.output_lengths, workload::Distribution::LognormalFromMedian(180, 0.8));
    AIINFRA_CHECK_OK(so.output_lengths.SetClamp(1, 2048));
    so.model.ollama = {.name = so.model.id,
                       .modified_at = so.started_unix,
                       .digest = NameDigest(so.model.id),
                       .family = "aiinfra",
                       .parameter_size = "unknown",
                       .quantization_level = "F16",
                       .context_length = so.model.max_model_len};
    out.describe = fmt::format("fixed timing: first token {}, then one every {}",
                               FormatDuration(ttft), FormatDuration(itl));
    return out;
  }

  std::pair<std::string, std::string> source;
  if (inv.Has("scenario")) {
    AIINFRA_TRY(source, ScenarioText(inv, ""));
  } else {
    source = {serve::ModelScenarioYaml({.model = inv.Get("model"),
                                        .system = inv.Get("system"),
                                        .tp = inv.Get("tp"),
                                        .replicas = inv.Get("replicas"),
                                        .weights = inv.Get("weights"),
                                        .kv_cache = inv.Get("kv-cache")}),
              "--model/--system"};
  }
  AIINFRA_TRY(sim::Scenario scenario, LoadScenario(inv, source));
  if (scenario.decode) {
    return Fail(Error{ErrorCode::kInvalidInput,
                      "serve runs one aggregated pool; this scenario is disaggregated "
                      "(prefill: and decode:): use deployment:, or run it with aiinfra sim",
                      scenario.decode_system_at});
  }
  if (scenario.planner) {
    return Fail(ErrorCode::kInvalidInput,
                scenario.file +
                    ": planner: sizes prefill and decode pools in aiinfra sim; serve scales "
                    "with the deployment's autoscaler: (HPA or KEDA) instead");
  }
  AIINFRA_TRY(PerfContext ctx, PerfContext::Load(inv));
  sim::Catalogs catalogs{&ctx.hardware, &ctx.models, &ctx.calibration, &ctx.tuning, &inv.env};
  AIINFRA_TRY(sim::BuiltScenario built, sim::BuildScenario(scenario, catalogs));
  AIINFRA_TRY(model::Architecture arch, model::ResolveModel(ctx.models, scenario.model, inv.env));

  serve::EngineOptions eo;
  eo.pool = built.cluster.pool;
  AIINFRA_TRY(double mtbf, DurationOption(inv, "crash-mtbf"));
  AIINFRA_TRY(double spike, DurationOption(inv, "spike"));
  AIINFRA_TRY(double spike_rate, Fraction(inv, "spike-rate"));
  eo.faults = {.spike_probability = spike_rate,
               .spike_seconds = spike,
               .crash_mtbf = mtbf,
               .restart_seconds = -1,
               .seed = so.seed};
  if (inv.Has("restart")) {
    AIINFRA_TRY(eo.faults.restart_seconds, DurationOption(inv, "restart"));
  }
  std::ostream& log = inv.err;
  eo.on_scale = [&log](const sim::ScaleEvent& e) {
    log << fmt::format("aiinfra serve: t={:.0f} s replicas {} -> {} ({})", e.time, e.from, e.to,
                       sim::CauseName(e.cause))
        << std::endl;
  };
  eo.on_crash = [&log](int replica, double t, size_t failed) {
    log << fmt::format("aiinfra serve: t={:.0f} s replica {} crashed ({} requests failed)", t,
                       replica, failed)
        << std::endl;
  };
  auto engine = std::make_unique<serve::RealtimeEngine>(io.get_executor(), std::move(eo));
  *realtime = engine.get();
  out.engine = std::move(engine);

  so.model.id = inv.Has("served-model-name") ? inv.Get("served-model-name") : arch.id;
  so.model.aliases = {arch.id};
  for (const std::string& a : arch.aliases) so.model.aliases.push_back(a);
  so.model.max_model_len = built.max_model_len > 0 ? built.max_model_len : 4096;
  so.block_size = scenario.pool.engine.block_size;
  so.seed = inv.Has("seed") ? so.seed : scenario.seed;
  if (!scenario.workload.classes.empty()) {
    so.output_lengths = scenario.workload.classes.front().output;
  }
  const double params = model::CountParameters(arch).total;
  so.model.ollama = {.name = so.model.id,
                     .modified_at = so.started_unix,
                     .size = static_cast<int64_t>(built.weight_bytes),
                     .digest = NameDigest(so.model.id),
                     .family = arch.family,
                     .parameter_size = model::FormatParams(params),
                     .quantization_level = Upper(model::DtypeName(scenario.weights)),
                     .parameter_count = static_cast<int64_t>(params),
                     .context_length = so.model.max_model_len};
  so.model.size_vram = static_cast<int64_t>(built.weight_bytes);
  out.describe = fmt::format("{} on {} x{} ({} GPUs a replica, {} KV blocks of {} tokens)", arch.id,
                             scenario.pool.system, scenario.pool.replicas, built.gpus_per_replica,
                             built.kv_blocks_per_replica, so.block_size);
  return out;
}

Result<Output> Serve(Invocation& inv) {
  asio::io_context io(1);
  serve::RealtimeEngine* realtime = nullptr;
  AIINFRA_TRY(Served served, Build(inv, io, &realtime));
  serve::Service service(*served.engine, served.service);

  net::HttpServerOptions ho;
  ho.address = inv.Get("host");
  const uint64_t files = net::RaiseOpenFileLimit();
  if (files > 64) ho.max_connections = std::min<size_t>(ho.max_connections, files - 64);
  AIINFRA_TRY(int port, inv.GetInt("port"));
  if (port < 0 || port > 65535) return Fail(ErrorCode::kUsage, "--port must be in 0..65535");
  ho.port = static_cast<uint16_t>(port);
  AIINFRA_TRY(double max_body, ParseBytes(inv.Get("max-body")));
  if (!(max_body >= 1024)) return Fail(ErrorCode::kUsage, "--max-body must be at least 1KiB");
  ho.max_body_bytes = static_cast<size_t>(max_body);
  ho.error_body = [&service](int status, std::string_view path, std::string_view message) {
    return service.ServerError(status, path, message);
  };
  AIINFRA_TRY(double grace, DurationOption(inv, "grace"));
  AIINFRA_TRY(double duration, DurationOption(inv, "duration"));
  AIINFRA_TRY(auto server,
              net::HttpServer::Start(
                  io, ho, [&service](const net::HttpRequest& req, net::ResponseWriter& w) {
                    return service.Handle(req, w);
                  }));
  inv.err << fmt::format(
                 "aiinfra serve: {} listening on http://{}:{} (OpenAI /v1, Ollama /api, "
                 "/metrics, /health)",
                 served.describe, ho.address, server->port())
          << std::endl;

  // SIGINT/SIGTERM (or --duration): stop accepting, let streams in flight finish for the grace
  // period (checked every 20 ms: with none left it ends at once), then end what is left.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer stop_timer(io), drain_timer(io);
  bool stopping = false;
  std::string why = "stopped";
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> drain = [&] {
    if (server->stats().connections_open == 0 ||
        std::chrono::steady_clock::now() >= drain_deadline) {
      served.engine->Abort();  // requests still queued fail; the engine's timers stop
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) drain();
    });
  };
  const auto stop = [&](const std::string& reason) {
    if (stopping) return;
    stopping = true;
    why = reason;
    inv.err << "aiinfra serve: " << reason << ", draining for up to " << FormatDuration(grace)
            << std::endl;
    signals.cancel();
    stop_timer.cancel();
    const auto g =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(grace));
    server->Shutdown(g);
    // The server closes what is left at the deadline; the engine is aborted just after.
    drain_deadline = std::chrono::steady_clock::now() + g + std::chrono::milliseconds(50);
    drain();
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
  if (duration > 0) {
    stop_timer.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(duration)));
    stop_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) stop("--duration passed");
    });
  }
  io.run();

  const serve::ServiceCounters& c = service.counters();
  Json data{{"stopped", why},         {"generations", c.generations},
            {"finished", c.finished}, {"cancelled", c.cancelled},
            {"failed", c.failed},     {"injected_errors", c.injected_errors},
            {"rejected", c.rejected}, {"connections", server->stats().connections_accepted}};
  if (realtime) data["scale_events"] = realtime->scale_events().size();
  Output o{.data = data};
  const std::string text = fmt::format(
      "served {} generations: {} finished, {} cancelled, {} failed; {} injected errors, {} bad "
      "requests; {} connections\n",
      c.generations, c.finished, c.cancelled, c.failed, c.injected_errors, c.rejected,
      server->stats().connections_accepted);
  o.table = [text](std::ostream& os) { os << text; };
  return o;
}

}  // namespace

void RegisterServeCommands(CommandTable& table) {
  table.Add({
      .path = {"serve"},
      .summary = "Serve a live OpenAI- and Ollama-compatible endpoint with simulated GPU timing",
      .description =
          "Answers OpenAI's /v1/chat/completions, /v1/completions and /v1/models and Ollama's "
          "/api/chat, /api/generate, /api/tags, /api/show and /api/ps, streamed (SSE, NDJSON) or "
          "whole, with tokens timed by the simulator's replica engine against the wall clock: "
          "continuous batching, chunked prefill, paged KV cache with prefix caching and "
          "preemption, several replicas behind the scenario's router, and its autoscaler (HPA or "
          "KEDA) adding replicas that pay their cold start. /metrics speaks vLLM's metric names, "
          "so dashboards, HPA adapters, KEDA triggers and routers built for vLLM read it "
          "unchanged; /health answers 200. Text is seeded (or the prompt echoed); prompt tokens "
          "are counted by a documented approximate tokenizer (src/serve/text.h); an answer is "
          "max_tokens long with ignore_eos, else drawn from the scenario's output lengths. "
          "--ttft/--itl serve fixed timing instead. Faults: an error rate, latency spikes, "
          "replica crashes with restarts. Binds 127.0.0.1 unless --host says otherwise; "
          "SIGINT/SIGTERM drain streams in flight for --grace, then stop.",
      .options = {{.name = "scenario",
                   .value_name = "FILE",
                   .help =
                       "serve a scenario's deployment (aggregated), autoscaler and answer lengths"},
                  {.name = "model",
                   .value_name = "MODEL",
                   .help = "without --scenario: the model (catalog id or config.json)",
                   .default_value = "llama-3.1-8b"},
                  {.name = "system",
                   .value_name = "SYSTEM",
                   .help = "without --scenario: the system a replica runs on",
                   .default_value = "hgx-h100"},
                  {.name = "tp",
                   .value_name = "N",
                   .help = "without --scenario: tensor parallelism",
                   .default_value = "1"},
                  {.name = "replicas",
                   .value_name = "N",
                   .help = "without --scenario: replicas",
                   .default_value = "1"},
                  {.name = "weights",
                   .value_name = "DTYPE",
                   .help = "without --scenario: weight dtype",
                   .default_value = "bf16"},
                  {.name = "kv-cache",
                   .value_name = "DTYPE",
                   .help = "without --scenario: KV cache dtype",
                   .default_value = "bf16"},
                  {.name = "set",
                   .value_name = "KEY=VALUE",
                   .help = "override a scenario field (deployment.replicas=4); repeatable",
                   .repeated = true},
                  {.name = "ttft",
                   .value_name = "DURATION",
                   .help = "fixed timing: the first token this long after a request arrives",
                   .default_value = "50ms"},
                  {.name = "itl",
                   .value_name = "DURATION",
                   .help = "fixed timing: one token every DURATION after the first",
                   .default_value = "10ms"},
                  {.name = "served-model-name",
                   .value_name = "NAME",
                   .help = "the model name clients send (default: the model's id)"},
                  {.name = "host",
                   .value_name = "ADDRESS",
                   .help = "address to bind",
                   .default_value = "127.0.0.1"},
                  {.name = "port",
                   .value_name = "PORT",
                   .help = "port (0: any free one; the startup line says which)",
                   .default_value = "8000"},
                  {.name = "seed", .value_name = "N", .help = "text seed", .default_value = "1"},
                  {.name = "echo", .help = "answer with the prompt's own words", .flag = true},
                  {.name = "error-rate",
                   .value_name = "P",
                   .help = "fault: share of generation requests answered 500 at once",
                   .default_value = "0"},
                  {.name = "spike-rate",
                   .value_name = "P",
                   .help = "fault: share of engine steps that take --spike longer",
                   .default_value = "0"},
                  {.name = "spike",
                   .value_name = "DURATION",
                   .help = "fault: extra time of a spiked step",
                   .default_value = "500ms"},
                  {.name = "crash-mtbf",
                   .value_name = "DURATION",
                   .help = "fault: mean time between crashes of a ready replica (0: none)",
                   .default_value = "0s"},
                  {.name = "restart",
                   .value_name = "DURATION",
                   .help = "fault: a crashed replica is back after this (default: its cold start)"},
                  {.name = "request-timeout",
                   .value_name = "DURATION",
                   .help = "end a generation that takes longer",
                   .default_value = "10min"},
                  {.name = "max-body",
                   .value_name = "BYTES",
                   .help = "largest request body accepted (413 beyond)",
                   .default_value = "4MiB"},
                  {.name = "grace",
                   .value_name = "DURATION",
                   .help = "on SIGINT/SIGTERM, how long streams in flight may finish",
                   .default_value = "10s"},
                  {.name = "duration",
                   .value_name = "DURATION",
                   .help = "stop by itself after this long (0: run until a signal)",
                   .default_value = "0s"}},
      .examples = {"aiinfra serve",
                   "aiinfra serve --model llama-3.1-70b --system hgx-h200 --tp 2 --port 8080",
                   "aiinfra serve --scenario data/scenarios/llama-70b-hpa.yaml",
                   "aiinfra serve --ttft 40ms --itl 10ms --port 0",
                   "aiinfra serve --error-rate 0.01 --crash-mtbf 5min --restart 20s"},
      .handler = Serve,
  });
}

}  // namespace aiinfra::cli
