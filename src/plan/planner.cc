#include "plan/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "common/text.h"
#include "common/units.h"
#include "model/footprint.h"
#include "plan/queueing.h"

namespace aiinfra::plan {
namespace {

constexpr int kSearchGpuLimit = 100000;  // total GPUs when --max-gpus is not given
constexpr int kLargestReplica = 64;

// One point of a replica's performance curve.
struct CurvePoint {
  double batch = 0;
  double rate = 0;  // requests/s per replica
  double ttft = 0;  // without queueing
  double tpot = 0;
};

// The curve over the batches perf searches, up to the largest the replica holds.
std::vector<CurvePoint> Curve(const perf::PerfModel& m, perf::Mode mode, const perf::Workload& w,
                              double max_batch) {
  std::vector<CurvePoint> out;
  auto add = [&](double b) {
    auto p = perf::PredictReplica(m, mode, w, {}, b);
    if (p) out.push_back({b, p->requests_per_s, p->ttft, p->tpot});
  };
  for (double b = 1; b <= std::min(max_batch, 16.0); b += 1) add(b);
  for (double b = 16 * 1.12; b < max_batch; b *= 1.12) add(std::floor(b));
  if (max_batch > 16) add(std::floor(max_batch));
  return out;
}

// The curve point where the replica's throughput equals `rate` (linear between samples), or
// nullopt when the rate exceeds what `cap` points offer.
std::optional<CurvePoint> AtRate(const std::vector<CurvePoint>& curve, std::size_t cap,
                                 double rate) {
  for (std::size_t i = 0; i < cap; ++i) {
    if (curve[i].rate >= rate) {
      if (i == 0) return curve[0];
      const CurvePoint& a = curve[i - 1];
      const CurvePoint& b = curve[i];
      double f = (rate - a.rate) / (b.rate - a.rate);
      return CurvePoint{a.batch + f * (b.batch - a.batch), rate, a.ttft + f * (b.ttft - a.ttft),
                        a.tpot + f * (b.tpot - a.tpot)};
    }
  }
  return std::nullopt;
}

struct SloView {
  std::optional<double> ttft, tpot;
  double ttft_q = 0.9;
};

SloView View(const std::vector<Slo>& slos) {
  SloView v;
  for (const Slo& s : slos) {
    if (s.metric == "ttft") {
      v.ttft = s.limit;
      v.ttft_q = s.percentile / 100;
    } else {
      v.tpot = s.limit;
    }
  }
  return v;
}

void Judge(Plan& p, const std::vector<Slo>& slos) {
  p.violation = 0;
  for (const Slo& s : slos) {
    double value = s.metric == "ttft" ? p.ttft : p.tpot;
    if (!std::isfinite(value)) continue;  // over capacity: already said
    if (value > s.limit) {
      p.misses.push_back(
          fmt::format("{} {} > {}", s.Name(), FormatDuration(value), FormatDuration(s.limit)));
      p.violation += std::isinf(value) ? 1e9 : value / s.limit - 1;
    }
  }
}

struct Config {
  const hw::System* system;
  model::Dtype weights;
  perf::Parallelism parallel;
};

// Replica sizes: powers of two up to kLargestReplica, and the whole scale-up domain when it is
// larger (72 on an NVL72, 384 on a CloudMatrix 384), where wide expert parallelism lives.
std::vector<int> ReplicaSizes(const hw::System& sys, int max_gpus) {
  std::vector<int> sizes;
  for (int g = 1; g <= std::min(max_gpus, kLargestReplica); g *= 2) sizes.push_back(g);
  int domain = sys.domain_accelerators();
  if (domain > kLargestReplica && domain <= max_gpus) sizes.push_back(domain);
  return sizes;
}

std::vector<perf::Parallelism> Parallelisms(const model::Architecture& m, const hw::System& sys,
                                            int max_gpus) {
  std::vector<perf::Parallelism> out;
  int domain = sys.domain_accelerators();
  for (int g : ReplicaSizes(sys, max_gpus)) {
    for (int pp : {1, 2, 4}) {
      if (g % pp != 0 || pp > m.layers) continue;
      int tp = g / pp;
      std::vector<perf::Parallelism> options = {{.tp = tp, .pp = pp}};
      if (m.is_moe() && tp > 1) {
        options.push_back({.tp = tp, .pp = pp, .ep = tp});
        options.push_back({.tp = tp, .pp = pp, .ep = tp, .dp_attention = tp});
      }
      for (const perf::Parallelism& p : options) {
        // Tensor parallelism across scale-out links is never a sensible plan; wide EP with
        // attention kept local (DP) is.
        if (p.tp > domain && p.dp_attention != p.tp) continue;
        if (m.is_moe() && p.ep > m.moe->experts) continue;
        out.push_back(p);
      }
    }
  }
  return out;
}

std::string ParallelLabel(const perf::Parallelism& p) {
  std::string s = fmt::format("TP{}", p.tp);
  if (p.pp > 1) s += fmt::format(" PP{}", p.pp);
  if (p.ep > 1) s += fmt::format(" EP{}", p.ep);
  if (p.dp_attention > 1) s += fmt::format(" DPA{}", p.dp_attention);
  return s;
}

void Price(Plan& p, const PlanRequest& r) {
  auto it = r.prices.find(p.accelerator);
  if (it == r.prices.end()) return;
  p.dollars_per_hour = it->second * p.gpus;
  double tokens_per_hour = r.rate * r.workload.osl * 3600;
  p.dollars_per_million_tokens = *p.dollars_per_hour / (tokens_per_hour / 1e6);
}

// Aggregated: the fewest replicas of `m` that meet the SLOs (binary search: more replicas never
// hurt latency), or the plan at the most replicas allowed, with its misses.
std::optional<Plan> PlanAggregated(const perf::PerfModel& m, const Config& c, const PlanRequest& r,
                                   int max_gpus, std::vector<ParetoPoint>* points, int* evaluated) {
  auto best = perf::PredictReplica(m, perf::Mode::kOffline, r.workload);
  if (!best) return std::nullopt;
  std::vector<CurvePoint> curve = Curve(m, perf::Mode::kOffline, r.workload, best->max_batch);
  if (curve.empty()) return std::nullopt;
  *evaluated += static_cast<int>(curve.size());
  const int g = m.gpus();
  std::string label =
      fmt::format("{} {} {}", c.system->id, model::DtypeName(c.weights), ParallelLabel(c.parallel));
  for (const CurvePoint& p : curve) {
    if (p.tpot > 0) points->push_back({1 / p.tpot, p.rate * r.workload.osl / g, label});
  }
  SloView slo = View(r.slos);
  // Batch cap: the largest batch whose TPOT meets the SLO (bursts cannot push TPOT past it).
  std::size_t cap = curve.size();
  if (slo.tpot) {
    while (cap > 0 && curve[cap - 1].tpot > *slo.tpot) --cap;
    if (cap == 0) cap = 1;
  }
  const CurvePoint& top = curve[cap - 1];
  const int max_replicas = max_gpus / g;
  if (max_replicas < 1) return std::nullopt;
  int min_replicas =
      std::clamp(static_cast<int>(std::ceil(r.rate / top.rate * 1.0001)), 1, max_replicas);
  auto evaluate = [&](int replicas) {
    Plan p;
    p.system = c.system->id;
    p.accelerator = c.system->accelerator.id;
    p.weights = model::DtypeName(c.weights);
    p.parallel = c.parallel;
    p.replicas = replicas;
    p.gpus_per_replica = g;
    p.gpus = replicas * g;
    p.batch_cap = static_cast<int>(top.batch);
    p.ttft_percentile = slo.ttft_q * 100;
    double lambda = r.rate / replicas;
    auto at = AtRate(curve, cap, lambda);
    if (!at) {
      p.ttft = p.tpot = std::numeric_limits<double>::infinity();
      p.misses.push_back(fmt::format("{} replicas serve at most {:.3g} requests/s", replicas,
                                     replicas * top.rate));
      p.utilization = lambda / top.rate;
    } else {
      p.batch = at->batch;
      p.tpot = at->tpot;
      double residence = at->ttft + (r.workload.osl - 1) * at->tpot;
      p.ttft = at->ttft + WaitQuantile(top.batch, residence, lambda, slo.ttft_q);
      p.utilization = lambda / top.rate;
    }
    p.tokens_per_s_per_gpu = r.rate * r.workload.osl / p.gpus;
    p.tokens_per_s_per_user = p.tpot > 0 && std::isfinite(p.tpot) ? 1 / p.tpot : 0;
    Judge(p, r.slos);
    if (!at) p.violation += r.rate / (replicas * top.rate);
    Price(p, r);
    return p;
  };
  Plan at_max = evaluate(max_replicas);
  if (!at_max.misses.empty()) return at_max;
  int lo = min_replicas, hi = max_replicas;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (evaluate(mid).misses.empty()) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return evaluate(lo);
}

// Disaggregated: the fewest prefill replicas meeting the TTFT SLO and the fewest decode
// replicas meeting the TPOT SLO, each sized independently.
std::optional<Plan> PlanDisaggregated(const perf::PerfModel& m, const Config& c,
                                      const PlanRequest& r, int max_gpus, int* evaluated) {
  SloView slo = View(r.slos);
  auto unit = perf::PredictDisaggregated(m, m, r.workload, {}, 1, 1);
  if (!unit) return std::nullopt;
  const double transfer = unit->kv_transfer_time;
  const int g = m.gpus();
  // Prefill: prompts per step chosen for throughput within the TTFT budget.
  perf::Limits prefill_limits;
  if (slo.ttft) prefill_limits.ttft_max = std::max(1e-6, *slo.ttft - transfer);
  auto pre = perf::PredictReplica(m, perf::Mode::kPrefill, r.workload, prefill_limits);
  if (!pre) pre = perf::PredictReplica(m, perf::Mode::kPrefill, r.workload, {}, 1.0);
  if (!pre) return std::nullopt;
  auto dec_best = perf::PredictReplica(m, perf::Mode::kDecode, r.workload);
  if (!dec_best) return std::nullopt;
  std::vector<CurvePoint> decode = Curve(m, perf::Mode::kDecode, r.workload, dec_best->max_batch);
  *evaluated += static_cast<int>(decode.size()) + 1;
  std::size_t cap = decode.size();
  if (slo.tpot) {
    while (cap > 0 && decode[cap - 1].tpot > *slo.tpot) --cap;
    if (cap == 0) cap = 1;
  }
  const CurvePoint& top = decode[cap - 1];

  auto prefill_ttft = [&](int replicas) {
    // Each replica serves `batch` prompts per step of `step_time`: c = replicas x batch slots,
    // each holding a prompt for one step.
    double servers = replicas * pre->batch;
    return pre->step_time + WaitQuantile(servers, pre->step_time, r.rate, slo.ttft_q) + transfer;
  };
  int p_min = std::max(1, static_cast<int>(std::ceil(r.rate / pre->requests_per_s * 1.0001)));
  int d_min = std::max(1, static_cast<int>(std::ceil(r.rate / top.rate * 1.0001)));
  int budget = max_gpus / g;
  if (budget < 2) return std::nullopt;
  int prefill = p_min;
  while (slo.ttft && prefill_ttft(prefill) > *slo.ttft && prefill + d_min < budget) ++prefill;
  int decode_replicas = d_min;
  Plan p;
  p.system = c.system->id;
  p.accelerator = c.system->accelerator.id;
  p.weights = model::DtypeName(c.weights);
  p.parallel = c.parallel;
  p.disaggregated = true;
  p.prefill_replicas = prefill;
  p.replicas = decode_replicas;
  p.gpus_per_replica = g;
  p.gpus = (prefill + decode_replicas) * g;
  p.batch_cap = static_cast<int>(top.batch);
  p.ttft_percentile = slo.ttft_q * 100;
  p.ttft = prefill_ttft(prefill);
  auto at = AtRate(decode, cap, r.rate / decode_replicas);
  p.tpot = at ? at->tpot : std::numeric_limits<double>::infinity();
  if (!std::isfinite(p.ttft)) {
    p.misses.push_back(fmt::format("{} prefill replicas serve at most {:.3g} requests/s", prefill,
                                   prefill * pre->requests_per_s));
    p.violation += 1;
  }
  if (!at) {
    p.misses.push_back(fmt::format("{} decode replicas serve at most {:.3g} requests/s",
                                   decode_replicas, decode_replicas * top.rate));
    p.violation += 1;
  }
  p.batch = at ? at->batch : 0;
  p.utilization =
      std::max(r.rate / (prefill * pre->requests_per_s), r.rate / (decode_replicas * top.rate));
  p.tokens_per_s_per_gpu = r.rate * r.workload.osl / p.gpus;
  p.tokens_per_s_per_user = at && at->tpot > 0 ? 1 / at->tpot : 0;
  Judge(p, r.slos);
  Price(p, r);
  if (p.gpus > max_gpus) {
    p.misses.push_back(fmt::format("needs {} GPUs, more than --max-gpus {}", p.gpus, max_gpus));
    p.violation += static_cast<double>(p.gpus) / max_gpus;
  }
  return p;
}

bool Better(const Plan& a, const Plan& b, bool priced) {
  if (priced && a.dollars_per_hour && b.dollars_per_hour &&
      *a.dollars_per_hour != *b.dollars_per_hour) {
    return *a.dollars_per_hour < *b.dollars_per_hour;
  }
  if (a.gpus != b.gpus) return a.gpus < b.gpus;
  return a.tokens_per_s_per_user > b.tokens_per_s_per_user;
}

}  // namespace

std::string Slo::Name() const { return fmt::format("{}_p{:g}", metric, percentile); }

Result<std::vector<Slo>> ParseSlos(std::string_view text) {
  std::vector<Slo> out;
  auto bad = [&](std::string_view part) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--slo: expected METRIC_pXX=TIME (ttft or tpot; e.g. "
                            "ttft_p90=500ms,tpot_p90=50ms), got '{}'",
                            part));
  };
  for (const std::string& item : SplitList(text)) {
    std::string_view part = item;
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) return bad(part);
    std::string key = ToLowerAscii(part.substr(0, eq));
    Slo s;
    std::size_t under = key.find("_p");
    if (under == std::string::npos) return bad(part);
    s.metric = key.substr(0, under);
    if (s.metric != "ttft" && s.metric != "tpot") return bad(part);
    try {
      std::size_t used = 0;
      s.percentile = std::stod(key.substr(under + 2), &used);
      if (used != key.size() - under - 2) return bad(part);
    } catch (...) {
      return bad(part);
    }
    if (!(s.percentile > 0 && s.percentile < 100)) return bad(part);
    auto limit = ParseDuration(part.substr(eq + 1));
    if (!limit || *limit <= 0) return bad(part);
    s.limit = *limit;
    for (const Slo& other : out) {
      if (other.metric == s.metric) {
        return Fail(ErrorCode::kUsage, fmt::format("--slo: {} is given twice", s.metric));
      }
    }
    out.push_back(s);
  }
  return out;
}

Result<std::map<std::string, double>> ParsePrices(std::string_view text) {
  std::map<std::string, double> out;
  for (const std::string& item : SplitList(text)) {
    std::string_view part = item;
    std::size_t eq = part.find('=');
    std::string value(eq == std::string_view::npos ? "" : part.substr(eq + 1));
    if (value.ends_with("/h")) value.resize(value.size() - 2);
    if (!value.empty() && value.front() == '$') value.erase(0, 1);
    double price = 0;
    try {
      std::size_t used = 0;
      price = std::stod(value, &used);
      if (used != value.size()) price = -1;
    } catch (...) {
      price = -1;
    }
    if (eq == std::string_view::npos || eq == 0 || !(price >= 0)) {
      return Fail(ErrorCode::kUsage,
                  fmt::format("--price: expected NAME=DOLLARS/h per GPU (e.g. H200=3.5/h), got "
                              "'{}'",
                              part));
    }
    out[ToLowerAscii(part.substr(0, eq))] = price;
  }
  return out;
}

Result<const hw::System*> ResolveHardware(std::string_view name, const hw::Catalog& catalog) {
  std::string want = ToLowerAscii(name);
  if (auto s = catalog.FindSystem(want)) return *s;
  for (const hw::System& s : catalog.systems()) {
    if (s.accelerator.id == want) return &s;
  }
  for (const hw::System& s : catalog.systems()) {
    if (s.accelerator.id.starts_with(want) || s.id.starts_with(want) ||
        s.id.ends_with("-" + want)) {
      return &s;
    }
  }
  std::vector<std::string> known;
  for (const hw::System& s : catalog.systems()) known.push_back(s.id);
  for (const hw::Accelerator& a : catalog.accelerators()) known.push_back(a.id);
  return Fail(ErrorCode::kNotFound, hw::UnknownNameMessage("hardware", name, known));
}

std::string SmallestFittingSystem(const model::Architecture& model, model::Dtype weights,
                                  const hw::Catalog& catalog) {
  double bytes = model::ComputeWeightBytes(model, model::WeightPlan::Default(weights)).total;
  const hw::System* best = nullptr;
  auto memory = [](const hw::System& s) {
    return s.accelerator.memory_usable.value * s.accelerator_count();
  };
  for (const hw::System& s : catalog.systems()) {
    // Weights within 90% of the memory, with 2 GiB per GPU for activations and the KV cache.
    double room = memory(s) * 0.9 - 2.0 * (1ull << 30) * s.accelerator_count();
    if (bytes > room) continue;
    if (!best || s.accelerator_count() < best->accelerator_count() ||
        (s.accelerator_count() == best->accelerator_count() && memory(s) < memory(*best))) {
      best = &s;
    }
  }
  return best ? best->id : "";
}

std::string Plan::Label() const {
  std::string base = fmt::format("{} {} {}", system, weights, ParallelLabel(parallel));
  if (disaggregated) return base + fmt::format(" {}P{}D", prefill_replicas, replicas);
  return base + fmt::format(" x{}", replicas);
}

Result<PlanResult> Search(const PlanRequest& r, const hw::Catalog& catalog,
                          const perf::CalibrationSet& calibration, perf::CommCache& comm,
                          std::size_t keep) {
  if (r.systems.empty()) return Fail(ErrorCode::kUsage, "--hw names no hardware");
  if (!(r.rate > 0)) return Fail(ErrorCode::kUsage, "--rate must be > 0 requests/s");
  const int max_gpus = r.max_gpus > 0 ? r.max_gpus : kSearchGpuLimit;
  PlanResult result;
  std::vector<Plan> meeting, missing;
  double shortfall = -1;  // smallest memory shortfall of a configuration, bytes per replica
  std::string shortfall_config;
  for (const hw::System* sys : r.systems) {
    for (model::Dtype weights : r.weights) {
      for (const perf::Parallelism& par : Parallelisms(r.model, *sys, max_gpus)) {
        perf::Deployment d;
        d.model = r.model;
        d.system = *sys;
        d.weights = model::WeightPlan::Default(weights);
        d.kv = r.kv;
        d.parallel = par;
        if (!perf::CheckDeployment(d)) continue;
        auto m = perf::PerfModel::Create(d, calibration.For(sys->accelerator.id), comm);
        if (!m) continue;
        ++result.configurations;
        if (!m->memory().fits()) {
          double missing_bytes = -m->memory().kv_per_gpu * d.gpus();
          if (shortfall < 0 || missing_bytes < shortfall) {
            shortfall = missing_bytes;
            shortfall_config = fmt::format("{} x {} ({}) in {}", d.gpus(), sys->accelerator.id,
                                           ParallelLabel(par), model::DtypeName(weights));
          }
          continue;
        }
        Config c{sys, weights, par};
        if (r.aggregated) {
          auto agg = PlanAggregated(*m, c, r, max_gpus, &result.points, &result.operating_points);
          if (agg) (agg->misses.empty() ? meeting : missing).push_back(*agg);
        }
        if (r.disaggregated) {
          auto dis = PlanDisaggregated(*m, c, r, max_gpus, &result.operating_points);
          if (dis) (dis->misses.empty() ? meeting : missing).push_back(*dis);
        }
      }
    }
  }
  if (meeting.empty() && missing.empty()) {
    std::string smallest;
    for (model::Dtype w : r.weights) {
      smallest = SmallestFittingSystem(r.model, w, catalog);
      if (!smallest.empty()) {
        smallest = fmt::format("{} (in {})", smallest, model::DtypeName(w));
        break;
      }
    }
    std::string names;
    for (const hw::System* s : r.systems) names += (names.empty() ? "" : ", ") + s->id;
    return Fail(
        ErrorCode::kNoResult,
        fmt::format("{} does not fit on {} within {} GPUs{}; {}", r.model.id, names, max_gpus,
                    shortfall > 0 ? fmt::format(": the closest, {}, is short by {}",
                                                shortfall_config, FormatBytes(shortfall))
                                  : "",
                    smallest.empty() ? "no catalog system holds its weights"
                                     : "the smallest catalog system that holds it is " + smallest));
  }
  bool priced = true;
  for (const hw::System* s : r.systems) priced = priced && r.prices.contains(s->accelerator.id);
  std::sort(meeting.begin(), meeting.end(),
            [&](const Plan& a, const Plan& b) { return Better(a, b, priced); });
  if (meeting.size() > keep) meeting.resize(keep);
  result.plans = meeting;
  if (meeting.empty()) {
    std::sort(missing.begin(), missing.end(), [](const Plan& a, const Plan& b) {
      return a.violation != b.violation ? a.violation < b.violation : a.gpus < b.gpus;
    });
    if (missing.size() > 3) missing.resize(3);
    result.nearest = missing;
  }
  result.frontier = ParetoFrontier(result.points);
  return result;
}

}  // namespace aiinfra::plan
