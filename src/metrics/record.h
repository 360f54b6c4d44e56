// RequestRecord: the raw data of one request (specs/metrics.md, "Raw data kept per request") and
// every per-request metric derived from it, with the names of the spec's table.
//
// Who fills it: the simulator (t_arrival, t_sched, one chunk per engine step), the live
// endpoint (the same, against the wall clock), the load generator and the tracer (t_send and
// the chunks they receive). All of them hand finished records to MetricsCollector
// (summary.h), so a simulated and a measured run are reduced by the same code.
//
// Time: seconds (SI) on any one clock and epoch per run; only differences are used. Chunks
// must be added in nondecreasing time (asserted).
//
// Chunks. A chunk is one streamed piece of output at time t carrying k >= 0 tokens. Chunks with
// no token (a role-only first delta, a final usage chunk) move t_last, so they end e2e, but they
// are not "chunks" for ttft, itl or icl: protocol framing is not generation. Of the chunks that
// carry tokens, the first gives ttft; each later one gives one icl gap (its time minus the
// previous token-bearing chunk's) and k itl contributions of gap / k each. The first chunk's
// extra tokens (k_1 > 1) contribute no itl: the time before them is ttft, not an inter-token
// gap. So the itl contributions of a request sum to t_last_token - t_first and number
// n_tokens - k_1; with k_1 = 1 their mean is the request's tpot.
//
// Storage. The simulator makes millions of records but holds only those in flight; a record
// keeps scalars plus one double per token-bearing chunk after the first (the gap, from which
// itl and icl follow; chunks of k != 1 tokens add 8 bytes more). The gaps stay in the record,
// not in a shared accumulator, because a request that later fails (timeout, cancel, horizon)
// must leave no trace in latency statistics. The full chunk list (absolute times) is kept only
// when asked (keep_chunks: bench and trace write it to per-request JSONL).
//
// Token counts. By default n_out is the sum of the chunks' k (TokenSource::kChunks). A client
// that only knows the total from the final `usage` field (k of each chunk then being its own
// estimate, e.g. 1 per delta) calls SetOutputTokens, which sets n_out and marks the record
// TokenSource::kUsage; outputs say which.
//
// A value type; not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace aiinfra::metrics {

inline constexpr double kUnset = std::numeric_limits<double>::quiet_NaN();

enum class Outcome : std::uint8_t {
  kOk,          // completed: enters latency statistics
  kError,       // the server answered an error (http_status, error_type say which)
  kCancelled,   // the client gave up (or was told to)
  kTimeout,     // the client's deadline passed
  kDropped,     // refused at admission (simulator: queue full, no replica)
  kUnfinished,  // still running when the run ended (simulator horizon, bench deadline)
};
inline constexpr int kOutcomeCount = 6;

// "ok", "error", "cancelled", "timeout", "dropped", "unfinished": the names in JSON and CSV.
std::string_view OutcomeName(Outcome outcome);
Result<Outcome> ParseOutcome(std::string_view name);
// Whether the outcome counts as failed: error, cancelled, timeout, dropped. Unfinished requests
// are neither completed nor failed.
bool IsFailure(Outcome outcome);

enum class TokenSource : std::uint8_t {
  kChunks,  // n_out = sum of the chunks' token counts (exact per chunk)
  kUsage,   // n_out from the endpoint's usage field at the end; chunk counts are estimates
};
std::string_view TokenSourceName(TokenSource source);  // "chunks", "usage"

struct Chunk {
  double t = 0;
  std::uint32_t tokens = 0;
};

class RequestRecord {
 public:
  // t_send: when the request was issued (client) or arrived (server, simulator).
  explicit RequestRecord(double t_send = 0, bool keep_chunks = false)
      : t_send(t_send), keep_chunks_(keep_chunks) {}

  // --- Raw data set by the producer ---------------------------------------------------------
  double t_send;               // t_send or t_arrival of the spec
  double t_sched = kUnset;     // first scheduled by a replica (server/simulator); kUnset if unknown
  std::uint32_t n_in = 0;      // prompt tokens
  std::uint32_t n_cached = 0;  // prompt tokens served from the prefix cache
  std::uint32_t class_index = 0;  // tenant class (index into the collector's class names)
  std::int32_t replica = -1;      // replica that served it; -1 if unknown
  std::uint16_t http_status = 0;  // for kError (0 if not HTTP)
  std::string error_type;         // for kError, e.g. OpenAI's "server_error"

  // A streamed chunk at time t (>= every earlier chunk's time) carrying `tokens` tokens.
  void AddChunk(double t, std::uint32_t tokens);
  // The endpoint's own output token count (usage field); marks the record TokenSource::kUsage.
  void SetOutputTokens(std::uint32_t n_out);
  // Ends the request at time t_end with `outcome`. Records not finished are kUnfinished.
  void Finish(Outcome outcome, double t_end);
  // Finish(kError, t_end) with the HTTP status and error type.
  void FinishError(double t_end, std::uint16_t status, std::string type);

  // --- Raw data read back -------------------------------------------------------------------
  Outcome outcome() const { return outcome_; }
  TokenSource token_source() const { return source_; }
  std::uint32_t n_out() const { return source_ == TokenSource::kUsage ? usage_out_ : tokens_; }
  // Tokens counted from the chunks (equals n_out() for TokenSource::kChunks).
  std::uint32_t chunk_tokens() const { return tokens_; }
  // Chunks that carried at least one token.
  std::uint32_t token_chunks() const { return token_chunks_; }
  double t_first() const { return t_first_; }  // first token-bearing chunk; kUnset if none
  // The last chunk of any kind, else the finish time, else kUnset.
  double t_last() const;
  double t_end() const { return t_end_; }  // as given to Finish; kUnset before
  bool keeps_chunks() const { return keep_chunks_; }
  const std::vector<Chunk>& chunks() const { return chunks_; }  // empty unless keep_chunks

  // --- Derived per-request metrics (specs/metrics.md); nullopt where undefined --------------
  std::optional<double> Ttft() const;   // t_first - t_send
  std::optional<double> E2e() const;    // t_last - t_send
  std::optional<double> Tpot() const;   // (e2e - ttft) / (n_out - 1); n_out >= 2
  std::optional<double> Ntpot() const;  // e2e / n_out; n_out >= 1
  std::optional<double> Queue() const;  // t_sched - t_send
  // (n_out - 1) / (e2e - ttft); n_out >= 2 and e2e > ttft.
  std::optional<double> TpsUser() const;

  // Calls f(value, weight) for each itl contribution: one call per later chunk, value gap / k,
  // weight k (k copies of the value).
  template <typename F>
  void ForEachItl(F&& f) const;
  // Calls f(gap) for each icl contribution (gap between successive token-bearing chunks).
  template <typename F>
  void ForEachIcl(F&& f) const {
    for (double g : gaps_) f(g);
  }
  // Number of itl contributions (sum of weights).
  std::uint64_t itl_count() const;
  // The q-quantile (linear interpolation, as quantiles.h) of this request's own itl
  // contributions; nullopt when it has none. q = 1 is its largest token gap.
  std::optional<double> ItlQuantile(double q) const;

 private:
  bool keep_chunks_;
  Outcome outcome_ = Outcome::kUnfinished;
  TokenSource source_ = TokenSource::kChunks;
  std::uint32_t tokens_ = 0;
  std::uint32_t usage_out_ = 0;
  std::uint32_t token_chunks_ = 0;
  double t_first_ = kUnset;
  double t_prev_ = kUnset;  // last token-bearing chunk
  double t_last_chunk_ = kUnset;
  double t_end_ = kUnset;
  std::vector<double> gaps_;  // one per token-bearing chunk after the first
  // (index into gaps_, tokens) for the gaps whose chunk carried k != 1 tokens.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> multi_;
  std::vector<Chunk> chunks_;
};

template <typename F>
void RequestRecord::ForEachItl(F&& f) const {
  auto next = multi_.begin();
  for (std::uint32_t i = 0; i < gaps_.size(); ++i) {
    std::uint32_t k = 1;
    if (next != multi_.end() && next->first == i) k = (next++)->second;
    f(gaps_[i] / k, static_cast<std::uint64_t>(k));
  }
}

// Per-request output, one line or row per record (bench's JSONL, the simulator's streamed CSV).
// Fields: class, replica, outcome, http_status, error_type, token_source, t_send, t_sched,
// t_first, t_last, n_in, n_cached, n_out, chunks, ttft, e2e, tpot, ntpot, queue, tps_user;
// undefined values are null in JSON and empty in CSV. JSON adds "chunk_times" and
// "chunk_tokens" arrays when the record keeps its chunks.
nlohmann::ordered_json RecordToJson(const RequestRecord& record, std::string_view class_name = {});
std::string RecordCsvHeader();  // ends with "\n"
std::string RecordCsvRow(const RequestRecord& record, std::string_view class_name = {});

}  // namespace aiinfra::metrics
