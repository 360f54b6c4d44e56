#include "sim/adapters.h"

#include <algorithm>
#include <climits>

namespace aiinfra::sim {
namespace {

Arrival ToArrival(const workload::RequestSpec& spec) {
  auto s = std::make_unique<Sequence>();
  s->id = spec.id;
  s->class_index = spec.class_index;
  s->arrival = spec.arrival;
  s->n_in = static_cast<int32_t>(std::min<int64_t>(spec.input_tokens, INT32_MAX));
  s->n_out = static_cast<int32_t>(std::min<int64_t>(spec.output_tokens, INT32_MAX));
  s->hashes = spec.prefix_hashes;
  return Arrival{std::move(s), spec.session_id};
}

}  // namespace

std::optional<Arrival> WorkloadSource::Next() {
  auto r = g_.Next();
  if (!r) {
    error_ = r.error();
    return std::nullopt;
  }
  if (!*r) return std::nullopt;
  return ToArrival(**r);
}

std::vector<Arrival> WorkloadSource::Start() {
  std::vector<Arrival> out;
  for (int c = 0; c < static_cast<int>(g_.class_names().size()); ++c) {
    for (int u = 0; u < g_.ClosedLoopUsers(c); ++u) out.push_back(Send(c, u, 0));
  }
  return out;
}

std::optional<Arrival> WorkloadSource::FollowUp(const Sequence& ended, double t) {
  const auto it = users_.find(ended.id);
  if (it == users_.end()) return std::nullopt;
  const auto [c, u] = it->second;
  users_.erase(it);
  const double at = t + g_.NextThinkTime(c, u);
  if (!(at <= g_.horizon())) return std::nullopt;  // the run ends before the user sends
  return Send(c, u, at);
}

Arrival WorkloadSource::Send(int class_index, int user, double at) {
  Arrival a = ToArrival(g_.NextClosedLoopRequest(class_index, user, at));
  users_[a.seq->id] = {class_index, user};
  return a;
}

RunRecorder::RunRecorder(metrics::MetricsCollector& collector, metrics::TimeSeries& series,
                         std::vector<ScaleEvent>& scales, LatencySamples& samples,
                         RecorderOptions options)
    : collector_(collector),
      series_(series),
      scales_(scales),
      samples_(samples),
      options_(std::move(options)),
      rng_(options_.seed) {
  if (options_.requests_csv) Keep(options_.requests_csv->Write(metrics::RecordCsvHeader()));
}

void RunRecorder::OnToken(const Sequence& seq, int, int replica, double t) {
  metrics::RequestRecord& r = Record(seq);
  if (r.token_chunks() == 0) series_.ObserveTtft(t, t - seq.arrival);
  r.AddChunk(t, 1);
  r.replica = replica;
  series_.Count(metrics::TimeSeries::kOutputTokens, t);
}

void RunRecorder::OnFinish(std::unique_ptr<Sequence> seq, int, int, double t) {
  metrics::RequestRecord& r = Record(*seq);
  r.Finish(metrics::Outcome::kOk, t);
  Done(*seq, r);
  series_.Count(metrics::TimeSeries::kCompletions, t);
}

void RunRecorder::OnUnfinished(std::unique_ptr<Sequence> seq, double t) {
  metrics::RequestRecord& r = Record(*seq);
  r.Finish(metrics::Outcome::kUnfinished, t);
  Done(*seq, r);
}

void RunRecorder::OnSample(const PoolSample& p) {
  using TS = metrics::TimeSeries;
  if (options_.progress && p.pool == 0) options_.progress(p.time, options_.horizon);
  // The loop reports every pool's sample of a tick one after the other.
  PoolSample& acc = tick_;
  acc.running += p.running;
  acc.waiting += p.waiting;
  acc.replicas_ready += p.replicas_ready;
  acc.replicas_starting += p.replicas_starting;
  acc.kv_usage = std::max(acc.kv_usage, p.kv_usage);
  if (++tick_pools_ == options_.pools) {
    series_.Set(TS::kRunning, p.time, static_cast<double>(acc.running));
    series_.Set(TS::kWaiting, p.time, static_cast<double>(acc.waiting));
    series_.Set(TS::kReplicasReady, p.time, acc.replicas_ready);
    series_.Set(TS::kReplicasStarting, p.time, acc.replicas_starting);
    series_.Set(TS::kKvUsage, p.time, acc.kv_usage);
    tick_ = {};
    tick_pools_ = 0;
  }
}

void RunRecorder::Arrived(const Sequence& seq) {
  series_.Count(metrics::TimeSeries::kArrivals, seq.arrival);
  series_.Count(metrics::TimeSeries::kInputTokens, seq.arrival, seq.n_in);
}

metrics::RequestRecord& RunRecorder::Record(const Sequence& seq) {
  auto [it, fresh] = records_.try_emplace(seq.id, seq.arrival);
  if (fresh) {
    it->second.n_in = static_cast<uint32_t>(seq.n_in);
    it->second.class_index = static_cast<uint32_t>(seq.class_index);
  }
  return it->second;
}

void RunRecorder::Done(const Sequence& seq, metrics::RequestRecord& r) {
  if (seq.t_sched >= 0) r.t_sched = seq.t_sched;
  r.n_cached = static_cast<uint32_t>(seq.cached_tokens);
  collector_.Add(r);
  if (r.outcome() == metrics::Outcome::kOk) Sample(seq.class_index, r);
  if (options_.requests_csv && !write_error_) {
    const auto c = static_cast<size_t>(seq.class_index);
    const std::vector<std::string>& names = options_.class_names;
    Keep(options_.requests_csv->Write(metrics::RecordCsvRow(r, c < names.size() ? names[c] : "")));
  }
  records_.erase(seq.id);
}

// Reservoir sampling per (metric, class): each completed request is kept with probability
// kLatencySamples / seen.
void RunRecorder::Sample(int class_index, const metrics::RequestRecord& r) {
  const std::optional<double> values[3] = {r.Ttft(), r.Tpot(), r.E2e()};
  const auto cls = static_cast<size_t>(std::max(class_index, 0));
  if (seen_.size() <= cls) seen_.resize(cls + 1);
  const uint64_t n = ++seen_[cls];
  const uint64_t slot = n <= kLatencySamples ? n - 1 : rng_() % n;
  for (size_t m = 0; m < 3; ++m) {
    auto& per_class = samples_[m];
    if (per_class.size() <= cls) per_class.resize(cls + 1);
    auto& v = per_class[cls];
    if (!values[m] || slot >= kLatencySamples) continue;
    if (slot < v.size()) {
      v[slot] = *values[m];
    } else {
      v.push_back(*values[m]);
    }
  }
}

void RunRecorder::Keep(const Status& s) {
  if (!s && !write_error_) write_error_ = s.error();
}

std::vector<Arrival> CountingSource::Start() {
  std::vector<Arrival> all = inner_.Start();
  for (const Arrival& a : all) recorder_.Arrived(*a.seq);
  return all;
}

std::optional<Arrival> CountingSource::Seen(std::optional<Arrival> a) {
  if (a) recorder_.Arrived(*a->seq);
  return a;
}

}  // namespace aiinfra::sim
