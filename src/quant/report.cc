#include "quant/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "quant/weights.h"

namespace aiinfra::quant {
namespace {

constexpr double kOutlierSigmas = 6;

// Mean and standard deviation of a tensor's finite values (a first pass over it).
struct Moments {
  double mean = 0, sigma = 0;
};

Moments Measure(const WeightFile& f, const WeightTensor& t, int64_t batch, std::vector<float>& x) {
  double sum = 0, sum_sq = 0;
  int64_t n = 0;
  for (int64_t r = 0; r < t.rows(); r += batch) {
    const int64_t end = std::min(t.rows(), r + batch);
    f.ReadRows(t, r, end, x.data());
    for (int64_t i = 0; i < (end - r) * t.cols(); ++i) {
      if (!std::isfinite(x[static_cast<size_t>(i)])) continue;
      sum += x[static_cast<size_t>(i)];
      sum_sq += double(x[static_cast<size_t>(i)]) * x[static_cast<size_t>(i)];
      ++n;
    }
    f.Release(t, r, end);
  }
  if (n == 0) return {};
  const double mean = sum / static_cast<double>(n);
  return {mean, std::sqrt(std::max(0.0, sum_sq / static_cast<double>(n) - mean * mean))};
}

}  // namespace

void ErrorStats::Add(const float* ref, const float* out, int64_t count, double mean,
                     double threshold) {
  for (int64_t i = 0; i < count; ++i) {
    const double x = ref[i], y = out[i];
    if (!std::isfinite(x) || !std::isfinite(y)) {
      ++nonfinite;
      continue;
    }
    const double e = x - y;
    sum_sq_err += e * e;
    sum_sq_ref += x * x;
    sum_sq_out += y * y;
    dot += x * y;
    max_abs_err = std::max(max_abs_err, std::fabs(e));
    outliers += std::fabs(x - mean) > threshold;
    ++n;
  }
}

void ErrorStats::Merge(const ErrorStats& o) {
  n += o.n;
  sum_sq_err += o.sum_sq_err;
  sum_sq_ref += o.sum_sq_ref;
  sum_sq_out += o.sum_sq_out;
  dot += o.dot;
  max_abs_err = std::max(max_abs_err, o.max_abs_err);
  outliers += o.outliers;
  nonfinite += o.nonfinite;
}

double ErrorStats::rmse() const { return n ? std::sqrt(sum_sq_err / static_cast<double>(n)) : 0; }

double ErrorStats::snr_db() const {
  if (sum_sq_err == 0) return std::numeric_limits<double>::infinity();
  if (sum_sq_ref == 0) return -std::numeric_limits<double>::infinity();
  return 10 * std::log10(sum_sq_ref / sum_sq_err);
}

double ErrorStats::cosine() const {
  const double norms = std::sqrt(sum_sq_ref * sum_sq_out);
  if (norms == 0) return sum_sq_ref == sum_sq_out ? 1 : 0;
  return dot / norms;
}

double ErrorStats::outlier_share() const {
  return n ? static_cast<double>(outliers) / static_cast<double>(n) : 0;
}

double FormatSummary::bits_per_weight() const {
  return elements ? 8.0 * static_cast<double>(bytes) / static_cast<double>(elements) : 0;
}

Result<QuantReport> Report(const std::string& in_path, const std::string& out_path,
                           int64_t batch_values) {
  AIINFRA_TRY(WeightFile in, WeightFile::Open(in_path));
  AIINFRA_TRY(WeightFile out, WeightFile::Open(out_path));
  QuantReport r;
  r.total.format = "all";
  std::map<std::string, FormatSummary> by_format;
  for (const WeightTensor& a : in.tensors()) {
    const WeightTensor* b = out.Find(a.name);
    if (!b) {
      r.skipped.push_back(fmt::format("{}: not in {}", a.name, out_path));
      continue;
    }
    if (!a.decodable() || !b->decodable()) {
      r.skipped.push_back(fmt::format("{}: {} does not decode to values", a.name,
                                      a.decodable() ? b->stored : a.stored));
      continue;
    }
    if (a.elements != b->elements || a.cols() != b->cols()) {
      r.skipped.push_back(fmt::format("{}: shapes differ", a.name));
      continue;
    }
    TensorReport t{.name = a.name, .shape = a.shape, .from = a.stored};
    t.format = FormatName(*b->format);
    t.bytes_in = a.bytes;
    t.bytes_out = b->bytes;
    t.bits_per_weight = 8.0 * static_cast<double>(b->bytes) / static_cast<double>(a.elements);
    const int64_t batch = RowsPerBatch(a.cols(), batch_values);
    std::vector<float> x(static_cast<size_t>(std::min(batch, a.rows()) * a.cols()));
    std::vector<float> y(x.size());
    const Moments m = Measure(in, a, batch, x);
    for (int64_t row = 0; row < a.rows(); row += batch) {
      const int64_t end = std::min(a.rows(), row + batch);
      in.ReadRows(a, row, end, x.data());
      out.ReadRows(*b, row, end, y.data());
      t.stats.Add(x.data(), y.data(), (end - row) * a.cols(), m.mean, kOutlierSigmas * m.sigma);
      in.Release(a, row, end);
      out.Release(*b, row, end);
    }
    FormatSummary& s = by_format[t.format];
    s.format = t.format;
    ++s.tensors;
    s.elements += a.elements;
    s.bytes += b->bytes;
    s.stats.Merge(t.stats);
    ++r.total.tensors;
    r.total.elements += a.elements;
    r.total.bytes += b->bytes;
    r.total.stats.Merge(t.stats);
    r.bytes_in += a.bytes;
    r.bytes_out += b->bytes;
    r.tensors.push_back(std::move(t));
  }
  if (r.tensors.empty()) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{} and {} share no tensor that decodes to values (same name, same "
                            "shape)",
                            in_path, out_path));
  }
  for (auto& [name, s] : by_format) r.formats.push_back(s);
  std::sort(r.formats.begin(), r.formats.end(),
            [](const FormatSummary& a, const FormatSummary& b) { return a.elements > b.elements; });
  return r;
}

Result<std::vector<CompareRow>> Compare(const std::string& in_path,
                                        const std::vector<Format>& formats,
                                        const ConvertOptions& base) {
  AIINFRA_TRY(WeightFile in, WeightFile::Open(in_path));
  std::vector<CompareRow> rows;
  for (Format f : formats) {
    const Container container = Info(f).safetensors ? Container::kSafetensors : Container::kGguf;
    ConvertOptions o = base;
    o.to = f;
    AIINFRA_TRY(
        ConvertResult plan,
        PlanConversion(in_path, container == Container::kGguf ? "x.gguf" : "x.safetensors", o));
    CompareRow row{.format = f, .bytes = plan.bytes_out};
    int64_t elements = 0;
    for (const TensorPlan& p : plan.tensors) {
      const WeightTensor* t = in.Find(p.name);
      elements += t->elements;
      if (p.to != FormatName(f)) continue;
      const bool is_int = f == Format::kINT8 || f == Format::kINT4;
      AIINFRA_TRY(TensorCodec codec,
                  TensorCodec::Make(f, t->shape, container, is_int ? o.int_spec : std::nullopt));
      const int64_t batch = RowsPerBatch(t->cols(), o.batch_values);
      std::vector<float> x(static_cast<size_t>(std::min(batch, t->rows()) * t->cols()));
      std::vector<float> y(x.size());
      ValueScan scan;
      for (int64_t r = 0; r < t->rows(); r += batch) {
        const int64_t end = std::min(t->rows(), r + batch);
        in.ReadRows(*t, r, end, x.data());
        scan.Add(x.data(), (end - r) * t->cols(), r * t->cols());
      }
      if (!scan.finite() && Info(f).needs_finite) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("{}: tensor '{}' holds NaN or Inf, which {} cannot encode", in_path,
                                t->name, FormatName(f)));
      }
      codec.set_amax(scan.amax);
      const Moments m = Measure(in, *t, batch, x);
      std::vector<std::vector<uint8_t>> parts;
      for (const Part& part : codec.parts()) {
        parts.emplace_back(part.scalar ? part.bytes
                                       : static_cast<uint64_t>(std::min(batch, t->rows())) *
                                             part.row_bytes);
      }
      for (int64_t r = 0; r < t->rows(); r += batch) {
        const int64_t end = std::min(t->rows(), r + batch);
        in.ReadRows(*t, r, end, x.data());
        // This batch's parts hold rows r..end; rows decode independently, so they decode as
        // rows 0..end-r of these buffers.
        std::vector<std::span<const uint8_t>> spans;
        for (size_t p = 0; p < codec.parts().size(); ++p) {
          if (codec.parts()[p].scalar) {
            codec.EncodeScalar(p, parts[p].data());
          } else {
            codec.EncodeRows(p, x.data(), r, end, parts[p].data());
          }
          spans.emplace_back(parts[p]);
        }
        codec.DecodeRows(spans, 0, end - r, y.data());
        row.stats.Add(x.data(), y.data(), (end - r) * t->cols(), m.mean, kOutlierSigmas * m.sigma);
        in.Release(*t, r, end);
      }
      ++row.quantized_tensors;
    }
    row.bits_per_weight =
        elements ? 8.0 * static_cast<double>(row.bytes) / static_cast<double>(elements) : 0;
    rows.push_back(row);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const CompareRow& a, const CompareRow& b) {
    if (a.stats.snr_db() != b.stats.snr_db()) return a.stats.snr_db() > b.stats.snr_db();
    return a.bytes < b.bytes;
  });
  return rows;
}

}  // namespace aiinfra::quant
