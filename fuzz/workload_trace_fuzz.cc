// Fuzz target for workload/trace.h and trace_format.h: the input as a request trace in each of the
// four formats (azure, splitwise, burstgpt, mooncake), read with TraceReader::FromStream over an
// std::istringstream, with default options and with speedup, rate, window, max_rows and
// class_index/block_tokens set; every request is read. Also ParseAzureTimestamp on the input's
// first line.
//
// Checked: never a crash; FromStream errors have a message and the code kInvalidInput (a bad row
// or option) or kNoResult (no row selected), as trace.h documents; Next() never fails on an
// unchanged stream and yields exactly rows() requests, then nullopt again. Every request has ids
// 0, 1, ... (session_id = id, turn 0), the options' class_index, input and output tokens in
// [1, kMaxTokens], a finite arrival >= 0, arrivals non-decreasing, hashes only from mooncake
// (hash_block_tokens = block_tokens, 0 without hashes); scale() is finite and > 0, mean_rate()
// finite and >= 0. Across options: a bad row fails every read that reads it with the same error,
// an empty selection is kNoResult for every option, speedup divides the default's arrivals,
// max_rows keeps the first rows, a window selects a subset, rate gives that mean rate where the
// rows span enough time for a finite rate and is an error at the option rate elsewhere. What
// reads with default options, written back with TraceWriter in the same format and read again,
// gives the same requests (arrivals within the format's resolution: azure 100 ns, mooncake 1 ms,
// the CSV formats exactly) and no warnings; the writer may refuse (kInvalidInput at the field
// arrival) only an arrival at or past the format's documented limits (trace_format.h). An azure
// timestamp that parses, formatted and parsed again, gives the same time truncated to 100 ns.
//
// Every input is checked in full, extreme years and times included: the former known bugs (int64
// nanosecond overflow of azure timestamps and of the azure and mooncake writers, inf and NaN from
// times beyond 1e15 s or less than 1e-290 s apart) are fixed, and their inputs are kept in
// corpus/workload_trace/regression-*.
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
using aiinfra::workload::kAzureEndSecond;
using aiinfra::workload::kAzureFirstSecond;
using aiinfra::workload::kAzureWriteEpochSecond;
using aiinfra::workload::kMaxTokens;
using aiinfra::workload::kMaxTraceSeconds;
using aiinfra::workload::RequestSpec;
using aiinfra::workload::TraceFormat;
using aiinfra::workload::TraceFormatName;
using aiinfra::workload::TraceOptions;
using aiinfra::workload::TraceReader;

constexpr std::string_view kTarget = "workload_trace_fuzz";
// Larger inputs add nothing the parsers have not seen and slow every execution down.
constexpr size_t kMaxInput = 64 * 1024;

constexpr TraceFormat kFormats[] = {TraceFormat::kAzure, TraceFormat::kSplitwise,
                                    TraceFormat::kBurstGpt, TraceFormat::kMooncake};

std::string_view g_input;  // for findings

[[noreturn]] void Finding(TraceFormat format, const std::string& what) {
  aiinfra::fuzz::Finding(kTarget, std::string(TraceFormatName(format)) + ": " + what, g_input);
}

struct Read {
  std::vector<RequestSpec> requests;
  std::vector<std::string> warnings;
  int64_t rows = 0;
  double scale = 0;
  double mean_rate = 0;
};

// FromStream, then Next() until nullopt; the requests are checked against `options`.
Result<Read> ReadAll(const std::string& text, TraceFormat format, const TraceOptions& options,
                     std::string_view stage) {
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
  if (!std::isfinite(out.scale) || !(out.scale > 0)) {
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
  if (!std::isfinite(out.mean_rate) || out.mean_rate < 0) {
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
    if (q.input_tokens < 1 || q.output_tokens < 1 || q.input_tokens > kMaxTokens ||
        q.output_tokens > kMaxTokens) {
      Finding(format, at + "tokens outside [1, kMaxTokens]: input " +
                          std::to_string(q.input_tokens) + ", output " +
                          std::to_string(q.output_tokens));
    }
    if (!std::isfinite(q.arrival) || q.arrival < 0) {
      Finding(format, at + "arrival is not finite and >= 0: " + std::to_string(q.arrival));
    }
    if (q.arrival < previous) Finding(format, at + "arrivals decrease");
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

// Whether the writer of `format` may refuse `arrival` (trace_format.h): kNo inside the limits,
// kYes past them, kEither within a margin of a limit (a 100 ns tick, or 1e-12 relative).
enum class MayRefuse { kNo, kYes, kEither };

MayRefuse WriterMayRefuse(TraceFormat format, double arrival) {
  if (!std::isfinite(arrival)) return MayRefuse::kYes;
  MayRefuse verdict = MayRefuse::kNo;
  const auto against = [&](double lo, double hi, double margin) {
    if (arrival < lo - margin || arrival > hi + margin) {
      verdict = MayRefuse::kYes;
    } else if (verdict == MayRefuse::kNo && (arrival < lo + margin || arrival > hi - margin)) {
      verdict = MayRefuse::kEither;
    }
  };
  against(-kMaxTraceSeconds, kMaxTraceSeconds, 1e-12 * kMaxTraceSeconds);
  if (format == TraceFormat::kAzure) {
    const double epoch = static_cast<double>(kAzureWriteEpochSecond);
    against(static_cast<double>(kAzureFirstSecond) - epoch,
            static_cast<double>(kAzureEndSecond) - epoch, 1e-6);
  }
  return verdict;
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
  MayRefuse may_refuse = MayRefuse::kNo;
  for (const RequestSpec& q : read.requests) {
    const MayRefuse one = WriterMayRefuse(format, q.arrival);
    if (one == MayRefuse::kYes || (one == MayRefuse::kEither && may_refuse == MayRefuse::kNo)) {
      may_refuse = one;
    }
  }
  const auto written = FormatTrace(format, read.requests);
  if (!written) {
    aiinfra::fuzz::CheckError(kTarget, "FormatTrace", written.error(), {ErrorCode::kInvalidInput},
                              g_input);
    if (may_refuse == MayRefuse::kNo || written.error().where.field != "arrival") {
      Finding(format, "the writer refuses what was read, arrivals within its limits: " +
                          written.error().ToString());
    }
    return;
  }
  if (may_refuse == MayRefuse::kYes) {
    Finding(format, "the writer wrote an arrival past its documented limits");
  }
  const std::string& text = *written;
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
  const auto plain = ReadAll(text, format, TraceOptions{}, "default options");

  TraceOptions fast;
  fast.speedup = 2.5;
  fast.class_index = 2;
  fast.block_tokens = 16;
  const auto faster = ReadAll(text, format, fast, "speedup 2.5");

  TraceOptions limited;
  limited.max_rows = 3;
  const auto first3 = ReadAll(text, format, limited, "max_rows 3");

  TraceOptions windowed;
  windowed.window_start = 1.5;
  windowed.window_end = 120;
  const auto window = ReadAll(text, format, windowed, "window [1.5 s, 120 s)");

  TraceOptions rated;
  rated.rate = 7;
  const auto rate = ReadAll(text, format, rated, "rate 7/s");

  TraceOptions mixed;
  mixed.rate = 0.5;
  mixed.window_start = 0;
  mixed.window_end = 1e4;
  mixed.max_rows = 50;
  (void)ReadAll(text, format, mixed, "rate 0.5/s, window [0, 1e4 s), max_rows 50");

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

  // rate: possible when the rows span time, enough of it for the natural rate (rows - 1) / span to
  // be finite (trace.h); the mean rate is then the one asked for.
  const double span = plain->requests.back().arrival;
  const bool spans =
      plain->rows >= 2 && span > 0 && std::isfinite(static_cast<double>(plain->rows - 1) / span);
  if (spans) {
    if (!rate) Finding(format, "rate 7/s fails on rows that span time: " + rate.error().ToString());
    if (!Near(rate->mean_rate, 7, 0, 1e-9)) {
      Finding(format, "rate 7/s gives the mean rate " + std::to_string(rate->mean_rate));
    }
  } else if (rate || rate.error().code != ErrorCode::kInvalidInput ||
             rate.error().where.field != "rate") {
    Finding(format,
            "rate 7/s on rows that span no time (or too little) is not an error at the option "
            "rate");
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
  for (TraceFormat format : kFormats) CheckFormat(text, format);
  CheckAzureTimestamp(text);
  return 0;
}
