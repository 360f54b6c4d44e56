// Benchmarks of `aiinfra serve` (issue 6, item 6, the serve half): streamed tokens per second
// and concurrent streams that the real serve stack sustains on one core, measured by the load
// generator on another.
//
// The server is the stack `aiinfra serve` runs (serve_thread.h: net::HttpServer, serve::Service
// and an engine, wired as src/cli/serve_commands.cc wires them) on an io_context of its own, in
// a thread pinned to the second allowed CPU. The client is loadgen::RunLoad on the main thread,
// pinned to the first: closed loop, users starting over a ramp, streaming chat completions with
// ignore_eos and max_tokens, two requests per user (the second on the kept-alive connection).
// Both ends of every stream live in this process (2 descriptors a stream; RLIMIT_NOFILE is
// raised soft to hard and each case is sized within it).
//
// BM_ServeFixed2500: serve::FixedTimingEngine, first token 100 ms after arrival, then one every
//   100 ms; 2,500 users, 60 tokens a stream (6.0 s): the schedule is 2,500 x 60 / 6.0 s =
//   25,000 tokens/s, the baseline. Reported: streamed tokens/s received by the client in the
//   steady window (from the last first-round stream's first token to the last request sent:
//   every user is streaming throughout) and its ratio to the schedule; peak concurrent streams
//   (client: overlap of first-token-to-end intervals; server: engine requests in flight and open
//   connections, sampled every 10 ms on the server thread); ITL and TTFT p50/p99 measured by the
//   client against the configured 100 ms (lateness ratio); the server thread's CPU seconds per
//   1,000 tokens and its share of its core. Targets: >= 20,000 tokens/s and >= 2,000 streams.
// BM_ServeReplicas2000: serve::RealtimeEngine as `aiinfra serve --model llama-3.1-8b --system
//   hgx-h100 --replicas 8` builds it (the same generated scenario, sim::ParseScenario and
//   sim::BuildScenario on the embedded catalogs); 2,000 users (250 a replica), 128-word prompts,
//   100 tokens a stream. Baseline, measured just before on the server's core: the same
//   load submitted straight to a second RealtimeEngine (same options, same prompts, same closed
//   loop, no HTTP): its token rate and its ITL (the performance model's step time at that batch,
//   chunked prefill included). Reported: HTTP-served tokens/s and its ratio to engine-only, ITL
//   p50/p99 seen by the client against the engine's own, the server thread's share of its core
//   (running or waiting for it below ~90% of the run: it keeps up with the engine's schedule),
//   peak streams. Targets: >= 20,000
//   tokens/s, >= 2,000 streams, and HTTP/engine-only >= 0.95.
//
//   (serve_replicas.h has the set-up and the baseline.) On 2 cores expect the ratio to miss:
//   this engine's schedule is ~100,000-120,000 tokens/s, and at the ~12-14 us a token that the
//   server and the client each spend, one core carries ~70,000-80,000 tokens/s; the summary
//   prints the cores the schedule would need.
//
// After the benchmarks a summary prints each figure with PASS or MISS, and for a miss what
// explains it where the run can tell: failed requests, a thread that wanted its core >= 90% of
// the run (running, or runnable and waiting: its side is the limit; the summary says how many
// tokens/s one core of its own would carry at the measured cost), or other processes on the
// cores (time the threads waited runnable, from /proc schedstat). No figure is asserted:
// timings on a shared machine are reported.
//
// Run alone: build/bench/serve_bench (`make bench-serve`; `make bench` runs it after
// loadgen_bench), or one case: build/bench/serve_bench --benchmark_filter=Fixed.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host_stats.h"
#include "loadgen/load.h"
#include "net/http_server.h"
#include "serve/engine.h"
#include "serve/fixed_engine.h"
#include "serve_replicas.h"
#include "serve_thread.h"

namespace aiinfra::bench {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr double kTargetTokenRate = 20'000;  // tokens/s
constexpr int64_t kTargetStreams = 2'000;
constexpr double kTargetEngineRatio = 0.95;  // HTTP-served / engine-only tokens/s
constexpr double kSaturated = 0.90;          // share of a core above which a thread is the limit
constexpr int kRounds = 2;                   // requests per user
constexpr double kRampUp = 1.0;              // seconds over which users start
constexpr int64_t kInputWords = 128;

// Case 1: fixed timing.
constexpr int64_t kFixedStreams = 2'500;
constexpr int64_t kFixedTokens = 60;
constexpr double kFixedTtft = 0.100, kFixedItl = 0.100;
constexpr double FixedStreamSeconds() { return kFixedTtft + (kFixedTokens - 1) * kFixedItl; }
constexpr double FixedSchedule() { return kFixedStreams * kFixedTokens / FixedStreamSeconds(); }

// Case 2: the replica engine.
constexpr int64_t kReplicaStreams = 2'000;
constexpr int64_t kReplicaTokens = 100;
constexpr const char* kReplicaModel = "llama-3.1-8b";
constexpr const char* kReplicaSystem = "hgx-h100";
constexpr int kReplicas = 8;

struct Setup {
  int client_cpu = -1, server_cpu = -1;
  bool client_pinned = false;
  int cpus = 0;
  rlim_t nofile = 0;
};
Setup& TheSetup() {
  static Setup s;
  return s;
}

struct Overlap {
  int64_t peak = 0;
  double at = 0;
};
Overlap PeakOverlap(std::vector<std::pair<double, int>> events) {
  std::sort(events.begin(), events.end());  // at equal times the end (-1) comes first
  Overlap o;
  int64_t open = 0;
  for (const auto& [t, d] : events) {
    open += d;
    if (open > o.peak) o = {open, t};
  }
  return o;
}

const char* Verdict(bool ok) { return ok ? "PASS" : "MISS"; }

// --- the client's run against a ServeThread ----------------------------------------------------

struct ClientRun {
  int64_t users = 0, requests = 0, max_tokens = 0;
  uint64_t ok = 0, failed = 0, connections = 0;
  std::string first_error;
  double wall = 0;
  // Steady window: from the last first-round request's first token to the last request sent.
  double window_from = 0, window_to = 0, rate = 0;
  uint64_t tokens = 0;
  double overall_rate = 0;  // all tokens over the run's wall time (ramp and drain included)
  double ttft_p50 = 0, ttft_p99 = 0, itl_p50 = 0, itl_p99 = 0, itl_max = 0;
  Overlap peak;  // client side
  double client_cpu = 0, client_wait = 0, server_cpu = 0, server_wait = 0;
  ServeThread::Counts server;
  TcpCounts tcp;
  double server_share() const { return wall > 0 ? server_cpu / wall : 0; }
  double client_share() const { return wall > 0 ? client_cpu / wall : 0; }
  // Running or runnable: what the thread wanted of its core.
  double server_demand() const { return wall > 0 ? (server_cpu + server_wait) / wall : 0; }
  double client_demand() const { return wall > 0 ? (client_cpu + client_wait) / wall : 0; }
  double server_us() const { return tokens ? server_cpu / static_cast<double>(tokens) * 1e6 : 0; }
  double client_us() const { return tokens ? client_cpu / static_cast<double>(tokens) * 1e6 : 0; }
};

loadgen::LoadSpec Spec(const std::string& url, const std::string& model, int64_t users,
                       int64_t tokens) {
  loadgen::LoadSpec spec;
  spec.url = url;
  spec.request.model = model;
  spec.request.ignore_eos = true;
  spec.prompts.input = workload::Distribution::Fixed(static_cast<double>(kInputWords)).value();
  spec.prompts.output = workload::Distribution::Fixed(static_cast<double>(tokens)).value();
  spec.concurrency = static_cast<int>(users);
  spec.num_requests = kRounds * users;
  spec.ramp_up = kRampUp;
  spec.keep_chunks = true;  // token times, for the rate in the steady window
  return spec;
}

std::optional<ClientRun> RunClient(ServeThread& server, const loadgen::LoadSpec& spec,
                                   int64_t tokens) {
  ClientRun f;
  f.users = spec.concurrency;
  f.requests = spec.num_requests;
  f.max_tokens = tokens;
  std::vector<double> times, itls, ttfts;
  times.reserve(static_cast<size_t>(f.requests * f.max_tokens));
  itls.reserve(static_cast<size_t>(f.requests * f.max_tokens));
  std::vector<std::pair<double, int>> events;
  double last_first_round_token = 0, last_send = 0;
  metrics::MetricsCollector collector;
  const TcpCounts tcp0 = ReadTcpCounts();
  const double process0 = ProcessCpu(), server0 = server.CpuSeconds();
  const double wait0 = ThreadWaitSeconds(gettid()), server_wait0 = server.WaitSeconds();
  auto r = loadgen::RunLoad(spec, collector, [&](const loadgen::SentRequest& sent) {
    const metrics::RequestRecord& rec = sent.record;
    last_send = std::max(last_send, rec.t_send);
    if (!std::isnan(rec.t_first())) {
      events.emplace_back(rec.t_first(), +1);
      events.emplace_back(rec.t_end(), -1);
      if (sent.id < static_cast<uint64_t>(f.users)) {
        last_first_round_token = std::max(last_first_round_token, rec.t_first());
      }
    }
    for (const metrics::Chunk& c : rec.chunks()) {
      for (uint32_t k = 0; k < c.tokens; ++k) times.push_back(c.t);
    }
    rec.ForEachItl([&](double v, uint64_t w) {
      for (uint64_t k = 0; k < w; ++k) itls.push_back(v);
    });
    if (auto t = rec.Ttft()) ttfts.push_back(*t);
    if (rec.outcome() == metrics::Outcome::kOk) {
      ++f.ok;
    } else {
      ++f.failed;
      if (f.first_error.empty()) f.first_error = std::string(sent.error);
    }
  });
  f.client_wait = ThreadWaitSeconds(gettid()) - wait0;
  f.server_wait = server.WaitSeconds() - server_wait0;
  f.server_cpu = server.CpuSeconds() - server0;
  f.client_cpu = ProcessCpu() - process0 - f.server_cpu;
  f.tcp = ReadTcpCounts() - tcp0;
  f.server = server.Stop();
  if (!r) {
    fmt::print(stderr, "serve_bench: {}\n", r.error().ToString());
    return std::nullopt;
  }
  f.wall = r->wall_seconds;
  f.connections = r->connections;
  f.tokens = times.size();
  f.overall_rate = f.wall > 0 ? static_cast<double>(f.tokens) / f.wall : 0;
  f.window_from = last_first_round_token;
  f.window_to = last_send;
  f.rate = RateIn(times, f.window_from, f.window_to);
  f.ttft_p50 = Quantile(ttfts, 0.5);
  f.ttft_p99 = Quantile(std::move(ttfts), 0.99);
  f.itl_p50 = Quantile(itls, 0.5);
  f.itl_p99 = Quantile(itls, 0.99);
  f.itl_max = Quantile(std::move(itls), 1.0);
  f.peak = PeakOverlap(std::move(events));
  return f;
}

void SetCounters(benchmark::State& state, const ClientRun& f, double baseline) {
  state.counters["tok_per_s"] = f.rate;
  state.counters["x_baseline"] = baseline > 0 ? f.rate / baseline : 0;
  state.counters["peak_streams"] = static_cast<double>(f.peak.peak);
  state.counters["itl_p50_ms"] = f.itl_p50 * 1e3;
  state.counters["itl_p99_ms"] = f.itl_p99 * 1e3;
  state.counters["server_core"] = f.server_share();
  state.counters["server_cpu_s_per_1k_tok"] =
      f.tokens ? f.server_cpu / static_cast<double>(f.tokens) * 1e3 : 0;
  state.counters["failed"] = static_cast<double>(f.failed);
}

// --- case 1: fixed timing ----------------------------------------------------------------------

std::optional<ClientRun> g_fixed;

serve::ServiceOptions FixedService() {
  serve::ServiceOptions so;
  so.model.id = "bench";
  so.model.max_model_len = 131072;
  so.output_lengths = workload::Distribution::LognormalFromMedian(180, 0.8).value();
  so.model.ollama = {.name = so.model.id, .family = "aiinfra", .quantization_level = "F16"};
  return so;
}

void BM_ServeFixed2500(benchmark::State& state) {
  for (auto _ : state) {
    auto server = ServeThread::Start(
        [](asio::io_context& io) -> std::unique_ptr<serve::TokenEngine> {
          return std::make_unique<serve::FixedTimingEngine>(
              io.get_executor(), serve::FixedTiming{.ttft = kFixedTtft, .itl = kFixedItl});
        },
        FixedService(), TheSetup().server_cpu);
    if (!server) return state.SkipWithError("cannot start the server");
    g_fixed =
        RunClient(*server, Spec(server->url(), "bench", kFixedStreams, kFixedTokens), kFixedTokens);
    if (!g_fixed) return state.SkipWithError("the load failed");
  }
  SetCounters(state, *g_fixed, FixedSchedule());
}
BENCHMARK(BM_ServeFixed2500)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

// --- case 2: the replica engine ----------------------------------------------------------------

struct ReplicaFigures {
  std::string describe;
  EngineOnlyRun engine;
  ClientRun http;
};
std::optional<ReplicaFigures> g_replicas;

void BM_ServeReplicas2000(benchmark::State& state) {
  ReplicaFigures f;
  for (auto _ : state) {
    auto setup = BuildReplicas(kReplicaModel, kReplicaSystem, kReplicas);
    if (!setup) return state.SkipWithError(setup.error().ToString().c_str());
    f.describe = setup->describe;
    const loadgen::LoadSpec probe = Spec("", kReplicaModel, kReplicaStreams, kReplicaTokens);
    f.engine = RunEngineOnly(*setup, probe, TheSetup().server_cpu);
    auto server = ServeThread::Start(
        [&](asio::io_context& io) -> std::unique_ptr<serve::TokenEngine> {
          return std::make_unique<serve::RealtimeEngine>(io.get_executor(), setup->engine);
        },
        setup->service, TheSetup().server_cpu);
    if (!server) return state.SkipWithError("cannot start the server");
    auto http =
        RunClient(*server, Spec(server->url(), kReplicaModel, kReplicaStreams, kReplicaTokens),
                  kReplicaTokens);
    if (!http) return state.SkipWithError("the load failed");
    f.http = *http;
  }
  g_replicas = f;
  SetCounters(state, f.http, f.engine.rate);
}
BENCHMARK(BM_ServeReplicas2000)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

// --- set-up and summary ------------------------------------------------------------------------

void Prepare() {
  Setup& s = TheSetup();
  s.nofile = static_cast<rlim_t>(net::RaiseOpenFileLimit());
  const CpuPlan plan = PinClientToFirstCpu();
  s.cpus = plan.cpus;
  s.client_cpu = plan.client_cpu;
  s.server_cpu = plan.server_cpu;
  s.client_pinned = plan.client_pinned;
}

void PrintWait(double client, double server, double wall) {
  const double worst = std::max(client, server);
  fmt::print("    waited for a CPU (runnable, not running): client {:.2f} s, server {:.2f} s{}\n",
             client, server,
             worst > 0.05 * wall ? fmt::format(" = up to {:.0f}% of the {:.2f} s run: other "
                                               "processes shared the cores, timings are theirs too",
                                               worst / wall * 100, wall)
                                 : "");
}

// Why a rate fell short, as far as this run can tell. A thread's demand is the share of the run
// it was running or runnable (CPU + time waiting for a CPU): near 100% it wanted its core all
// the time and is a limit, whether it got the core (busy) or shared it with other processes.
std::string Cause(const ClientRun& f) {
  std::vector<std::string> why;
  if (f.failed > 0) why.push_back(fmt::format("{} requests failed ({})", f.failed, f.first_error));
  const auto side = [&](const char* name, double cpu, double wait, double us) {
    if ((cpu + wait) / f.wall < kSaturated) return;
    why.push_back(fmt::format(
        "the {} thread wanted its core {:.0f}% of the run (ran {:.0f}%, waited {:.0f}%) at {:.1f} "
        "us a token: one core of its own would carry ~{:.0f} tokens/s",
        name, (cpu + wait) / f.wall * 100, cpu / f.wall * 100, wait / f.wall * 100, us,
        us > 0 ? 1e6 / us : 0));
  };
  const double tokens = static_cast<double>(std::max<uint64_t>(f.tokens, 1));
  side("server", f.server_cpu, f.server_wait, f.server_cpu / tokens * 1e6);
  side("client", f.client_cpu, f.client_wait, f.client_cpu / tokens * 1e6);
  const double worst = std::max(f.client_wait, f.server_wait);
  if (worst > 0.05 * f.wall) {
    why.push_back(fmt::format(
        "threads waited up to {:.1f} s ({:.0f}% of the run) for a CPU: other processes had the "
        "cores",
        worst, worst / f.wall * 100));
  }
  if (why.empty()) why.push_back("no saturated core, failure or CPU wait seen");
  std::string out;
  for (const std::string& w : why) out += (out.empty() ? "" : "; ") + w;
  return out;
}

void PrintClientRun(const ClientRun& f, double baseline, const std::string& baseline_name) {
  const bool rate_ok = f.rate >= kTargetTokenRate && f.failed == 0;
  fmt::print(
      "    streamed tokens/s (client, steady window {:.2f}-{:.2f} s): {:.0f}; {} {:.0f}; "
      "ratio {:.3f}   target >= {:.0f}  {}\n",
      f.window_from, f.window_to, f.rate, baseline_name, baseline,
      baseline > 0 ? f.rate / baseline : 0, kTargetTokenRate, Verdict(rate_ok));
  if (!rate_ok) fmt::print("      cause: {}\n", Cause(f));
  fmt::print(
      "    peak concurrent streams: {} client-side (at {:.2f} s), server: {} engine requests in "
      "flight, {} connections open   target >= {}  {}\n",
      f.peak.peak, f.peak.at, f.server.peak_in_flight, f.server.peak_connections, kTargetStreams,
      Verdict(f.peak.peak >= kTargetStreams && f.failed == 0));
  fmt::print(
      "    server thread: CPU {:.2f} s = {:.1f}% of its core over the {:.2f} s run (running or "
      "waiting for it {:.0f}%), {:.3f} CPU s per 1,000 tokens ({:.1f} us a token)\n",
      f.server_cpu, f.server_share() * 100, f.wall, f.server_demand() * 100, f.server_us() / 1e3,
      f.server_us());
  fmt::print(
      "    client (loadgen, rest of the process): CPU {:.2f} s = {:.1f}% of a core (running or "
      "waiting {:.0f}%), {:.1f} us a token\n",
      f.client_cpu, f.client_share() * 100, f.client_demand() * 100, f.client_us());
  PrintWait(f.client_wait, f.server_wait, f.wall);
  fmt::print(
      "    {} requests: {} completed, {} failed{}; {} tokens in all ({:.0f}/s over the whole run, "
      "ramp and drain included); connections opened {} (server accepted {}); service: {} "
      "finished, {} cancelled, {} failed; listen-queue overflows {}, SYN retransmits {}\n",
      f.requests, f.ok, f.failed, f.first_error.empty() ? "" : " (first: " + f.first_error + ")",
      f.tokens, f.overall_rate, f.connections, f.server.connections_accepted,
      f.server.service.finished, f.server.service.cancelled, f.server.service.failed,
      f.tcp.listen_overflows, f.tcp.syn_retransmits);
}

void PrintSummary() {
  const Setup& s = TheSetup();
  fmt::print("\naiinfra serve (net::HttpServer + serve::Service + engine) on loopback, summary\n");
  if (s.client_pinned) {
    fmt::print(
        "  CPUs: {} allowed; client (loadgen, main thread) pinned to CPU {}, server thread to "
        "CPU {}; RLIMIT_NOFILE {}\n",
        s.cpus, s.client_cpu, s.server_cpu, s.nofile);
  } else {
    fmt::print("  CPUs: {} allowed; not pinned (needs 2): client and server share them\n", s.cpus);
  }
  if (g_fixed) {
    const ClientRun& f = *g_fixed;
    fmt::print(
        "(1) fixed timing (first token {:.0f} ms, then every {:.0f} ms): {} users x {} streams of "
        "{} tokens ({:.1f} s each), users starting over {} s\n",
        kFixedTtft * 1e3, kFixedItl * 1e3, f.users, kRounds, kFixedTokens, FixedStreamSeconds(),
        kRampUp);
    PrintClientRun(f, FixedSchedule(), "intended (schedule)");
    fmt::print(
        "    ITL (client) p50 / p99 / max {:.1f} / {:.1f} / {:.1f} ms vs {:.0f} ms configured: "
        "lateness x{:.3f} / x{:.3f}; TTFT p50 / p99 {:.1f} / {:.1f} ms vs {:.0f} ms (x{:.2f} / "
        "x{:.2f}, connecting included)\n",
        f.itl_p50 * 1e3, f.itl_p99 * 1e3, f.itl_max * 1e3, kFixedItl * 1e3, f.itl_p50 / kFixedItl,
        f.itl_p99 / kFixedItl, f.ttft_p50 * 1e3, f.ttft_p99 * 1e3, kFixedTtft * 1e3,
        f.ttft_p50 / kFixedTtft, f.ttft_p99 / kFixedTtft);
  }
  if (g_replicas) {
    const ReplicaFigures& r = *g_replicas;
    const ClientRun& f = r.http;
    const EngineOnlyRun& e = r.engine;
    fmt::print(
        "(2) replica engine, {}: {} users x {} streams of {} tokens, {}-word prompts, users "
        "starting over {} s\n",
        r.describe, f.users, kRounds, kReplicaTokens, kInputWords, kRampUp);
    fmt::print(
        "    baseline, engine only (same load straight into a RealtimeEngine on the server's core, "
        "no HTTP): {:.0f} tokens/s (window {:.2f}-{:.2f} s), ITL p50 / p99 {:.1f} / {:.1f} ms "
        "(the step time at ~{} sequences a replica), peak in flight {}, CPU {:.2f} s = {:.1f}% "
        "of the core ({:.1f} us a token), callbacks late p50 / p99 {:.2f} / {:.2f} ms, waited "
        "{:.2f} s\n",
        e.rate, e.window_from, e.window_to, e.itl_p50 * 1e3, e.itl_p99 * 1e3,
        kReplicaStreams / kReplicas, e.peak_in_flight, e.cpu, e.wall > 0 ? e.cpu / e.wall * 100 : 0,
        e.tokens ? e.cpu / static_cast<double>(e.tokens) * 1e6 : 0, e.late_p50 * 1e3,
        e.late_p99 * 1e3, e.wait);
    PrintClientRun(f, e.rate, "engine-only");
    const double ratio = e.rate > 0 ? f.rate / e.rate : 0;
    fmt::print("    HTTP-served / engine-only tokens/s: {:.3f}   target >= {:.2f}  {}\n", ratio,
               kTargetEngineRatio, Verdict(ratio >= kTargetEngineRatio));
    if (ratio < kTargetEngineRatio) fmt::print("      cause: {}\n", Cause(f));
    fmt::print(
        "    ITL (client) p50 / p99 / max {:.1f} / {:.1f} / {:.1f} ms vs the engine's {:.1f} / "
        "{:.1f} ms: x{:.3f} / x{:.3f}; TTFT p50 / p99 {:.1f} / {:.1f} ms; the server thread {} "
        "(wanted its core {:.0f}% of the run)\n",
        f.itl_p50 * 1e3, f.itl_p99 * 1e3, f.itl_max * 1e3, e.itl_p50 * 1e3, e.itl_p99 * 1e3,
        e.itl_p50 > 0 ? f.itl_p50 / e.itl_p50 : 0, e.itl_p99 > 0 ? f.itl_p99 / e.itl_p99 : 0,
        f.ttft_p50 * 1e3, f.ttft_p99 * 1e3,
        f.server_demand() < kSaturated ? "keeps up with the engine's schedule"
                                       : "is saturated: tokens leave later than the engine made "
                                         "them",
        f.server_demand() * 100);
    fmt::print(
        "    at the measured costs the engine's schedule of {:.0f} tokens/s needs {:.2f} cores of "
        "server ({:.1f} us a token) and {:.2f} of client ({:.1f} us a token); one core each "
        "carries ~{:.0f} / ~{:.0f} tokens/s\n",
        e.rate, e.rate * f.server_us() * 1e-6, f.server_us(), e.rate * f.client_us() * 1e-6,
        f.client_us(), f.server_us() > 0 ? 1e6 / f.server_us() : 0,
        f.client_us() > 0 ? 1e6 / f.client_us() : 0);
  }
}

}  // namespace
}  // namespace aiinfra::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  aiinfra::bench::Prepare();
  benchmark::RunSpecifiedBenchmarks();
  aiinfra::bench::PrintSummary();
  benchmark::Shutdown();
  return 0;
}
