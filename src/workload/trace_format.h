// The row formats of public LLM request traces: how one line parses into a TraceRow and how a
// RequestSpec is written as one line. trace.h builds the streaming reader and writer on these.
//
//   azure      CSV    TIMESTAMP ("2023-11-16 18:15:46.6805900"), ContextTokens, GeneratedTokens
//   splitwise  CSV    arrived_at (seconds), num_prefill_tokens, num_decode_tokens
//   burstgpt   CSV    Timestamp (seconds), Request tokens, Response tokens
//   mooncake   JSONL  timestamp (milliseconds), input_length, output_length, hash_ids
//
// CSV columns are found by name in the header (any order; case and surrounding spaces ignored;
// other columns, such as BurstGPT's Model, Total tokens and Log Type, ignored). Azure timestamps
// become seconds from the file's first row; a "Z" or "+HH:MM" suffix is applied. The sources of
// each format are in src/workload/README.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "workload/request.h"

namespace aiinfra::workload {

enum class TraceFormat { kAzure, kSplitwise, kBurstGpt, kMooncake };

// "azure", "splitwise" (also "vidur"), "burstgpt", "mooncake". Error lists the names.
Result<TraceFormat> ParseTraceFormat(std::string_view name);
const char* TraceFormatName(TraceFormat format);

// Trace times lie within +-kMaxTraceSeconds (1e15 s, 32 million years) of the trace's zero: far
// beyond any recording (a Unix time in seconds is 1.7e9), yet small enough that a span between
// two times, its product with a speed-up, and a mooncake time in milliseconds (1e18) stay finite
// and fit int64. A row beyond it is an error (often a time in a finer unit than the format's).
inline constexpr double kMaxTraceSeconds = 1e15;

// Azure timestamps are read and written from 1970-01-01 00:00:00 UTC up to, not including,
// 2200-01-01 00:00:00 UTC (as seconds since the Unix epoch): in that range nanoseconds since
// the epoch fit int64 (which ends in 2262) and so does the difference of two of them. The
// public Azure traces are from 2023 and 2024. The writer counts arrivals from 2023-11-16.
inline constexpr int64_t kAzureFirstSecond = 0;
inline constexpr int64_t kAzureEndSecond = 7258118400;         // 2200-01-01 00:00:00 UTC
inline constexpr int64_t kAzureWriteEpochSecond = 1700092800;  // 2023-11-16 00:00:00 UTC

struct TraceRow {
  double time = 0;               // seconds on the trace's own clock, |time| <= kMaxTraceSeconds
  int64_t input = 0;             // 0..kMaxTokens
  int64_t output = 0;            // 0..kMaxTokens
  std::vector<uint64_t> hashes;  // mooncake hash_ids
};

// Parses the lines of one file, in order (a CSV's first non-blank line is its header).
class RowParser {
 public:
  RowParser(TraceFormat format, std::string file);

  // true with `row` filled for a data row; false for a blank or header line. Errors
  // (kInvalidInput) name file:line, the field, what is wrong and how to fix it: a missing
  // column, a malformed number or timestamp, a time beyond kMaxTraceSeconds or an azure time
  // outside 1970..2199, a negative or fractional token count or one above kMaxTokens, bad JSON.
  // Zero token counts are not errors here (the reader skips and counts them).
  Result<bool> Parse(std::string_view line, int line_no, TraceRow& row);

 private:
  Result<bool> ParseCsv(std::string_view line, int line_no, TraceRow& row);
  Result<bool> ParseJson(std::string_view line, int line_no, TraceRow& row);

  TraceFormat format_;
  std::string file_;
  bool have_header_ = false;
  int time_col_ = -1, input_col_ = -1, output_col_ = -1;
  size_t header_fields_ = 0;
  std::vector<std::string> fields_;
  bool have_first_ns_ = false;
  int64_t first_ns_ = 0;  // azure: the first row's timestamp, ns since the Unix epoch
};

// Azure timestamps: "YYYY-MM-DD HH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]" (also with a 'T') to
// nanoseconds since the Unix epoch (UTC), and back (7 fractional digits, as Azure writes). The
// instant, offset applied, must lie in [kAzureFirstSecond, kAzureEndSecond) (years 1970 to
// 2199 UTC): an error (kInvalidInput) says so. FormatAzureTimestamp takes any int64.
Result<int64_t> ParseAzureTimestamp(std::string_view text);
std::string FormatAzureTimestamp(int64_t ns_since_epoch);

// The header line (with '\n'; empty for mooncake) and one row (with '\n') of `format`.
// Resolution: azure times to 100 ns (from 2023-11-16 00:00:00 + arrival), mooncake to 1 ms
// (integers, as the published trace); splitwise and burstgpt exactly (shortest round-trip
// decimal). Only the format's fields are written.
// A row is written only if it reads back: otherwise an error (kInvalidInput, field "arrival",
// "input_tokens" or "output_tokens", naming the request id) for an arrival that is not finite
// or beyond kMaxTraceSeconds, an azure arrival whose time from 2023-11-16 falls outside
// 1970..2199, or token counts outside 0..kMaxTokens.
std::string TraceHeader(TraceFormat format);
Result<std::string> FormatTraceRow(TraceFormat format, const RequestSpec& request);

}  // namespace aiinfra::workload
