#include "serve_replicas.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "common/data.h"
#include "host_stats.h"
#include "hw/catalog.h"
#include "hw/collective_tuning.h"
#include "loadgen/prompts.h"
#include "model/catalog.h"
#include "perf/calibration.h"
#include "serve/model_scenario.h"
#include "serve/text.h"
#include "sim/scenario.h"

namespace aiinfra::bench {

namespace asio = boost::asio;

Result<ReplicaSetup> BuildReplicas(const std::string& model, const std::string& system,
                                   int replicas) {
  // The scenario `aiinfra serve --model M --system S --replicas N` runs.
  const std::string text = serve::ModelScenarioYaml(
      {.model = model, .system = system, .replicas = std::to_string(replicas)});
  AIINFRA_TRY(sim::Scenario scenario, sim::ParseScenario(text, "serve_bench scenario"));
  const DataSource data;  // the embedded catalogs
  AIINFRA_TRY(hw::Catalog hardware, hw::Catalog::Load(data));
  AIINFRA_TRY(model::ModelCatalog models, model::ModelCatalog::Load(data));
  AIINFRA_TRY(perf::CalibrationSet calibration, perf::CalibrationSet::Load(data));
  AIINFRA_TRY(hw::CollectiveTuning tuning, hw::CollectiveTuning::Load(data));
  // As serve_commands.cc: the pool's replicas share the performance model, not the catalogs.
  sim::Catalogs catalogs{&hardware, &models, &calibration, &tuning, nullptr};
  AIINFRA_TRY(sim::BuiltScenario built, sim::BuildScenario(scenario, catalogs));
  ReplicaSetup out;
  out.engine.pool = built.cluster.pool;
  serve::ServiceOptions& so = out.service;
  so.model.id = model;
  so.model.max_model_len = built.max_model_len > 0 ? built.max_model_len : 4096;
  so.block_size = scenario.pool.engine.block_size;
  so.seed = scenario.seed;
  so.output_lengths = scenario.workload.classes.front().output;
  so.model.ollama = {.name = so.model.id, .family = "llama", .quantization_level = "BF16"};
  out.describe =
      fmt::format("{} on {} x{} ({} GPU a replica, {} KV blocks of {} tokens)", model, system,
                  replicas, built.gpus_per_replica, built.kv_blocks_per_replica, so.block_size);
  return out;
}

EngineOnlyRun RunEngineOnly(const ReplicaSetup& setup, const loadgen::LoadSpec& spec, int cpu) {
  EngineOnlyRun f;
  std::thread worker([&] {
    pthread_setname_np(pthread_self(), "engine-only");
    if (cpu >= 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      sched_setaffinity(0, sizeof one, &one);
    }
    const double cpu0 = ThreadCpu(), wait0 = ThreadWaitSeconds(gettid());
    const loadgen::PromptMaker prompts =
        loadgen::PromptMaker::Create(spec.prompts, spec.seed).value();
    asio::io_context io(1);
    serve::RealtimeEngine engine(io.get_executor(), setup.engine);
    const auto users = static_cast<uint64_t>(spec.concurrency);
    const auto total = static_cast<uint64_t>(spec.num_requests);
    std::vector<double> times, itls, lates;
    double last_first_round_token = 0, last_submit = 0;
    uint64_t next = 0;
    serve::EngineCallbacks callbacks;
    callbacks.on_token = [&](const sim::Sequence& seq, double t) {
      const double now = engine.Now();
      times.push_back(now);
      lates.push_back(now - t);
      if (seq.t_last >= 0) itls.push_back(t - seq.t_last);
      if (seq.generated == 1 && seq.id <= users) {
        last_first_round_token = std::max(last_first_round_token, now);
      }
    };
    std::function<void()> submit;
    callbacks.on_done = [&](const sim::Sequence&, double, serve::Ending) {
      ++f.finished;
      asio::post(io, submit);  // not from inside the engine's step
    };
    // A request as Service::Generate makes it from the chat body loadgen sends for request n.
    submit = [&] {
      if (next >= total) return;
      const uint64_t n = next++;
      const loadgen::PromptDraw draw = prompts.Draw(n);
      const std::string content = prompts.Text(n, draw);
      auto seq = std::make_unique<sim::Sequence>();
      seq->id = n + 1;
      seq->n_in = static_cast<int32_t>(6 + serve::ApproxTokenCount(content));
      seq->n_out = static_cast<int32_t>(draw.output);
      seq->hashes = serve::BlockHashes("user\n" + content + "\n", setup.service.block_size);
      last_submit = engine.Now();
      engine.Submit(std::move(seq), n + 1, callbacks);
      f.peak_in_flight = std::max(f.peak_in_flight, static_cast<int64_t>(engine.in_flight()));
    };
    std::vector<std::unique_ptr<asio::steady_timer>> starts;
    for (uint64_t i = 0; i < users; ++i) {
      auto& timer = starts.emplace_back(std::make_unique<asio::steady_timer>(io));
      timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(spec.ramp_up * static_cast<double>(i) /
                                        static_cast<double>(users))));
      timer->async_wait([&](const boost::system::error_code& ec) {
        if (!ec) submit();
      });
    }
    io.run();
    f.wall = engine.Now();
    f.tokens = times.size();
    f.window_from = last_first_round_token;
    f.window_to = last_submit;
    f.rate = RateIn(times, f.window_from, f.window_to);
    f.itl_p50 = Quantile(itls, 0.5);
    f.itl_p99 = Quantile(std::move(itls), 0.99);
    f.late_p50 = Quantile(lates, 0.5);
    f.late_p99 = Quantile(std::move(lates), 0.99);
    f.cpu = ThreadCpu() - cpu0;
    f.wait = ThreadWaitSeconds(gettid()) - wait0;
  });
  worker.join();
  return f;
}

}  // namespace aiinfra::bench
