#include "workload/trace_format.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "workload/csv.h"

namespace aiinfra::workload {
namespace {

struct CsvColumns {
  const char* time;
  const char* input;
  const char* output;
};

CsvColumns ColumnsOf(TraceFormat format) {
  switch (format) {
    case TraceFormat::kAzure:
      return {"TIMESTAMP", "ContextTokens", "GeneratedTokens"};
    case TraceFormat::kSplitwise:
      return {"arrived_at", "num_prefill_tokens", "num_decode_tokens"};
    case TraceFormat::kBurstGpt:
      return {"Timestamp", "Request tokens", "Response tokens"};
    case TraceFormat::kMooncake:
      break;
  }
  return {"timestamp", "input_length", "output_length"};
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

Error RowError(const std::string& file, int line, std::string_view field, std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message),
               Location{file, line, 0, std::string(field)}};
}

// A token count: a whole number >= 0 ("12.0" is accepted: some exports write floats). `shown`
// is the value as written, for the message.
Result<int64_t> TokenValue(double v, std::string_view shown, const std::string& file, int line,
                           std::string_view field) {
  if (v < 0) {
    return Fail(RowError(file, line, field,
                         fmt::format("negative token count {}; token counts are >= 0 (rows "
                                     "with 0 are skipped with a warning)",
                                     shown)));
  }
  if (v != std::floor(v)) {
    return Fail(
        RowError(file, line, field, fmt::format("token count {} is not a whole number", shown)));
  }
  if (v > static_cast<double>(kMaxTokens)) {
    return Fail(RowError(file, line, field,
                         fmt::format("token count {} is above the limit of {} tokens (a hundred "
                                     "times the longest model context); fix or remove the row",
                                     shown, kMaxTokens)));
  }
  return static_cast<int64_t>(v);
}

Result<int64_t> ParseTokens(std::string_view text, const std::string& file, int line,
                            std::string_view field) {
  text = Trim(text);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return Fail(
        RowError(file, line, field,
                 fmt::format("malformed number \"{}\"; write a whole number of tokens", text)));
  }
  return TokenValue(v, text, file, line, field);
}

// A time in seconds within kMaxTraceSeconds; `shown` and `unit` are the value as written and
// its unit, for the message.
Result<double> TimeValue(double seconds, std::string_view shown, std::string_view unit,
                         const std::string& file, int line, std::string_view field) {
  if (!(std::fabs(seconds) <= kMaxTraceSeconds)) {
    return Fail(RowError(file, line, field,
                         fmt::format("time {} {} is beyond the limit of +-1e15 s (32 million "
                                     "years) for trace times; is the column in a finer unit "
                                     "than {}? Fix or remove the row",
                                     shown, unit, unit)));
  }
  return seconds;
}

Result<double> ParseSeconds(std::string_view text, const std::string& file, int line,
                            std::string_view field) {
  text = Trim(text);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return Fail(
        RowError(file, line, field,
                 fmt::format("malformed time \"{}\"; write seconds as a plain number", text)));
  }
  return TimeValue(v, text, "seconds", file, line, field);
}

bool ReadDigits(std::string_view s, size_t& pos, size_t n, int64_t& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

constexpr int64_t kNsPerSecond = 1000000000;

// The request's field `field` cannot be written so that it reads back.
Error Unwritable(const RequestSpec& r, std::string_view field, std::string message) {
  return Error{ErrorCode::kInvalidInput, fmt::format("request {}: {}", r.id, std::move(message)),
               Location{"", 0, 0, std::string(field)}};
}

// The row's timestamp or an error: azure counts 100 ns ticks from 2023-11-16 and must stay in
// the years its reader accepts.
Result<std::string> AzureTimestampOf(const RequestSpec& r) {
  // Checked in seconds first, so that the tick count below cannot overflow.
  constexpr double kMin = static_cast<double>(kAzureFirstSecond - kAzureWriteEpochSecond);
  constexpr double kEnd = static_cast<double>(kAzureEndSecond - kAzureWriteEpochSecond);
  const auto refuse = [&] {
    return Fail(Unwritable(r, "arrival",
                           fmt::format("arrival {} s is not an azure time: counted from "
                                       "2023-11-16, azure times run from 1970 to 2199; write "
                                       "the trace as splitwise or burstgpt (plain seconds)",
                                       r.arrival)));
  };
  if (!(r.arrival >= kMin - 1 && r.arrival <= kEnd + 1)) return refuse();
  const int64_t ns = kAzureWriteEpochSecond * kNsPerSecond + std::llround(r.arrival * 1e7) * 100;
  if (ns < kAzureFirstSecond * kNsPerSecond || ns >= kAzureEndSecond * kNsPerSecond) {
    return refuse();
  }
  return FormatAzureTimestamp(ns);
}

}  // namespace

Result<TraceFormat> ParseTraceFormat(std::string_view name) {
  if (name == "azure") return TraceFormat::kAzure;
  if (name == "splitwise" || name == "vidur") return TraceFormat::kSplitwise;
  if (name == "burstgpt") return TraceFormat::kBurstGpt;
  if (name == "mooncake") return TraceFormat::kMooncake;
  return Fail(ErrorCode::kInvalidInput,
              fmt::format("unknown trace format \"{}\"; expected azure, splitwise, burstgpt or "
                          "mooncake",
                          name));
}

const char* TraceFormatName(TraceFormat format) {
  switch (format) {
    case TraceFormat::kAzure:
      return "azure";
    case TraceFormat::kSplitwise:
      return "splitwise";
    case TraceFormat::kBurstGpt:
      return "burstgpt";
    case TraceFormat::kMooncake:
      return "mooncake";
  }
  return "?";
}

Result<int64_t> ParseAzureTimestamp(std::string_view text) {
  text = Trim(text);
  const auto bad = [&] {
    return Fail(
        ErrorCode::kInvalidInput,
        fmt::format("malformed timestamp \"{}\"; write YYYY-MM-DD HH:MM:SS[.fraction]", text));
  };
  size_t pos = 0;
  int64_t y, mo, d, h, mi, s;
  if (!ReadDigits(text, pos, 4, y) || !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, mo) ||
      !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, d)) {
    return bad();
  }
  if (pos >= text.size() || (text[pos] != ' ' && text[pos] != 'T')) return bad();
  ++pos;
  if (!ReadDigits(text, pos, 2, h) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, mi) ||
      !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, s)) {
    return bad();
  }
  int64_t frac_ns = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000000;  // the first fractional digit is 10^8 ns
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      frac_ns += (text[pos] - '0') * scale;
      scale /= 10;  // digits past the 9th (below 1 ns) add 0
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_s = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    int64_t oh, om;
    if (!ReadDigits(text, pos, 2, oh) || !Expect(text, pos, ':') || !ReadDigits(text, pos, 2, om)) {
      return bad();
    }
    offset_s = sign * (oh * 3600 + om * 60);
  }
  if (pos != text.size()) return bad();
  using namespace std::chrono;
  const year_month_day ymd{year(static_cast<int>(y)), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return bad();
  // Years have 4 digits, so these seconds are within +-3.2e11: no overflow. Nanoseconds could
  // overflow int64 outside 1677..2262, hence the range check before multiplying.
  const int64_t days = sys_days(ymd).time_since_epoch().count();
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_s;
  if (secs < kAzureFirstSecond || secs >= kAzureEndSecond) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("timestamp \"{}\" is outside the years 1970 to 2199 (UTC) that azure "
                            "times are read in; write a time from 1970-01-01 00:00:00 to "
                            "2199-12-31 23:59:59",
                            text));
  }
  return secs * kNsPerSecond + frac_ns;
}

std::string FormatAzureTimestamp(int64_t ns) {
  using namespace std::chrono;
  // Floor division and remainders >= 0, without negating or multiplying back (either overflows
  // near INT64_MIN).
  const int64_t secs = ns / kNsPerSecond - (ns % kNsPerSecond < 0 ? 1 : 0);
  const int64_t frac = (ns % kNsPerSecond + kNsPerSecond) % kNsPerSecond;
  const int64_t days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
  const int64_t in_day = (secs % 86400 + 86400) % 86400;
  const year_month_day ymd{sys_days(std::chrono::days(days))};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:07}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     in_day / 3600, in_day / 60 % 60, in_day % 60, frac / 100);
}

RowParser::RowParser(TraceFormat format, std::string file)
    : format_(format), file_(std::move(file)) {}

Result<bool> RowParser::Parse(std::string_view line, int line_no, TraceRow& row) {
  if (Trim(line).empty()) return false;
  if (format_ == TraceFormat::kMooncake) return ParseJson(line, line_no, row);
  return ParseCsv(line, line_no, row);
}

Result<bool> RowParser::ParseCsv(std::string_view line, int line_no, TraceRow& row) {
  auto split = SplitCsvLine(line, fields_);
  if (!split) return Fail(RowError(file_, line_no, "", split.error().message));
  const CsvColumns cols = ColumnsOf(format_);
  if (!have_header_) {
    time_col_ = FindColumn(fields_, cols.time);
    input_col_ = FindColumn(fields_, cols.input);
    output_col_ = FindColumn(fields_, cols.output);
    for (auto [index, name] : {std::pair{time_col_, cols.time}, std::pair{input_col_, cols.input},
                               std::pair{output_col_, cols.output}}) {
      if (index < 0) {
        return Fail(RowError(
            file_, line_no, name,
            fmt::format("missing column \"{}\": a {} trace's first line is a header naming {}, "
                        "{} and {}; this one has: {}",
                        name, TraceFormatName(format_), cols.time, cols.input, cols.output,
                        fmt::join(fields_, ", "))));
      }
    }
    header_fields_ = fields_.size();
    have_header_ = true;
    return false;
  }
  const int needed = std::max({time_col_, input_col_, output_col_}) + 1;
  if (static_cast<int>(fields_.size()) < needed) {
    return Fail(RowError(file_, line_no, "",
                         fmt::format("the row has {} fields, the header {}; every row needs a "
                                     "value for each column",
                                     fields_.size(), header_fields_)));
  }
  if (format_ == TraceFormat::kAzure) {
    auto ns = ParseAzureTimestamp(fields_[time_col_]);
    if (!ns) return Fail(RowError(file_, line_no, cols.time, ns.error().message));
    if (!have_first_ns_) {
      first_ns_ = *ns;
      have_first_ns_ = true;
    }
    row.time = static_cast<double>(*ns - first_ns_) * 1e-9;
  } else {
    AIINFRA_TRY(row.time, ParseSeconds(fields_[time_col_], file_, line_no, cols.time));
  }
  AIINFRA_TRY(row.input, ParseTokens(fields_[input_col_], file_, line_no, cols.input));
  AIINFRA_TRY(row.output, ParseTokens(fields_[output_col_], file_, line_no, cols.output));
  row.hashes.clear();
  return true;
}

Result<bool> RowParser::ParseJson(std::string_view line, int line_no, TraceRow& row) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(RowError(file_, line_no, "",
                         "not a JSON object; each line of a mooncake trace is one object like "
                         "{\"timestamp\": 0, \"input_length\": 100, \"output_length\": 20, "
                         "\"hash_ids\": [0, 1]}"));
  }
  const auto number = [&](const char* key) -> Result<double> {
    const auto it = j.find(key);
    if (it == j.end()) {
      return Fail(RowError(file_, line_no, key, fmt::format("missing field \"{}\"", key)));
    }
    if (!it->is_number()) {
      return Fail(RowError(file_, line_no, key,
                           fmt::format("malformed number {}; write a plain number", it->dump())));
    }
    return it->get<double>();
  };
  AIINFRA_TRY(double ms, number("timestamp"));
  AIINFRA_TRY(row.time, TimeValue(ms / 1000.0, j["timestamp"].dump(), "milliseconds", file_,
                                  line_no, "timestamp"));
  AIINFRA_TRY(double input, number("input_length"));
  AIINFRA_TRY(row.input,
              TokenValue(input, j["input_length"].dump(), file_, line_no, "input_length"));
  AIINFRA_TRY(double output, number("output_length"));
  AIINFRA_TRY(row.output,
              TokenValue(output, j["output_length"].dump(), file_, line_no, "output_length"));
  row.hashes.clear();
  if (const auto it = j.find("hash_ids"); it != j.end()) {
    if (!it->is_array()) {
      return Fail(RowError(file_, line_no, "hash_ids", "hash_ids must be a list of integers"));
    }
    row.hashes.reserve(it->size());
    for (const auto& h : *it) {
      if (!h.is_number_unsigned()) {
        return Fail(RowError(file_, line_no, "hash_ids",
                             fmt::format("hash id {} is not an integer >= 0", h.dump())));
      }
      row.hashes.push_back(h.get<uint64_t>());
    }
  }
  return true;
}

std::string TraceHeader(TraceFormat format) {
  switch (format) {
    case TraceFormat::kAzure:
      return "TIMESTAMP,ContextTokens,GeneratedTokens\n";
    case TraceFormat::kSplitwise:
      return "arrived_at,num_prefill_tokens,num_decode_tokens\n";
    case TraceFormat::kBurstGpt:
      return "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n";
    case TraceFormat::kMooncake:
      break;
  }
  return "";
}

Result<std::string> FormatTraceRow(TraceFormat format, const RequestSpec& r) {
  // What the reader would refuse is not written (trace_format.h).
  if (!(std::fabs(r.arrival) <= kMaxTraceSeconds)) {
    return Fail(Unwritable(r, "arrival",
                           fmt::format("arrival {} s is beyond the limit of +-1e15 s of trace "
                                       "times; a trace cannot hold it",
                                       r.arrival)));
  }
  for (auto [field, tokens] :
       {std::pair{"input_tokens", r.input_tokens}, std::pair{"output_tokens", r.output_tokens}}) {
    if (tokens < 0 || tokens > kMaxTokens) {
      return Fail(Unwritable(r, field,
                             fmt::format("{} {} is outside 0..{}, what a trace row may hold", field,
                                         tokens, kMaxTokens)));
    }
  }
  switch (format) {
    case TraceFormat::kAzure: {
      AIINFRA_TRY(std::string timestamp, AzureTimestampOf(r));
      return fmt::format("{},{},{}\n", timestamp, r.input_tokens, r.output_tokens);
    }
    case TraceFormat::kSplitwise:
      return fmt::format("{},{},{}\n", r.arrival, r.input_tokens, r.output_tokens);
    case TraceFormat::kBurstGpt:
      // Model and Log Type are not part of a RequestSpec; these are the trace's common values.
      return fmt::format("{},ChatGPT,{},{},{},Conversation log\n", r.arrival, r.input_tokens,
                         r.output_tokens, r.input_tokens + r.output_tokens);
    case TraceFormat::kMooncake: {
      nlohmann::ordered_json j;                           // keys in the published order
      j["timestamp"] = std::llround(r.arrival * 1000.0);  // |ms| <= 1e18: fits int64
      j["input_length"] = r.input_tokens;
      j["output_length"] = r.output_tokens;
      j["hash_ids"] = r.prefix_hashes;
      return j.dump() + "\n";
    }
  }
  return "";
}

}  // namespace aiinfra::workload
