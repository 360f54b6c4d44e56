// Trace replay: a streaming reader of the public request-trace formats (trace_format.h) with
// speed-up, rate rescaling, a row limit and a time window, and the matching writer.
//
// Memory: the reader reads its file twice and keeps one row at a time. The first pass checks
// every row (so a malformed row is an error at Open, not halfway through a simulation) and
// measures what rescaling needs (rows, first and last time, order); the second pass yields the
// requests. Only an unsorted file is held in memory: its selected rows are sorted (stably) and a
// warning says so. Warnings are returned to the caller, never printed.
//
// Times: arrival = (trace time - origin) * scale, where the origin is the window's start if one
// is given, else the earliest selected row (so the first request arrives at 0), and the scale is
// 1 / speedup, or what makes the mean rate equal `rate`. The mean rate of a trace is
// (rows - 1) / (last - first): one over its mean gap. Arrivals are always finite, >= 0 and
// non-decreasing: row times are bounded (kMaxTraceSeconds), so are the options, and a rate
// rescaling that would overflow (rows less than about 1e-300 s apart) is an error.
//
// Requests: ids 0, 1, ... in arrival order; each is its own session (session_id = id, turn 0);
// class `class_index`; mooncake hash_ids become prefix_hashes with hash_block_tokens =
// `block_tokens`. Rows with 0 input or 0 output tokens (BurstGPT's failed requests) are skipped
// and counted in a warning.
//
// Thread safety: a reader belongs to one thread.
#pragma once

#include <cstdint>
#include <istream>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/result.h"
#include "workload/request.h"
#include "workload/trace_format.h"

namespace aiinfra::workload {

// Bounds of TraceOptions' speedup and rate (req/s): beyond them the time scale, and with it the
// arrivals and the mean rate, can overflow or vanish; no replay needs more.
inline constexpr double kMinTraceScale = 1e-9;
inline constexpr double kMaxTraceScale = 1e9;

struct TraceOptions {
  double speedup = 1;    // in [1e-9, 1e9]: times (and so gaps) divided by this
  double rate = 0;       // 0, or in [1e-9, 1e9]: rescale to this mean rate (req/s); excludes
                         // speedup != 1
  int64_t max_rows = 0;  // > 0: only the first max_rows selected rows, in file order
  // Rows whose trace time (seconds, before scaling) is in [window_start, window_end). Each is
  // infinite (no bound) or within +-kMaxTraceSeconds.
  double window_start = -std::numeric_limits<double>::infinity();
  double window_end = std::numeric_limits<double>::infinity();
  int class_index = 0;
  int block_tokens = 512;  // tokens per hash_ids block (the Mooncake trace's is 512)
};

class TraceReader {
 public:
  // kNotFound if the file cannot be opened; kInvalidInput for bad options (naming the option)
  // or a bad row (naming file:line:field); kNoResult if no row is selected. A rate the selected
  // rows cannot be rescaled to (they span no time, or too little: the scale would overflow) is
  // an error at the option "rate".
  static Result<std::unique_ptr<TraceReader>> Open(const std::string& path, TraceFormat format,
                                                   const TraceOptions& options = {});
  // The same over a seekable stream (e.g. an std::istringstream of an Env file); `name` is used
  // in errors.
  static Result<std::unique_ptr<TraceReader>> FromStream(std::unique_ptr<std::istream> in,
                                                         std::string name, TraceFormat format,
                                                         const TraceOptions& options = {});

  // The next request in arrival order, or nullopt at the end. Errors only if the file changed
  // between the passes.
  Result<std::optional<RequestSpec>> Next();

  int64_t rows() const { return rows_; }  // requests it yields in all
  double scale() const { return scale_; }
  // Mean rate of the yielded requests, req/s: finite and >= 0; 0 with fewer than 2 rows, or
  // when they span no time or too little for a finite rate.
  double mean_rate() const;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  TraceReader() = default;
  Status FirstPass();
  Status Rewind();
  Result<std::optional<TraceRow>> NextSelectedRow();
  RequestSpec ToRequest(const TraceRow& row);

  std::unique_ptr<std::istream> in_;
  std::string name_;
  TraceFormat format_ = TraceFormat::kSplitwise;
  TraceOptions options_;
  std::unique_ptr<RowParser> parser_;
  int line_no_ = 0;
  int64_t selected_ = 0;   // rows selected so far in the current pass
  int64_t zero_rows_ = 0;  // rows skipped for 0 tokens in the current pass

  int64_t rows_ = 0;
  double first_ = 0, last_ = 0;  // min and max selected trace time
  double origin_ = 0;
  double scale_ = 1;
  std::vector<std::string> warnings_;

  bool sorted_ = true;
  std::vector<TraceRow> held_;  // only for unsorted files
  size_t held_next_ = 0;
  uint64_t next_id_ = 0;
};

// Writes requests in `format`: the header at construction, one line per Write. A request the
// format cannot hold (FormatTraceRow) is an error and nothing of it is written.
class TraceWriter {
 public:
  TraceWriter(std::ostream& out, TraceFormat format);
  Status Write(const RequestSpec& request);

 private:
  std::ostream& out_;
  TraceFormat format_;
};

// The whole text of `requests` in `format` (for small files and tests); the first request the
// format cannot hold is an error.
Result<std::string> FormatTrace(TraceFormat format, const std::vector<RequestSpec>& requests);

// Every selected row's input (or output) tokens, in file order (no options): the data of an
// empirical length distribution.
Result<std::vector<double>> ReadTraceLengths(const std::string& path, TraceFormat format,
                                             bool input);

// `path` if absolute or `base_dir` is empty, else base_dir/path.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

}  // namespace aiinfra::workload
