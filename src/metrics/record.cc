#include "metrics/record.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

#include "metrics/quantiles.h"

namespace aiinfra::metrics {
namespace {

constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames = {
    "ok", "error", "cancelled", "timeout", "dropped", "unfinished"};

std::optional<double> Defined(double v) {
  if (std::isnan(v)) return std::nullopt;
  return v;
}

nlohmann::ordered_json JsonOr(std::optional<double> v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string CsvNumber(std::optional<double> v) { return v ? fmt::format("{}", *v) : std::string(); }

// RFC 4180: quote a field that holds a separator, a quote or a line break; double its quotes.
std::string CsvText(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string ClassName(const RequestRecord& r, std::string_view name) {
  return name.empty() ? fmt::format("{}", r.class_index) : std::string(name);
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  return kOutcomeNames[static_cast<std::size_t>(outcome)];
}

Result<Outcome> ParseOutcome(std::string_view name) {
  for (int i = 0; i < kOutcomeCount; ++i) {
    if (kOutcomeNames[static_cast<std::size_t>(i)] == name) return static_cast<Outcome>(i);
  }
  return Fail(ErrorCode::kInvalidInput, fmt::format("unknown outcome '{}' (expected one of: {})",
                                                    name, fmt::join(kOutcomeNames, ", ")));
}

bool IsFailure(Outcome outcome) {
  return outcome != Outcome::kOk && outcome != Outcome::kUnfinished;
}

std::string_view TokenSourceName(TokenSource source) {
  return source == TokenSource::kChunks ? "chunks" : "usage";
}

void RequestRecord::AddChunk(double t, std::uint32_t tokens) {
  assert(!(t < t_last_chunk_) && "chunks must arrive in nondecreasing time");
  if (keep_chunks_) chunks_.push_back({t, tokens});
  t_last_chunk_ = t;
  if (tokens == 0) return;
  tokens_ += tokens;
  if (token_chunks_ == 0) {
    t_first_ = t;
  } else {
    gaps_.push_back(t - t_prev_);
    if (tokens != 1) multi_.emplace_back(static_cast<std::uint32_t>(gaps_.size() - 1), tokens);
  }
  t_prev_ = t;
  ++token_chunks_;
}

void RequestRecord::SetOutputTokens(std::uint32_t n_out) {
  usage_out_ = n_out;
  source_ = TokenSource::kUsage;
}

void RequestRecord::Finish(Outcome outcome, double t_end) {
  outcome_ = outcome;
  t_end_ = t_end;
}

void RequestRecord::FinishError(double t_end, std::uint16_t status, std::string type) {
  Finish(Outcome::kError, t_end);
  http_status = status;
  error_type = std::move(type);
}

double RequestRecord::t_last() const { return std::isnan(t_last_chunk_) ? t_end_ : t_last_chunk_; }

std::optional<double> RequestRecord::Ttft() const { return Defined(t_first_ - t_send); }

std::optional<double> RequestRecord::E2e() const { return Defined(t_last() - t_send); }

std::optional<double> RequestRecord::Tpot() const {
  const auto ttft = Ttft();
  const auto e2e = E2e();
  if (!ttft || !e2e || n_out() < 2) return std::nullopt;
  return (*e2e - *ttft) / (n_out() - 1);
}

std::optional<double> RequestRecord::Ntpot() const {
  const auto e2e = E2e();
  if (!e2e || n_out() < 1) return std::nullopt;
  return *e2e / n_out();
}

std::optional<double> RequestRecord::Queue() const { return Defined(t_sched - t_send); }

std::optional<double> RequestRecord::TpsUser() const {
  const auto ttft = Ttft();
  const auto e2e = E2e();
  if (!ttft || !e2e || n_out() < 2 || !(*e2e > *ttft)) return std::nullopt;
  return (n_out() - 1) / (*e2e - *ttft);
}

std::uint64_t RequestRecord::itl_count() const {
  std::uint64_t n = gaps_.size();
  for (const auto& m : multi_) n += m.second - 1;
  return n;
}

std::optional<double> RequestRecord::ItlQuantile(double q) const {
  if (gaps_.empty()) return std::nullopt;
  if (q >= 1 || q <= 0) {  // the common SLO form "every token gap <= X" needs no sort
    double best =
        q >= 1 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    ForEachItl(
        [&](double v, std::uint64_t) { best = q >= 1 ? std::max(best, v) : std::min(best, v); });
    return best;
  }
  QuantileSketch own(std::numeric_limits<std::uint64_t>::max());
  ForEachItl([&](double v, std::uint64_t w) { own.Add(v, w); });
  return own.Quantile(q);
}

nlohmann::ordered_json RecordToJson(const RequestRecord& r, std::string_view class_name) {
  nlohmann::ordered_json j;
  j["class"] = ClassName(r, class_name);
  j["replica"] = r.replica;
  j["outcome"] = OutcomeName(r.outcome());
  j["http_status"] = r.http_status;
  j["error_type"] = r.error_type;
  j["token_source"] = TokenSourceName(r.token_source());
  j["t_send"] = r.t_send;
  j["t_sched"] = JsonOr(Defined(r.t_sched));
  j["t_first"] = JsonOr(Defined(r.t_first()));
  j["t_last"] = JsonOr(Defined(r.t_last()));
  j["n_in"] = r.n_in;
  j["n_cached"] = r.n_cached;
  j["n_out"] = r.n_out();
  j["chunks"] = r.token_chunks();
  j["ttft"] = JsonOr(r.Ttft());
  j["e2e"] = JsonOr(r.E2e());
  j["tpot"] = JsonOr(r.Tpot());
  j["ntpot"] = JsonOr(r.Ntpot());
  j["queue"] = JsonOr(r.Queue());
  j["tps_user"] = JsonOr(r.TpsUser());
  if (r.keeps_chunks()) {
    auto& times = j["chunk_times"] = nlohmann::ordered_json::array();
    auto& tokens = j["chunk_tokens"] = nlohmann::ordered_json::array();
    for (const Chunk& c : r.chunks()) {
      times.push_back(c.t);
      tokens.push_back(c.tokens);
    }
  }
  return j;
}

std::string RecordCsvHeader() {
  return "class,replica,outcome,http_status,error_type,token_source,t_send,t_sched,t_first,"
         "t_last,n_in,n_cached,n_out,chunks,ttft,e2e,tpot,ntpot,queue,tps_user\n";
}

std::string RecordCsvRow(const RequestRecord& r, std::string_view class_name) {
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                     CsvText(ClassName(r, class_name)), r.replica, OutcomeName(r.outcome()),
                     r.http_status, CsvText(r.error_type), TokenSourceName(r.token_source()),
                     r.t_send, CsvNumber(Defined(r.t_sched)), CsvNumber(Defined(r.t_first())),
                     CsvNumber(Defined(r.t_last())), r.n_in, r.n_cached, r.n_out(),
                     r.token_chunks(), CsvNumber(r.Ttft()), CsvNumber(r.E2e()), CsvNumber(r.Tpot()),
                     CsvNumber(r.Ntpot()), CsvNumber(r.Queue()), CsvNumber(r.TpsUser()));
}

}  // namespace aiinfra::metrics
