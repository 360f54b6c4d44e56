// Fuzz target for workload/trace.h and trace_format.h: the input as a request trace in each of the
// four formats (azure, splitwise, burstgpt, mooncake), read with TraceReader::FromStream over an
// std::istringstream, with default options and with speedup, rate, window, max_rows and
// class_index/block_tokens set; every request is read. Also ParseAzureTimestamp on the input's
// first line.
//
// Checked: never a crash; FromStream errors have a message and the code kInvalidInput (a bad row
// or option) or kNoResult (no row selected), as trace.h documents; Next() never fails on an
// unchanged stream and yields exactly rows() requests, then nullopt again. Every request has ids
// 0, 1, ... (session_id = id, turn 0), the options' class_index, input and output tokens >= 1, a
// finite arrival >= 0, arrivals non-decreasing, hashes only from mooncake (hash_block_tokens =
// block_tokens, 0 without hashes); scale() is finite and > 0. Across options: a bad row fails every
// read that reads it with the same error, an empty selection is kNoResult for every option,
// speedup divides the default's arrivals, max_rows keeps the first rows, a window selects a subset,
// rate gives that mean rate. What reads with default options, written back with TraceWriter in the
// same format and read again, gives the same requests (arrivals within the format's resolution:
// azure 100 ns, mooncake 1 ms, the CSV formats exactly) and no warnings. An azure timestamp that
// parses, formatted and parsed again, gives the same time truncated to 100 ns.
//
// Known bugs of src/workload (reported; see KnownBug below) are kept away from so that fuzzing goes
// on past them: the azure format is not tried on inputs with a year outside [1950, 2150] (int64
// nanosecond overflow in ParseAzureTimestamp and the azure writer), and rows with a time beyond
// 1e15 s or two times less than 1e-290 s apart are only checked for crashes and error codes (the
// reader's arrival, rate and scale arithmetic overflows to inf or NaN there).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "fuzz_check.h"
#include "workload/request.h"
#include "workload/trace.h"
#include "workload/trace_format.h"

namespace {

using aiinfra::Error;
using aiinfra::ErrorCode;
using aiinfra::Result;
using aiinfra::workload::FormatTrace;
using aiinfra::workload::RequestSpec;
using aiinfra::workload::RowParser;
using aiinfra::workload::TraceFormat;
using aiinfra::workload::TraceFormatName;
using aiinfra::workload::TraceOptions;
using aiinfra::workload::TraceReader;
using aiinfra::workload::TraceRow;

constexpr std::string_view kTarget = "workload_trace_fuzz";
// Larger inputs add nothing the parsers have not seen and slow every execution down.
constexpr size_t kMaxInput = 64 * 1024;

constexpr TraceFormat kFormats[] = {TraceFormat::kAzure, TraceFormat::kSplitwise,
                                    TraceFormat::kBurstGpt, TraceFormat::kMooncake};

std::string_view g_input;  // for findings

[[noreturn]] void Finding(TraceFormat format, const std::string& what) {
  aiinfra::fuzz::Finding(kTarget, std::string(TraceFormatName(format)) + ": " + what, g_input);
}

// Known bugs of src/workload, reported and not yet fixed. Remove each guard with its fix; the
// inputs that show them are kept in corpus/workload_trace/regression-*.
namespace KnownBug {

// ParseAzureTimestamp computes seconds * 1e9 in int64, which overflows outside 1677-09-21 ..
// 2262-04-11; the reader subtracts two such counts (overflow for rows more than 292 years apart)
// and the writer adds arrivals to 2023-11-16 (overflow past 2262). Any run of 4 digits before a
// '-' counts as a year here (a superset of what the parser reads as one).
bool AzureYearOutOfRange(std::string_view text) {
  for (size_t i = 4; i < text.size(); ++i) {
    if (text[i] != '-') continue;
    int year = 0;
    bool digits = true;
    for (size_t k = i - 4; k < i; ++k) {
      digits = digits && text[k] >= '0' && text[k] <= '9';
      year = year * 10 + (text[k] - '0');
    }
    if (digits && (year < 1950 || year > 2150)) return true;
  }
  return false;
}

}  // namespace KnownBug

// True if the rows reach the reader's float overflows (known bugs): a time beyond 1e15 s (the span
// overflows to inf, the mooncake writer's llround(arrival * 1000) overflows int64), or two
// distinct times closer than 1e-290 s (the mean rate (rows - 1) / span, and the rate option's
// scale, overflow to inf, making arrivals NaN). Scans rows as the reader parses them, up to the
// first bad row.
bool ExtremeTimes(const std::string& text, TraceFormat format) {
  RowParser parser(format, "scan");
  std::istringstream in(text);
  std::string line;
  std::vector<double> times;
  TraceRow row;
  int line_no = 0;
  while (std::getline(in, line)) {
    auto is_row = parser.Parse(line, ++line_no, row);
    if (!is_row) break;
    if (!*is_row) continue;
    if (!(std::fabs(row.time) <= 1e15)) return true;
    times.push_back(row.time);
  }
  std::sort(times.begin(), times.end());
  for (size_t i = 1; i < times.size(); ++i) {
    const double gap = times[i] - times[i - 1];
    if (gap > 0 && gap < 1e-290) return true;
  }
  return false;
}

struct Read {
  std::vector<RequestSpec> requests;
  std::vector<std::string> warnings;
  int64_t rows = 0;
  double scale = 0;
  double mean_rate = 0;
};

// FromStream, then Next() until nullopt; the requests are checked against `options`.
// `relaxed`: the rows reach a known bug (ExtremeTimes); only errors are checked.
Result<Read> ReadAll(const std::string& text, TraceFormat format, const TraceOptions& options,
                     std::string_view stage, bool relaxed = false) {
  auto reader = TraceReader::FromStream(std::make_unique<std::istringstream>(text), "fuzz.trace",
                                        format, options);
  if (!reader) {
    aiinfra::fuzz::CheckError(
        kTarget, std::string(TraceFormatName(format)) + " " + std::string(stage), reader.error(),
        {ErrorCode::kInvalidInput, ErrorCode::kNoResult}, g_input);
    return std::unexpected(reader.error());
  }
  TraceReader& r = **reader;
  Read out;
  out.rows = r.rows();
  out.scale = r.scale();
  if (out.rows < 1) Finding(format, std::string(stage) + ": opened with rows() < 1");
  if (!relaxed && (!std::isfinite(out.scale) || !(out.scale > 0))) {
    Finding(format,
            std::string(stage) + ": scale() is not finite and > 0: " + std::to_string(out.scale));
  }
  while (true) {
    auto next = r.Next();
    if (!next) {
      Finding(format, std::string(stage) +
                          ": Next() failed on an unchanged stream: " + next.error().ToString());
    }
    if (!*next) break;
    if (static_cast<int64_t>(out.requests.size()) >= out.rows) {
      Finding(format, std::string(stage) + ": Next() yields more requests than rows()");
    }
    out.requests.push_back(std::move(**next));
  }
  if (static_cast<int64_t>(out.requests.size()) != out.rows) {
    Finding(format, std::string(stage) + ": Next() yielded " + std::to_string(out.requests.size()) +
                        " requests, rows() says " + std::to_string(out.rows));
  }
  auto again = r.Next();
  if (!again || *again)
    Finding(format, std::string(stage) + ": Next() after the end is not nullopt");
  out.warnings = r.warnings();
  out.mean_rate = r.mean_rate();
  if (!relaxed && (!std::isfinite(out.mean_rate) || out.mean_rate < 0)) {
    Finding(format, std::string(stage) + ": mean_rate() is not finite and >= 0");
  }

  double previous = 0;
  for (size_t i = 0; i < out.requests.size(); ++i) {
    const RequestSpec& q = out.requests[i];
    const std::string at = std::string(stage) + ": request " + std::to_string(i) + ": ";
    if (q.id != i || q.session_id != i || q.turn != 0) {
      Finding(format, at + "ids are not 0, 1, ... (each its own session, turn 0)");
    }
    if (q.class_index != options.class_index)
      Finding(format, at + "class_index is not the option's");
    if (q.input_tokens < 1 || q.output_tokens < 1) {
      Finding(format, at + "tokens < 1: input " + std::to_string(q.input_tokens) + ", output " +
                          std::to_string(q.output_tokens));
    }
    if (!relaxed && (!std::isfinite(q.arrival) || q.arrival < 0)) {
      Finding(format, at + "arrival is not finite and >= 0: " + std::to_string(q.arrival));
    }
    if (!relaxed && q.arrival < previous) Finding(format, at + "arrivals decrease");
    previous = q.arrival;
    if (format != TraceFormat::kMooncake && !q.prefix_hashes.empty()) {
      Finding(format, at + "a CSV trace gave prefix hashes");
    }
    if (q.hash_block_tokens != (q.prefix_hashes.empty() ? 0 : options.block_tokens)) {
      Finding(format, at + "hash_block_tokens is not the option's block_tokens (0 without hashes)");
    }
  }
  return out;
}

bool Near(double a, double b, double abs_tol, double rel_tol) {
  return std::fabs(a - b) <= abs_tol + rel_tol * std::max(std::fabs(a), std::fabs(b));
}

// Everything but the arrival.
bool SameButArrival(RequestSpec a, const RequestSpec& b) {
  a.arrival = b.arrival;
  return a == b;
}

// The default read, written back in the same format and read again, gives the same requests.
void CheckRoundTrip(TraceFormat format, const Read& read) {
  // The resolution of the written times (trace_format.h): azure 100 ns ticks, mooncake whole
  // milliseconds, splitwise and burstgpt the shortest decimal that reads back exactly. Reading
  // azure again subtracts two int64 nanosecond counts and converts to double, which rounds once
  // more.
  double abs_tol = 0, rel_tol = 0;
  if (format == TraceFormat::kAzure) {
    abs_tol = 1e-7;
    rel_tol = 4e-16;
  } else if (format == TraceFormat::kMooncake) {
    abs_tol = 5e-4;
    rel_tol = 4e-16;
  }
  const std::string text = FormatTrace(format, read.requests);
  auto again = ReadAll(text, format, TraceOptions{}, "round trip");
  if (!again) {
    Finding(format, "what was read, written back, does not read: " + again.error().ToString() +
                        "\n" + text.substr(0, 512));
  }
  if (!again->warnings.empty()) {
    Finding(format, "what was read, written back, reads with a warning: " + again->warnings[0]);
  }
  if (again->requests.size() != read.requests.size()) {
    Finding(format, "what was read, written back, reads to another number of requests");
  }
  for (size_t i = 0; i < read.requests.size(); ++i) {
    const RequestSpec& a = read.requests[i];
    const RequestSpec& b = again->requests[i];
    if (!SameButArrival(a, b) || !Near(a.arrival, b.arrival, abs_tol, rel_tol)) {
      Finding(format, "request " + std::to_string(i) + " reads back differently: arrival " +
                          std::to_string(a.arrival) + " -> " + std::to_string(b.arrival) +
                          ", tokens " + std::to_string(a.input_tokens) + "/" +
                          std::to_string(a.output_tokens) + " -> " +
                          std::to_string(b.input_tokens) + "/" + std::to_string(b.output_tokens) +
                          "\nwritten:\n" + text.substr(0, 512));
    }
  }
}

bool SameError(const Result<Read>& a, const Result<Read>& b) {
  return !a && !b && a.error().code == b.error().code &&
         a.error().ToString() == b.error().ToString();
}

void CheckFormat(const std::string& text, TraceFormat format) {
  const bool relaxed = ExtremeTimes(text, format);
  const auto plain = ReadAll(text, format, TraceOptions{}, "default options", relaxed);

  TraceOptions fast;
  fast.speedup = 2.5;
  fast.class_index = 2;
  fast.block_tokens = 16;
  const auto faster = ReadAll(text, format, fast, "speedup 2.5", relaxed);

  TraceOptions limited;
  limited.max_rows = 3;
  const auto first3 = ReadAll(text, format, limited, "max_rows 3", relaxed);

  TraceOptions windowed;
  windowed.window_start = 1.5;
  windowed.window_end = 120;
  const auto window = ReadAll(text, format, windowed, "window [1.5 s, 120 s)", relaxed);

  TraceOptions rated;
  rated.rate = 7;
  const auto rate = ReadAll(text, format, rated, "rate 7/s", relaxed);

  TraceOptions mixed;
  mixed.rate = 0.5;
  mixed.window_start = 0;
  mixed.window_end = 1e4;
  mixed.max_rows = 50;
  (void)ReadAll(text, format, mixed, "rate 0.5/s, window [0, 1e4 s), max_rows 50", relaxed);

  if (!plain) {
    const Error& e = plain.error();
    // No row selected: the same with every option that selects a subset.
    if (e.code == ErrorCode::kNoResult) {
      for (const auto* other : {&faster, &first3, &window, &rate}) {
        if (*other || other->error().code != ErrorCode::kNoResult) {
          Finding(format,
                  "no row is selected by default, yet another option's read "
                  "does not fail with kNoResult");
        }
      }
      return;
    }
    // A bad row: every read that parses every row meets it (max_rows may stop before it).
    for (const auto* other : {&faster, &window, &rate}) {
      if (!SameError(plain, *other)) {
        Finding(format, "a bad row (" + e.ToString() +
                            ") fails another option's read differently, or not at all");
      }
    }
    return;
  }
  if (relaxed) return;

  // speedup: the same requests, arrivals divided by 2.5.
  if (!faster || faster->requests.size() != plain->requests.size()) {
    Finding(format, "speedup 2.5 reads another number of requests than the default");
  }
  for (size_t i = 0; i < plain->requests.size(); ++i) {
    RequestSpec a = plain->requests[i];
    a.class_index = 2;
    if (!a.prefix_hashes.empty()) a.hash_block_tokens = 16;
    const RequestSpec& b = faster->requests[i];
    if (!SameButArrival(a, b) || !Near(a.arrival / 2.5, b.arrival, 1e-300, 1e-12)) {
      Finding(format, "speedup 2.5: request " + std::to_string(i) + " is not the default's " +
                          "with its arrival divided by 2.5");
    }
  }

  // max_rows: the first min(rows, 3) selected rows; the same tokens as the default (which may
  // have sorted them, so compare as multisets of tokens by count only).
  if (!first3)
    Finding(format, "max_rows 3 fails where the default reads: " + first3.error().ToString());
  if (first3->rows != std::min<int64_t>(plain->rows, 3)) {
    Finding(format, "max_rows 3 reads " + std::to_string(first3->rows) + " rows of " +
                        std::to_string(plain->rows));
  }

  // window: a subset, or nothing.
  if (window) {
    if (window->rows > plain->rows)
      Finding(format, "a window selects more rows than the trace has");
  } else if (window.error().code != ErrorCode::kNoResult) {
    Finding(format, "a window fails where the default reads: " + window.error().ToString());
  }

  // rate: possible when the rows span time; the mean rate is then the one asked for.
  const bool spans = plain->rows >= 2 && plain->requests.back().arrival > 0;
  if (spans) {
    if (!rate) Finding(format, "rate 7/s fails on rows that span time: " + rate.error().ToString());
    if (!Near(rate->mean_rate, 7, 0, 1e-9)) {
      Finding(format, "rate 7/s gives the mean rate " + std::to_string(rate->mean_rate));
    }
  } else if (rate || rate.error().code != ErrorCode::kInvalidInput ||
             rate.error().where.field != "rate") {
    Finding(format, "rate 7/s on rows that span no time is not an error at the option rate");
  }

  CheckRoundTrip(format, *plain);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// ParseAzureTimestamp on the first line; what parses, formatted and parsed again, is the same
// time truncated to a 100 ns tick.
void CheckAzureTimestamp(std::string_view text) {
  const std::string_view line = text.substr(0, text.find('\n'));
  auto ns = aiinfra::workload::ParseAzureTimestamp(line);
  if (!ns) {
    aiinfra::fuzz::CheckError(kTarget, "ParseAzureTimestamp", ns.error(),
                              {ErrorCode::kInvalidInput}, g_input);
    return;
  }
  const std::string written = aiinfra::workload::FormatAzureTimestamp(*ns);
  // A timestamp already in the written form (no offset, 7 fractional digits, no leap second)
  // is written back unchanged.
  const std::string_view trimmed = Trim(line);
  if (trimmed.size() == 27 && trimmed[10] == ' ' && trimmed[19] == '.' &&
      trimmed.substr(17, 2) != "60" && written != trimmed) {
    aiinfra::fuzz::Finding(kTarget,
                           "ParseAzureTimestamp(\"" + std::string(trimmed) + "\") gives " +
                               std::to_string(*ns) +
                               " ns, which FormatAzureTimestamp writes as \"" + written + "\"",
                           g_input);
  }
  auto again = aiinfra::workload::ParseAzureTimestamp(written);
  const int64_t tick = *ns % 100 < 0 ? *ns % 100 + 100 : *ns % 100;
  if (!again || *again != *ns - tick) {
    aiinfra::fuzz::Finding(kTarget,
                           "ParseAzureTimestamp gives " + std::to_string(*ns) +
                               " ns, FormatAzureTimestamp writes \"" + written +
                               "\", which does not parse back to the same 100 ns tick",
                           g_input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  g_input = text;
  const bool azure_years_ok = !KnownBug::AzureYearOutOfRange(text);
  for (TraceFormat format : kFormats) {
    if (format != TraceFormat::kAzure || azure_years_ok) CheckFormat(text, format);
  }
  if (azure_years_ok) CheckAzureTimestamp(text);
  return 0;
}
