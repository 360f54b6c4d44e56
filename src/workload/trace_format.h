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

struct TraceRow {
  double time = 0;  // seconds on the trace's own clock
  int64_t input = 0;
  int64_t output = 0;
  std::vector<uint64_t> hashes;  // mooncake hash_ids
};

// Parses the lines of one file, in order (a CSV's first non-blank line is its header).
class RowParser {
 public:
  RowParser(TraceFormat format, std::string file);

  // true with `row` filled for a data row; false for a blank or header line. Errors
  // (kInvalidInput) name file:line, the field, what is wrong and how to fix it: a missing
  // column, a malformed number or timestamp, a negative or fractional token count, bad JSON.
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
// nanoseconds since the Unix epoch (UTC), and back (7 fractional digits, as Azure writes).
Result<int64_t> ParseAzureTimestamp(std::string_view text);
std::string FormatAzureTimestamp(int64_t ns_since_epoch);

// The header line (with '\n'; empty for mooncake) and one row (with '\n') of `format`.
// Resolution: azure times to 100 ns (from 2023-11-16 00:00:00 + arrival), mooncake to 1 ms
// (integers, as the published trace); splitwise and burstgpt exactly (shortest round-trip
// decimal). Only the format's fields are written.
std::string TraceHeader(TraceFormat format);
std::string FormatTraceRow(TraceFormat format, const RequestSpec& request);

}  // namespace aiinfra::workload
