#include "loadgen/run_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "workload/sessions.h"

namespace aiinfra::loadgen {
namespace {

using Json = nlohmann::ordered_json;

double Or(std::optional<double> v) { return v ? *v : metrics::kUnset; }

// vLLM reports 0 for a statistic without data (np.mean(0)); so do its fields here.
double Finite(double v) { return std::isfinite(v) ? v : 0.0; }

int64_t PromptTokens(const RequestRow& r) {
  return r.usage && r.n_in > 0 ? static_cast<int64_t>(r.n_in) : r.planned_input;
}

}  // namespace

void RunningStats::Add(double x) {
  ++n_;
  const double d = x - mean_;
  mean_ += d / static_cast<double>(n_);
  m2_ += d * (x - mean_);
}

double RunningStats::stddev() const {
  return n_ ? std::sqrt(std::max(0.0, m2_ / static_cast<double>(n_))) : 0;
}

void RunLog::Add(const SentRequest& s) {
  const metrics::RequestRecord& r = s.record;
  RequestRow row;
  row.id = s.id;
  row.session = s.session;
  row.turn = s.turn;
  row.prefix_group = s.prefix_group;
  row.outcome = r.outcome();
  row.scheduled = s.scheduled;
  row.t_send = r.t_send;
  row.ttft = Or(r.Ttft());
  row.tpot = Or(r.Tpot());
  row.e2e = Or(r.E2e());
  row.t_end = r.t_last();
  row.planned_input = s.planned_input;
  row.planned_output = s.planned_output;
  row.n_in = r.n_in;
  row.n_out = r.n_out();
  row.usage = r.token_source() == metrics::TokenSource::kUsage;
  rows_.push_back(row);

  const bool ok = row.outcome == metrics::Outcome::kOk;
  if (row.outcome == metrics::Outcome::kError) {
    ++errors_[r.http_status ? fmt::format("{} {}", r.http_status, r.error_type) : r.error_type];
  }
  // Tokens per second: each chunk's tokens in its second, or, without the chunks, the request's
  // tokens at its end.
  const auto count = [&](double t, double tokens) {
    if (!(t >= 0) || !std::isfinite(t)) return;
    const auto i = static_cast<size_t>(t);
    if (i >= tokens_per_second_.size()) tokens_per_second_.resize(i + 1, 0.0);
    tokens_per_second_[i] += tokens;
  };
  if (ok) {
    if (r.keeps_chunks()) {
      for (const metrics::Chunk& c : r.chunks()) count(c.t, c.tokens);
    } else {
      count(row.t_end, row.n_out);
    }
    if (auto v = r.Ttft()) ttft_.Add(*v);
    if (auto v = r.Tpot()) tpot_.Add(*v);
    if (auto v = r.E2e()) e2e_.Add(*v);
    r.ForEachIcl([&](double gap) { itl_.Add(gap); });
  }
  if (detailed_) {
    std::vector<double> gaps;
    if (ok) r.ForEachIcl([&](double gap) { gaps.push_back(gap); });
    itls_.push_back(std::move(gaps));
    texts_.emplace_back(s.text);
    error_texts_.emplace_back(s.error);
  }
}

uint64_t RunLog::PeakConcurrency() const {
  // Half-open intervals: at equal times an end comes before a start (as vLLM's sweep line).
  std::vector<std::pair<double, int>> events;
  for (const RequestRow& r : rows_) {
    if (r.outcome != metrics::Outcome::kOk || !std::isfinite(r.t_end)) continue;
    events.emplace_back(r.t_send, 1);
    events.emplace_back(r.t_end, -1);
  }
  std::sort(events.begin(), events.end());
  int64_t now = 0, peak = 0;
  for (const auto& [t, d] : events) {
    now += d;
    peak = std::max(peak, now);
  }
  return static_cast<uint64_t>(peak);
}

Json RunLog::VllmJson(const VllmContext& c, const metrics::RunSummary& summary) const {
  const metrics::GroupSummary& g = summary.overall;
  uint64_t completed = 0, failed = 0;
  int64_t total_input = 0, total_output = 0;
  for (const RequestRow& r : rows_) {
    if (r.outcome == metrics::Outcome::kOk) {
      ++completed;
      total_input += PromptTokens(r);
      total_output += r.n_out;
    } else if (metrics::IsFailure(r.outcome)) {
      ++failed;
    }
  }
  const double d = c.duration > 0 ? c.duration : metrics::kUnset;
  Json j;
  j["date"] = c.date;
  j["endpoint_type"] = c.backend;
  j["backend"] = c.backend;
  j["label"] = c.label.empty() ? Json(nullptr) : Json(c.label);
  j["model_id"] = c.model_id;
  j["tokenizer_id"] = nullptr;  // no tokenizer: counts are the endpoint's usage
  j["num_prompts"] = c.num_prompts;
  j["request_rate"] = c.request_rate ? Json(*c.request_rate) : Json("inf");
  j["burstiness"] = c.burstiness ? Json(*c.burstiness) : Json(nullptr);
  j["max_concurrency"] = c.max_concurrency ? Json(*c.max_concurrency) : Json(nullptr);
  j["duration"] = c.duration;
  j["completed"] = completed;
  j["failed"] = failed;
  j["total_input_tokens"] = total_input;
  j["total_output_tokens"] = total_output;
  j["request_throughput"] = Finite(static_cast<double>(completed) / d);
  j["request_goodput"] =
      c.has_goodput ? Json(Finite(static_cast<double>(g.good) / d)) : Json(nullptr);
  j["output_throughput"] = Finite(static_cast<double>(total_output) / d);
  j["total_token_throughput"] = Finite(static_cast<double>(total_input + total_output) / d);
  j["max_output_tokens_per_s"] =
      tokens_per_second_.empty()
          ? 0.0
          : *std::max_element(tokens_per_second_.begin(), tokens_per_second_.end());
  j["max_concurrent_requests"] = PeakConcurrency();
  // Per metric: mean, median, std and percentiles in ms. vLLM's itl is the gap between streamed
  // chunks, which is metrics' icl (equal to itl when every chunk carries one token).
  const std::pair<const char*, std::pair<metrics::MetricId, const RunningStats*>> kMetrics[] = {
      {"ttft", {metrics::MetricId::kTtft, &ttft_}},
      {"tpot", {metrics::MetricId::kTpot, &tpot_}},
      {"itl", {metrics::MetricId::kIcl, &itl_}},
      {"e2el", {metrics::MetricId::kE2e, &e2e_}}};
  const char* kPercentileNames[] = {"p50", "p90", "p95", "p99", "p99.9"};
  for (const auto& [name, what] : kMetrics) {
    const metrics::MetricStats& m = g.metrics[static_cast<size_t>(what.first)];
    j[fmt::format("mean_{}_ms", name)] = what.second->mean() * 1e3;
    j[fmt::format("median_{}_ms", name)] = Finite(m.percentiles[0]) * 1e3;
    j[fmt::format("std_{}_ms", name)] = what.second->stddev() * 1e3;
    for (size_t p = 1; p < m.percentiles.size(); ++p) {
      j[fmt::format("{}_{}_ms", kPercentileNames[p], name)] = Finite(m.percentiles[p]) * 1e3;
    }
  }
  if (c.detailed) {
    // In request order, as vLLM lists its outputs.
    std::vector<size_t> order(rows_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return rows_[a].id < rows_[b].id; });
    Json input_lens = Json::array(), output_lens = Json::array(), ttfts = Json::array(),
         itls = Json::array(), latencies = Json::array(), start_times = Json::array(),
         texts = Json::array(), errors = Json::array();
    for (size_t i : order) {
      const RequestRow& r = rows_[i];
      const bool ok = r.outcome == metrics::Outcome::kOk;
      input_lens.push_back(PromptTokens(r));
      output_lens.push_back(ok ? r.n_out : 0);
      ttfts.push_back(ok ? Finite(r.ttft) : 0.0);
      itls.push_back(i < itls_.size() ? Json(itls_[i]) : Json::array());
      latencies.push_back(ok ? Finite(r.e2e) : 0.0);
      start_times.push_back(r.t_send);
      texts.push_back(i < texts_.size() ? texts_[i] : std::string());
      errors.push_back(i < error_texts_.size() ? error_texts_[i] : std::string());
    }
    j["input_lens"] = input_lens;
    j["output_lens"] = output_lens;
    j["ttfts"] = ttfts;
    j["itls"] = itls;
    j["latencies"] = latencies;
    j["start_times"] = start_times;
    j["generated_texts"] = texts;
    j["errors"] = errors;
  }
  return j;
}

std::vector<workload::RequestSpec> RunLog::TraceRequests(
    double offset, const std::optional<PrefixIdentity>& prefixes) const {
  std::vector<workload::RequestSpec> out;
  out.reserve(rows_.size());
  // Hashers by prefix group + 1 (0: no shared prefix), built as groups appear.
  std::map<int, workload::PrefixHasher> hashers;
  for (const RequestRow& r : rows_) {
    workload::RequestSpec q;
    q.arrival = r.t_send + offset;
    q.input_tokens = std::max<int64_t>(1, PromptTokens(r));
    q.output_tokens = std::max<int64_t>(
        1, r.outcome == metrics::Outcome::kOk ? static_cast<int64_t>(r.n_out) : r.planned_output);
    q.session_id = r.session;
    q.turn = r.turn;
    if (prefixes) {
      const int cls = r.prefix_group + 1;
      auto it = hashers.find(cls);
      if (it == hashers.end()) {
        it = hashers
                 .emplace(cls, workload::PrefixHasher(workload::ClassTag(prefixes->seed, cls),
                                                      cls > 0 ? prefixes->prefix_tokens : 0,
                                                      prefixes->block_tokens))
                 .first;
      }
      q.prefix_hashes =
          it->second.Hashes(workload::SessionTag(prefixes->seed, r.session), q.input_tokens);
      q.hash_block_tokens = prefixes->block_tokens;
    }
    out.push_back(std::move(q));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.arrival < b.arrival; });
  for (size_t i = 0; i < out.size(); ++i) out[i].id = i;
  return out;
}

std::vector<workload::RequestSpec> TraceOfParts(const std::vector<RunPart>& parts,
                                                const std::optional<PrefixIdentity>& prefixes) {
  std::vector<workload::RequestSpec> rows;
  for (const RunPart& p : parts) {
    if (!p.log) continue;
    std::optional<PrefixIdentity> identity = prefixes;
    if (identity) identity->seed = p.seed;
    auto part = p.log->TraceRequests(p.offset, identity);
    rows.insert(rows.end(), part.begin(), part.end());
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.arrival < b.arrival; });
  for (size_t i = 0; i < rows.size(); ++i) rows[i].id = i;
  return rows;
}

std::string VllmBackendName(ApiKind api) {
  switch (api) {
    case ApiKind::kChat:
      return "openai-chat";
    case ApiKind::kCompletions:
      return "openai";
    case ApiKind::kOllamaChat:
      return "ollama-chat";
    case ApiKind::kOllamaGenerate:
      return "ollama-generate";
  }
  return "";
}

Json RequestLine(const SentRequest& s, std::optional<int> step) {
  Json j = metrics::RecordToJson(s.record);
  j["id"] = s.id;
  j["session"] = s.session;
  j["turn"] = s.turn;
  if (step) j["step"] = *step;
  j["scheduled"] = s.scheduled;
  j["send_lag"] = s.record.t_send - s.scheduled;
  j["prefix_group"] = s.prefix_group >= 0 ? Json(s.prefix_group) : Json(nullptr);
  j["planned_input"] = s.planned_input;
  j["planned_output"] = s.planned_output;
  j["error"] = s.error.empty() ? Json(nullptr) : Json(std::string(s.error));
  return j;
}

}  // namespace aiinfra::loadgen
