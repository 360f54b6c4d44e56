// What quantization cost: `quant report IN OUT` compares the tensors two weight files share
// (the original and a converted one), and `quant compare IN --to F1,F2,...` quantizes one file
// in memory in each format and ranks the formats. Both read a batch of rows at a time.
//
// Per tensor, with x the original values and y the decoded ones (n elements):
//   RMSE          sqrt(sum (x - y)^2 / n)
//   SNR (dB)      10 log10(sum x^2 / sum (x - y)^2): signal power over error power
//   max abs error max |x - y|
//   cosine        sum x y / sqrt(sum x^2 sum y^2): 1 means the direction is kept exactly
//   outliers      the share of x farther than 6 standard deviations from the mean: what a
//                 per-block scale must stretch to hold (the "outlier features" the LLM.int8
//                 and SmoothQuant papers describe), and why a format's error on a tensor is high
// Elements where either side is NaN or Inf are counted apart and left out of the sums.
// Summaries add the sums of every tensor of a format, so their figures weigh tensors by size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "quant/codec.h"
#include "quant/convert.h"

namespace aiinfra::quant {

struct ErrorStats {
  int64_t n = 0;
  double sum_sq_err = 0, sum_sq_ref = 0, sum_sq_out = 0, dot = 0;
  double max_abs_err = 0;
  int64_t outliers = 0;
  int64_t nonfinite = 0;  // elements left out (NaN or Inf on either side)

  // Adds ref[i] and out[i], i < count; outliers are |ref - mean| > threshold.
  void Add(const float* ref, const float* out, int64_t count, double mean, double threshold);
  void Merge(const ErrorStats& o);
  double rmse() const;
  double snr_db() const;  // +inf when there is no error
  double cosine() const;
  double outlier_share() const;
};

struct TensorReport {
  std::string name;
  std::vector<int64_t> shape;
  std::string from;    // stored in IN
  std::string format;  // stored in OUT (the format its values are in)
  uint64_t bytes_in = 0, bytes_out = 0;
  double bits_per_weight = 0;  // OUT's bytes x 8 / elements, scales included
  ErrorStats stats;
};

struct FormatSummary {
  std::string format;
  int tensors = 0;
  int64_t elements = 0;
  uint64_t bytes = 0;
  ErrorStats stats;
  double bits_per_weight() const;
};

struct QuantReport {
  std::vector<TensorReport> tensors;
  std::vector<FormatSummary> formats;  // by format of OUT, largest share first
  FormatSummary total;
  uint64_t bytes_in = 0, bytes_out = 0;
  std::vector<std::string> skipped;  // tensors not compared, with the reason
};

// Compares every tensor of `in` that `out` has under the same name with the same element
// count. kInvalidInput naming the file when one does not open; no common tensor is an error.
Result<QuantReport> Report(const std::string& in, const std::string& out,
                           int64_t batch_values = int64_t{1} << 20);

struct CompareRow {
  Format format;
  uint64_t bytes = 0;  // the whole file's tensor data in this format
  double bits_per_weight = 0;
  int quantized_tensors = 0;  // in `format` (the rest kept or copied as convert would)
  ErrorStats stats;           // over the quantized tensors
};

// Each format in turn, with `base`'s keep rules and int options, written to its natural
// container (safetensors unless it only has a GGUF layout). Sorted by SNR, highest first, then
// by size. Formats that cannot encode the file (NaN in a tensor) fail the comparison, naming it.
Result<std::vector<CompareRow>> Compare(const std::string& in, const std::vector<Format>& formats,
                                        const ConvertOptions& base);

}  // namespace aiinfra::quant
