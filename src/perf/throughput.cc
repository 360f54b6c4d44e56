#include "perf/throughput.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/units.h"

namespace aiinfra::perf {
namespace {

// Batches to try up to `max`: every integer to 64, then 4% steps, then `max` itself.
std::vector<double> Candidates(double max) {
  std::vector<double> out;
  for (double b = 1; b <= std::min(max, 64.0); b += 1) out.push_back(b);
  for (double b = 64 * 1.04; b < max; b *= 1.04) out.push_back(std::floor(b));
  if (max >= 1 && (out.empty() || out.back() != std::floor(max))) out.push_back(std::floor(max));
  return out;
}

std::string Seconds(double s) { return FormatDuration(s); }

struct Evaluated {
  OperatingPoint point;
  bool meets = true;
  std::string miss;  // which limit it misses
};

// Time to prefill one prompt of `isl` tokens while `decodes` sequences decode: its attention
// group fits what the token budget leaves after the group's decodes into each step, so the
// prompt takes ceil(isl / room) steps; each is timed as the middle chunk's step.
double PrefillLatency(const PerfModel& model, double isl, double decodes, double context) {
  const Deployment& d = model.deployment();
  double budget = d.engine.max_num_batched_tokens;
  double room = std::max(1.0, budget - decodes / d.parallel.dp_attention);
  double chunks = std::ceil(isl / room);
  double chunk = isl / chunks;
  BatchShape b = model.Prefill(chunk, (isl - chunk) / 2);
  if (decodes > 0) b += model.Decode(context, decodes);
  return chunks * model.Step(b).total;
}

Evaluated Evaluate(const PerfModel& model, Mode mode, const Workload& w, const Limits& limits,
                   double batch) {
  Evaluated e;
  OperatingPoint& p = e.point;
  p.mode = mode;
  p.batch = batch;
  const double gpus = model.gpus();
  switch (mode) {
    case Mode::kOffline: {
      double context = w.isl + w.osl / 2;
      BatchShape b = model.Decode(context, batch);
      b += model.Prefill(w.isl, 0, batch / w.osl);
      p.breakdown = model.Step(b);
      p.step_time = p.breakdown.total;
      p.tpot = p.step_time;
      p.ttft = 0.5 * p.step_time + PrefillLatency(model, w.isl, batch, context);
      p.requests_per_s = batch / w.osl / p.step_time;
      break;
    }
    case Mode::kPrefill: {
      BatchShape b = model.Prefill(w.isl, 0, batch);
      p.breakdown = model.Step(b);
      p.step_time = p.breakdown.total;
      p.ttft = p.step_time;
      p.requests_per_s = batch / p.step_time;
      break;
    }
    case Mode::kDecode: {
      double context = w.decode_context.value_or(w.isl + w.osl / 2);
      p.breakdown = model.Step(model.Decode(context, batch));
      p.step_time = p.breakdown.total;
      p.tpot = p.step_time;
      p.requests_per_s = batch / w.osl / p.step_time;
      break;
    }
  }
  p.output_tokens_per_s_per_gpu = p.requests_per_s * w.osl / gpus;
  p.input_tokens_per_s_per_gpu = p.requests_per_s * w.isl / gpus;
  if (mode == Mode::kPrefill) p.output_tokens_per_s_per_gpu = 0;
  if (mode == Mode::kDecode) p.input_tokens_per_s_per_gpu = 0;
  if (limits.ttft_max && mode != Mode::kDecode && p.ttft > *limits.ttft_max) {
    e.meets = false;
    e.miss = fmt::format("TTFT {} > {}", Seconds(p.ttft), Seconds(*limits.ttft_max));
  }
  if (limits.tpot_max && mode != Mode::kPrefill && p.tpot > *limits.tpot_max) {
    e.meets = false;
    e.miss = fmt::format("TPOT {} > {}", Seconds(p.tpot), Seconds(*limits.tpot_max));
  }
  return e;
}

}  // namespace

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kOffline:
      return "offline";
    case Mode::kPrefill:
      return "prefill";
    case Mode::kDecode:
      return "decode";
  }
  return "?";
}

Result<Mode> ParseMode(std::string_view name) {
  for (Mode m : {Mode::kOffline, Mode::kPrefill, Mode::kDecode}) {
    if (name == ModeName(m)) return m;
  }
  return Fail(ErrorCode::kUsage,
              fmt::format("--mode: unknown mode '{}'; use offline, prefill or decode", name));
}

Result<OperatingPoint> PredictReplica(const PerfModel& model, Mode mode, const Workload& w,
                                      const Limits& limits, std::optional<double> batch) {
  if (!(w.isl >= 1) || !(w.osl >= 1)) {
    return Fail(ErrorCode::kUsage, "--isl and --osl must be at least 1 token");
  }
  const Deployment& d = model.deployment();
  const MemoryPlan& mem = model.memory();
  if (!mem.fits()) {
    return Fail(ErrorCode::kNoResult,
                fmt::format("{} does not fit: {} of weights and {} of activations per GPU "
                            "exceed the {} the engine may use by {}",
                            d.model.id, FormatBytes(mem.weights_per_gpu),
                            FormatBytes(mem.activations_per_gpu), FormatBytes(mem.usable_per_gpu),
                            FormatBytes(-mem.kv_per_gpu)));
  }
  // The largest batch the replica can hold.
  const double dp = d.parallel.dp_attention;
  double budget = static_cast<double>(d.engine.max_num_batched_tokens) * dp;
  double by_seqs = static_cast<double>(d.engine.max_num_seqs) * dp;
  double by_memory = 0, by_budget = 0;
  switch (mode) {
    case Mode::kOffline:
      by_memory = model.MaxSequences(w.isl + w.osl / 2);
      by_budget = std::floor(budget / (1 + w.isl / w.osl));
      break;
    case Mode::kPrefill:
      by_memory = model.MaxSequences(w.isl);
      by_budget = std::max(1.0, std::floor(budget / w.isl));
      by_seqs = std::numeric_limits<double>::infinity();  // prompts leave after one step
      break;
    case Mode::kDecode:
      by_memory = model.MaxSequences(w.decode_context.value_or(w.isl + w.osl / 2));
      by_budget = budget;
      break;
  }
  double max_batch = std::min({by_seqs, by_memory, by_budget});
  std::string bound = max_batch == by_memory ? "memory"
                      : max_batch == by_seqs ? "max_num_seqs"
                                             : "token budget";
  if (max_batch < 1) {
    return Fail(ErrorCode::kNoResult,
                fmt::format("{}: the KV cache left after weights ({} per GPU) cannot hold one "
                            "sequence of this workload ({:g} input + {:g} output tokens)",
                            d.model.id, FormatBytes(mem.kv_per_gpu), w.isl, w.osl));
  }
  if (batch) {
    if (*batch < 1) return Fail(ErrorCode::kUsage, "--batch must be at least 1");
    Evaluated e = Evaluate(model, mode, w, limits, *batch);
    e.point.max_batch = max_batch;
    e.point.limited_by = e.meets ? "fixed" : "fixed; misses the limit: " + e.miss;
    if (*batch > max_batch) {
      return Fail(ErrorCode::kNoResult,
                  fmt::format("--batch {} exceeds the {} sequences the replica holds ({})", *batch,
                              max_batch, bound));
    }
    return e.point;
  }
  std::optional<Evaluated> best;
  std::optional<Evaluated> first;
  std::string stopped = bound;
  // Throughput grows with the batch while latency does too, so every candidate is evaluated
  // (a few hundred O(1) evaluations) rather than bisected: TTFT need not be monotone.
  for (double b : Candidates(max_batch)) {
    Evaluated e = Evaluate(model, mode, w, limits, b);
    if (!first) first = e;
    if (!e.meets) {
      stopped = e.miss.starts_with("TTFT") ? "ttft" : "tpot";
      continue;
    }
    double rate = mode == Mode::kPrefill ? e.point.input_tokens_per_s_per_gpu
                                         : e.point.output_tokens_per_s_per_gpu;
    double best_rate = !best                    ? -1
                       : mode == Mode::kPrefill ? best->point.input_tokens_per_s_per_gpu
                                                : best->point.output_tokens_per_s_per_gpu;
    if (rate > best_rate) best = e;
  }
  if (!best) {
    return Fail(ErrorCode::kNoResult,
                fmt::format("no batch meets the limits: even batch 1 has {}", first->miss));
  }
  best->point.max_batch = max_batch;
  best->point.limited_by = best->point.batch == max_batch ? bound : stopped;
  return best->point;
}

Result<DisaggPoint> PredictDisaggregated(const PerfModel& prefill, const PerfModel& decode,
                                         const Workload& w, const Limits& limits,
                                         int prefill_replicas, int decode_replicas) {
  // KV of one prompt moves from the prefill replica's GPUs to the decode replica's, all GPUs in
  // parallel; over NVLink-class links when both replicas sit in one scale-up domain.
  const hw::System& sys = prefill.deployment().system;
  double bytes = prefill.KvBytes(w.isl);
  double lanes = std::min(prefill.gpus(), decode.gpus());
  bool same_domain = prefill.gpus() + decode.gpus() <= sys.domain_accelerators();
  double link = same_domain ? sys.ScaleUpBandwidth().value : sys.NicBandwidthPerAccelerator();
  double latency = same_domain ? sys.scale_up_latency.value : sys.scale_out_latency.value;
  double transfer = link > 0 ? bytes / (link * 0.8 * lanes) + latency : 0;

  Limits prefill_limits;
  if (limits.ttft_max) {
    if (*limits.ttft_max <= transfer) {
      return Fail(ErrorCode::kNoResult,
                  fmt::format("the KV transfer alone ({}) exceeds the TTFT limit {}",
                              FormatDuration(transfer), FormatDuration(*limits.ttft_max)));
    }
    prefill_limits.ttft_max = *limits.ttft_max - transfer;
  }
  Limits decode_limits;
  decode_limits.tpot_max = limits.tpot_max;
  AIINFRA_TRY(OperatingPoint p, PredictReplica(prefill, Mode::kPrefill, w, prefill_limits));
  Workload dw = w;
  AIINFRA_TRY(OperatingPoint d, PredictReplica(decode, Mode::kDecode, dw, decode_limits));

  auto unit = [&](int x, int y) {
    DisaggPoint u;
    u.prefill_replicas = x;
    u.decode_replicas = y;
    u.prefill = p;
    u.decode = d;
    u.kv_transfer_time = transfer;
    u.ttft = p.ttft + transfer;
    u.tpot = d.tpot;
    u.gpus = x * prefill.gpus() + y * decode.gpus();
    u.requests_per_s = std::min(x * p.requests_per_s, y * d.requests_per_s);
    u.output_tokens_per_s_per_gpu = u.requests_per_s * w.osl / u.gpus;
    u.input_tokens_per_s_per_gpu = u.requests_per_s * w.isl / u.gpus;
    return u;
  };
  if (prefill_replicas > 0 && decode_replicas > 0) return unit(prefill_replicas, decode_replicas);
  DisaggPoint best = unit(1, 1);
  for (int x = 1; x <= 16; ++x) {
    for (int y = 1; y <= 16; ++y) {
      DisaggPoint u = unit(x, y);
      // Prefer fewer GPUs among equals (within 0.5%).
      if (u.output_tokens_per_s_per_gpu > best.output_tokens_per_s_per_gpu * 1.005) best = u;
    }
  }
  return best;
}

}  // namespace aiinfra::perf
