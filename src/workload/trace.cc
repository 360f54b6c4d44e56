#include "workload/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace aiinfra::workload {
namespace {

// `file`: the trace, when the option fails on its rows.
Error OptionError(const std::string& option, std::string message, const std::string& file = "") {
  return Error{ErrorCode::kInvalidInput, std::move(message), Location{file, 0, 0, option}};
}

Status CheckOptions(const TraceOptions& o) {
  // Far outside [1e-9, 1e9] the time scale (1 / speedup, or natural rate / rate) overflows into
  // inf and NaN, or underflows to 0.
  if (!(o.speedup >= kMinTraceScale && o.speedup <= kMaxTraceScale)) {
    return Fail(OptionError("speedup", "speedup must be between 1e-9 and 1e9 (2 = twice as fast)"));
  }
  if (!(o.rate == 0 || (o.rate >= kMinTraceScale && o.rate <= kMaxTraceScale))) {
    return Fail(OptionError("rate",
                            "rate must be 0 (keep) or a request rate between 1e-9/s and "
                            "1e9/s"));
  }
  if (o.rate > 0 && o.speedup != 1) {
    return Fail(OptionError("rate", "give speedup or rate, not both: each sets the time scale"));
  }
  if (o.max_rows < 0) return Fail(OptionError("max_rows", "max_rows must be >= 0 (0: all)"));
  if (!(o.window_start < o.window_end)) {
    return Fail(OptionError("window", "the window's start must be before its end"));
  }
  for (double bound : {o.window_start, o.window_end}) {
    if (std::isfinite(bound) && !(std::fabs(bound) <= kMaxTraceSeconds)) {
      return Fail(OptionError("window",
                              "a window bound must be within +-1e15 s (the limit of "
                              "trace times) or unset"));
    }
  }
  if (o.block_tokens < 1) return Fail(OptionError("block_size", "block_size must be >= 1"));
  return {};
}

}  // namespace

Result<std::unique_ptr<TraceReader>> TraceReader::Open(const std::string& path, TraceFormat format,
                                                       const TraceOptions& options) {
  if (std::filesystem::is_directory(path)) {
    return Fail(ErrorCode::kInvalidInput, "is a folder; give the trace file's path",
                Location{path});
  }
  auto in = std::make_unique<std::ifstream>(path);
  if (!*in) {
    return Fail(ErrorCode::kNotFound, "cannot open the trace file; check the path", Location{path});
  }
  return FromStream(std::move(in), path, format, options);
}

Result<std::unique_ptr<TraceReader>> TraceReader::FromStream(std::unique_ptr<std::istream> in,
                                                             std::string name, TraceFormat format,
                                                             const TraceOptions& options) {
  AIINFRA_CHECK_OK(CheckOptions(options));
  std::unique_ptr<TraceReader> reader(new TraceReader());
  reader->in_ = std::move(in);
  reader->name_ = std::move(name);
  reader->format_ = format;
  reader->options_ = options;
  AIINFRA_CHECK_OK(reader->FirstPass());
  AIINFRA_CHECK_OK(reader->Rewind());
  return reader;
}

Result<std::optional<TraceRow>> TraceReader::NextSelectedRow() {
  if (options_.max_rows > 0 && selected_ >= options_.max_rows) return std::nullopt;
  std::string line;
  TraceRow row;
  while (std::getline(*in_, line)) {
    ++line_no_;
    AIINFRA_TRY(bool is_row, parser_->Parse(line, line_no_, row));
    if (!is_row) continue;
    if (row.time < options_.window_start || row.time >= options_.window_end) continue;
    if (row.input == 0 || row.output == 0) {
      ++zero_rows_;
      continue;
    }
    ++selected_;
    return std::optional<TraceRow>(std::move(row));
  }
  if (in_->bad()) {
    return Fail(ErrorCode::kInternal, "read error", Location{name_, line_no_});
  }
  return std::nullopt;
}

Status TraceReader::FirstPass() {
  parser_ = std::make_unique<RowParser>(format_, name_);
  double previous = 0;
  int unsorted_line = 0;
  double unsorted_time = 0, unsorted_after = 0;
  while (true) {
    AIINFRA_TRY(std::optional<TraceRow> row, NextSelectedRow());
    if (!row) break;
    if (rows_ == 0) {
      first_ = last_ = row->time;
    } else {
      if (row->time < previous && unsorted_line == 0) {
        unsorted_line = line_no_;
        unsorted_time = row->time;
        unsorted_after = previous;
      }
      first_ = std::min(first_, row->time);
      last_ = std::max(last_, row->time);
    }
    previous = row->time;
    ++rows_;
  }
  if (zero_rows_ > 0) {
    warnings_.push_back(fmt::format(
        "{}: skipped {} rows with 0 input or 0 output tokens (failed requests; a request needs "
        "at least one token of each)",
        name_, zero_rows_));
  }
  if (rows_ == 0) {
    return Fail(ErrorCode::kNoResult,
                "no rows selected: the file has no data rows, or none inside the window",
                Location{name_});
  }
  if (unsorted_line > 0) {
    sorted_ = false;
    warnings_.push_back(fmt::format(
        "{}:{}: rows are not in time order (time {} after {}); sorted {} rows in memory", name_,
        unsorted_line, unsorted_time, unsorted_after, rows_));
  }
  origin_ = std::isfinite(options_.window_start) ? options_.window_start : first_;
  if (options_.rate > 0) {
    if (rows_ < 2 || !(last_ > first_)) {
      return Fail(OptionError("rate",
                              "cannot rescale to a rate: the selected rows span no time "
                              "(fewer than 2 distinct arrival times)",
                              name_));
    }
    const double natural = static_cast<double>(rows_ - 1) / (last_ - first_);
    scale_ = natural / options_.rate;
    // Rows closer than ~1e-300 s make the natural rate, the scale or the last arrival overflow
    // (and arrivals NaN). Without a rate, times and options are bounded so that none can.
    if (!std::isfinite(scale_) || !std::isfinite((last_ - origin_) * scale_)) {
      return Fail(
          OptionError("rate",
                      fmt::format("cannot rescale to a rate: the selected rows span only {} s, too "
                                  "little for a finite time scale; select more rows or use speedup",
                                  last_ - first_),
                      name_));
    }
  } else {
    scale_ = 1.0 / options_.speedup;
  }
  return {};
}

Status TraceReader::Rewind() {
  in_->clear();
  in_->seekg(0);
  if (!*in_) {
    return Fail(ErrorCode::kInvalidInput, "the trace cannot be read twice (not a regular file?)",
                Location{name_});
  }
  parser_ = std::make_unique<RowParser>(format_, name_);
  line_no_ = 0;
  selected_ = 0;
  zero_rows_ = 0;
  if (sorted_) return {};
  // Only an unsorted file is held: arrival order is not known until every row has been seen.
  held_.reserve(rows_);
  while (true) {
    AIINFRA_TRY(std::optional<TraceRow> row, NextSelectedRow());
    if (!row) break;
    held_.push_back(std::move(*row));
  }
  std::stable_sort(held_.begin(), held_.end(),
                   [](const TraceRow& a, const TraceRow& b) { return a.time < b.time; });
  return {};
}

RequestSpec TraceReader::ToRequest(const TraceRow& row) {
  RequestSpec r;
  r.id = next_id_++;
  r.arrival = (row.time - origin_) * scale_;
  r.class_index = options_.class_index;
  r.input_tokens = row.input;
  r.output_tokens = row.output;
  r.session_id = r.id;
  r.turn = 0;
  r.prefix_hashes = row.hashes;
  r.hash_block_tokens = row.hashes.empty() ? 0 : options_.block_tokens;
  return r;
}

Result<std::optional<RequestSpec>> TraceReader::Next() {
  if (!sorted_) {
    if (held_next_ >= held_.size()) return std::nullopt;
    return std::optional<RequestSpec>(ToRequest(held_[held_next_++]));
  }
  AIINFRA_TRY(std::optional<TraceRow> row, NextSelectedRow());
  if (!row) return std::nullopt;
  return std::optional<RequestSpec>(ToRequest(*row));
}

double TraceReader::mean_rate() const {
  if (rows_ < 2 || !(last_ > first_)) return 0;
  // A span of a few subnormal seconds (times ~1e-320 s apart) gives +infinity: as good as none.
  const double rate = static_cast<double>(rows_ - 1) / ((last_ - first_) * scale_);
  return std::isfinite(rate) ? rate : 0;
}

TraceWriter::TraceWriter(std::ostream& out, TraceFormat format) : out_(out), format_(format) {
  out_ << TraceHeader(format_);
}

Status TraceWriter::Write(const RequestSpec& request) {
  AIINFRA_TRY(std::string row, FormatTraceRow(format_, request));
  out_ << row;
  return {};
}

Result<std::string> FormatTrace(TraceFormat format, const std::vector<RequestSpec>& requests) {
  std::ostringstream out;
  TraceWriter writer(out, format);
  for (const RequestSpec& r : requests) AIINFRA_CHECK_OK(writer.Write(r));
  return out.str();
}

Result<std::vector<double>> ReadTraceLengths(const std::string& path, TraceFormat format,
                                             bool input) {
  std::ifstream in(path);
  if (!in) {
    return Fail(ErrorCode::kNotFound, "cannot open the trace file; check the path", Location{path});
  }
  RowParser parser(format, path);
  std::vector<double> values;
  std::string line;
  TraceRow row;
  int line_no = 0;
  while (std::getline(in, line)) {
    AIINFRA_TRY(bool is_row, parser.Parse(line, ++line_no, row));
    if (!is_row || row.input == 0 || row.output == 0) continue;
    values.push_back(static_cast<double>(input ? row.input : row.output));
  }
  if (values.empty()) return Fail(ErrorCode::kInvalidInput, "no data rows", Location{path});
  return values;
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || path.front() == '/') return path;
  return base_dir.back() == '/' ? base_dir + path : base_dir + "/" + path;
}

}  // namespace aiinfra::workload
