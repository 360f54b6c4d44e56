// The formats `quant convert` writes, and how a tensor is stored in each: which tensors (parts)
// hold its codes and scales, in which element types and shapes, and the row-by-row encoders and
// decoders that fill and read them. A row is the last dimension (safetensors' last, GGUF's
// ne[0]); scales run along it, so a tensor is processed a batch of rows at a time and a large one
// never needs to be held whole.
//
// Parts, as safetensors checkpoints of each kind name them (ggml formats are single GGUF
// tensors):
//   f32, f16, bf16         w                  the values
//   fp8_e4m3, fp8_e5m2     w, w_scale (F32 scalar: amax / 448 or / 57344)
//   mxfp4                  w (U8 [.., cols/2]), w_scale (F8_E8M0 [.., cols/32])
//   nvfp4                  w (U8 [.., cols/2]), w_scale (F8_E4M3 [.., cols/16]),
//                          w_scale_2 (F32 scalar)
//   int8, int4             w (I8/U8 [.., cols] or U8 [.., cols/2]), w_scale (F32/F16
//                          [.., groups]), w_zero_point (U8 [.., groups], asymmetric only)
// In GGUF: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q4_k, q6_k, mxfp4 and nvfp4 as their ggml
// types (nvfp4 in ggml's layout, without a tensor scale); fp8 and int have no ggml type.
// Layouts and arithmetic: ggml_blocks.h, kquants.h, microscale.h, int_quant.h, float_formats.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/dtype.h"
#include "quant/int_quant.h"

namespace aiinfra::quant {

enum class Format {
  kF32,
  kF16,
  kBF16,
  kQ8_0,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ4_K,
  kQ6_K,
  kFP8_E4M3,
  kFP8_E5M2,
  kMXFP4,
  kNVFP4,
  kINT8,
  kINT4,
};

struct FormatInfo {
  Format format;
  const char* name;    // as --to spells it (ggml's spelling for ggml types)
  model::Dtype dtype;  // its bits per weight are model::Info(dtype)'s: one table for both modules
  int64_t block;       // elements of a row sharing a scale (1 for plain floats; the default
                       // group for int)
  int ggml_type;       // its GGUF type id; -1 when GGUF has none
  bool safetensors;    // has a safetensors layout
  bool needs_finite;   // NaN and Inf cannot be encoded (the ggml and integer formats)
};

const FormatInfo& Info(Format format);
inline const char* FormatName(Format format) { return Info(format).name; }
// Case-insensitive; kUsage listing the names otherwise.
Result<Format> ParseFormat(std::string_view name);
std::vector<Format> AllFormats();
double BitsPerWeight(Format format);  // model::Info(Info(format).dtype).bits_per_weight

enum class Container { kSafetensors, kGguf };

// What a pass over a tensor's values finds: the largest finite magnitude (the per-tensor scale of
// fp8 and nvfp4) and the values no code can hold in the ggml and integer formats.
struct ValueScan {
  float amax = 0;
  int64_t nan = 0, inf = 0;
  int64_t first_nonfinite = -1;  // index of the first NaN or Inf
  // Adds x[0, n), the elements at `offset` onwards of the tensor.
  void Add(const float* x, int64_t n, int64_t offset);
  bool finite() const { return nan == 0 && inf == 0; }
};

// Element types of the parts, mapped to safetensors dtypes and ggml types by the writers.
enum class Storage { kF32, kF16, kBF16, kI8, kU8, kF8E4M3, kF8E5M2, kF8E8M0, kGgml };

struct Part {
  std::string suffix;  // "" for the tensor itself, else "_scale", "_scale_2", ...
  Storage storage;
  int ggml_type = -1;          // with Storage::kGgml
  std::vector<int64_t> shape;  // row-major, last dimension innermost
  uint64_t bytes = 0;
  bool scalar = false;     // one value for the whole tensor (written by EncodeScalar)
  uint64_t row_bytes = 0;  // bytes per row of the tensor (0 for scalars)
};

class TensorCodec {
 public:
  // The codec of a tensor of `shape` (at least one element) in `format` inside `container`.
  // kInvalidInput naming what does not fit: a row length that is not a multiple of the
  // format's block, a format the container cannot hold, an int group that does not divide the
  // row.
  static Result<TensorCodec> Make(Format format, const std::vector<int64_t>& shape,
                                  Container container, std::optional<IntSpec> int_spec = {});

  Format format() const { return format_; }
  Container container() const { return container_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  const std::vector<Part>& parts() const { return parts_; }

  // fp8 and nvfp4 scale by the tensor's largest finite magnitude: a first pass finds it.
  bool needs_amax() const;
  void set_amax(float amax) { amax_ = amax; }

  // Part `p`'s bytes for rows [r0, r1): `x` holds those rows' (r1 − r0) × cols values;
  // `out` receives (r1 − r0) × row_bytes.
  void EncodeRows(size_t p, const float* x, int64_t r0, int64_t r1, uint8_t* out) const;
  // A scalar part's bytes.
  void EncodeScalar(size_t p, uint8_t* out) const;
  // Rows [r0, r1) decoded from the parts' bytes (whole parts, in parts() order). Rows are
  // independent: row r reads only row r of each part (and the scalars), so a batch of rows
  // encoded into buffers of its own decodes as rows 0.. of those buffers.
  void DecodeRows(std::span<const std::span<const uint8_t>> parts, int64_t r0, int64_t r1,
                  float* y) const;

 private:
  float TensorScale() const;  // fp8's and nvfp4's per-tensor scale, from amax_

  Format format_ = Format::kF32;
  Container container_ = Container::kSafetensors;
  std::optional<IntSpec> int_;
  int64_t rows_ = 0, cols_ = 0;
  float amax_ = 0;
  std::vector<Part> parts_;
};

}  // namespace aiinfra::quant
