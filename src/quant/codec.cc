#include "quant/codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "common/text.h"
#include "quant/float_formats.h"
#include "quant/ggml_blocks.h"
#include "quant/kquants.h"
#include "quant/microscale.h"
#include "quant/simd.h"

namespace aiinfra::quant {
namespace {

using model::Dtype;

// Order matches the enum, so Info() is an index.
const std::array<FormatInfo, 15> kFormats = {{
    {Format::kF32, "f32", Dtype::kF32, 1, 0, true, false},
    {Format::kF16, "f16", Dtype::kF16, 1, 1, true, false},
    {Format::kBF16, "bf16", Dtype::kBF16, 1, 30, true, false},
    {Format::kQ8_0, "q8_0", Dtype::kQ8_0, 32, 8, false, true},
    {Format::kQ4_0, "q4_0", Dtype::kQ4_0, 32, 2, false, true},
    {Format::kQ4_1, "q4_1", Dtype::kQ4_1, 32, 3, false, true},
    {Format::kQ5_0, "q5_0", Dtype::kQ5_0, 32, 6, false, true},
    {Format::kQ4_K, "q4_k", Dtype::kQ4_K, 256, 12, false, true},
    {Format::kQ6_K, "q6_k", Dtype::kQ6_K, 256, 14, false, true},
    {Format::kFP8_E4M3, "fp8_e4m3", Dtype::kFP8, 1, -1, true, false},
    {Format::kFP8_E5M2, "fp8_e5m2", Dtype::kFP8_E5M2, 1, -1, true, false},
    {Format::kMXFP4, "mxfp4", Dtype::kMXFP4, 32, 39, true, false},
    {Format::kNVFP4, "nvfp4", Dtype::kNVFP4, 16, 40, true, false},
    {Format::kINT8, "int8", Dtype::kINT8, 0, -1, true, true},
    {Format::kINT4, "int4", Dtype::kINT4, 128, -1, true, true},
}};

// Bytes of a ggml block and the elements it holds, for the ggml types written here.
struct GgmlBlock {
  int64_t elements;
  int64_t bytes;
};

GgmlBlock BlockOf(Format f) {
  switch (f) {
    case Format::kF32:
      return {1, 4};
    case Format::kF16:
    case Format::kBF16:
      return {1, 2};
    case Format::kQ8_0:
      return {kQK, kQ8_0Bytes};
    case Format::kQ4_0:
      return {kQK, kQ4_0Bytes};
    case Format::kQ4_1:
      return {kQK, kQ4_1Bytes};
    case Format::kQ5_0:
      return {kQK, kQ5_0Bytes};
    case Format::kQ4_K:
      return {kQK_K, kQ4KBlockBytes};
    case Format::kQ6_K:
      return {kQK_K, kQ6KBlockBytes};
    case Format::kMXFP4:
      return {kMxBlock, kMxfp4GgmlBytes};
    case Format::kNVFP4:
      return {kNvfp4GgmlBlock, kNvfp4GgmlBytes};
    default:
      return {0, 0};
  }
}

std::vector<int64_t> WithLast(std::vector<int64_t> shape, int64_t last) {
  if (shape.empty()) return {last};
  shape.back() = last;
  return shape;
}

void PutF32(uint8_t* p, float v) { std::memcpy(p, &v, 4); }
// F16 or BF16 codes of n floats as little-endian bytes at any alignment: the row conversion
// writes an aligned buffer small enough to stay in L1, then it is copied out.
void PutHalfRow(const float* x, int64_t n, bool bf16, uint8_t* out) {
  constexpr int64_t kChunk = 2048;
  uint16_t buf[kChunk];
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t m = std::min(kChunk, n - i);
    if (bf16) {
      F32ToBF16Row(x + i, m, buf);
    } else {
      F32ToF16Row(x + i, m, buf);
    }
    std::memcpy(out + 2 * i, buf, static_cast<size_t>(m) * 2);
  }
}

// The reverse of PutHalfRow, through the same aligned buffer.
void GetHalfRow(const uint8_t* in, int64_t n, bool bf16, float* y) {
  constexpr int64_t kChunk = 2048;
  uint16_t buf[kChunk];
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t m = std::min(kChunk, n - i);
    std::memcpy(buf, in + 2 * i, static_cast<size_t>(m) * 2);
    if (bf16) {
      BF16ToF32Row(buf, m, y + i);
    } else {
      F16ToF32Row(buf, m, y + i);
    }
  }
}

float GetF32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

void ValueScan::Add(const float* x, int64_t n, int64_t offset) {
  for (int64_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a <= FLT_MAX) {
      amax = std::max(amax, a);
      continue;
    }
    if (std::isnan(a)) {
      ++nan;
    } else {
      ++inf;
    }
    if (first_nonfinite < 0) first_nonfinite = offset + i;
  }
}

const FormatInfo& Info(Format format) { return kFormats[static_cast<size_t>(format)]; }

Result<Format> ParseFormat(std::string_view name) {
  const std::string lower = ToLowerAscii(name);
  std::string names;
  for (const FormatInfo& info : kFormats) {
    if (lower == info.name) return info.format;
    names += (names.empty() ? "" : ", ") + std::string(info.name);
  }
  return Fail(ErrorCode::kUsage, fmt::format("unknown format '{}' (one of: {})", name, names));
}

std::vector<Format> AllFormats() {
  std::vector<Format> out;
  for (const FormatInfo& info : kFormats) out.push_back(info.format);
  return out;
}

double BitsPerWeight(Format format) { return model::Info(Info(format).dtype).bits_per_weight; }

Result<TensorCodec> TensorCodec::Make(Format format, const std::vector<int64_t>& shape,
                                      Container container, std::optional<IntSpec> int_spec) {
  const FormatInfo& info = Info(format);
  TensorCodec c;
  c.format_ = format;
  c.container_ = container;
  c.cols_ = shape.empty() ? 1 : shape.back();
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  if (n <= 0 || c.cols_ <= 0) {
    return Fail(ErrorCode::kInvalidInput, "a tensor without elements has nothing to quantize");
  }
  c.rows_ = n / c.cols_;
  const auto fits = [&](int64_t block) -> Status {
    if (block > 1 && c.cols_ % block != 0) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("rows of {} elements do not divide into {}'s blocks of {}", c.cols_,
                              info.name, block));
    }
    return {};
  };
  if (container == Container::kGguf) {
    if (info.ggml_type < 0) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("{} has no GGUF (ggml) type: write a .safetensors file, or pick "
                              "one of f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q4_k, q6_k, mxfp4, "
                              "nvfp4",
                              info.name));
    }
    const GgmlBlock b = BlockOf(format);
    AIINFRA_CHECK_OK(fits(b.elements));
    const uint64_t row = static_cast<uint64_t>(c.cols_ / b.elements * b.bytes);
    const Storage storage = format == Format::kF32    ? Storage::kF32
                            : format == Format::kF16  ? Storage::kF16
                            : format == Format::kBF16 ? Storage::kBF16
                                                      : Storage::kGgml;
    c.parts_.push_back(
        Part{"", storage, info.ggml_type, shape, row * static_cast<uint64_t>(c.rows_), false, row});
    return c;
  }
  if (!info.safetensors) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{} is a GGUF block format: write a .gguf file", info.name));
  }
  const auto rows = static_cast<uint64_t>(c.rows_);
  const auto add = [&](std::string suffix, Storage s, int64_t per_row, uint64_t elem_bytes) {
    const uint64_t row = static_cast<uint64_t>(per_row) * elem_bytes;
    c.parts_.push_back(
        Part{std::move(suffix), s, -1, WithLast(shape, per_row), row * rows, false, row});
  };
  const auto add_scalar = [&](std::string suffix) {
    c.parts_.push_back(Part{std::move(suffix), Storage::kF32, -1, {}, 4, true, 0});
  };
  switch (format) {
    case Format::kF32:
      add("", Storage::kF32, c.cols_, 4);
      break;
    case Format::kF16:
      add("", Storage::kF16, c.cols_, 2);
      break;
    case Format::kBF16:
      add("", Storage::kBF16, c.cols_, 2);
      break;
    case Format::kFP8_E4M3:
    case Format::kFP8_E5M2:
      add("", format == Format::kFP8_E4M3 ? Storage::kF8E4M3 : Storage::kF8E5M2, c.cols_, 1);
      add_scalar("_scale");
      break;
    case Format::kMXFP4:
      AIINFRA_CHECK_OK(fits(kMxBlock));
      add("", Storage::kU8, c.cols_ / 2, 1);
      add("_scale", Storage::kF8E8M0, c.cols_ / kMxBlock, 1);
      break;
    case Format::kNVFP4:
      AIINFRA_CHECK_OK(fits(kNvBlock));
      add("", Storage::kU8, c.cols_ / 2, 1);
      add("_scale", Storage::kF8E4M3, c.cols_ / kNvBlock, 1);
      add_scalar("_scale_2");
      break;
    case Format::kINT8:
    case Format::kINT4: {
      IntSpec spec = int_spec.value_or(IntSpec{});
      spec.bits = format == Format::kINT8 ? 8 : 4;
      if (!int_spec || spec.group < 0) spec.group = info.block;     // the format's default
      if (spec.group == 0 || spec.group > c.cols_) spec.group = 0;  // per channel
      AIINFRA_CHECK_OK(fits(spec.group));
      if (spec.bits == 4 && c.cols_ % 2 != 0) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("int4 packs two elements a byte: rows of {} are odd", c.cols_));
      }
      c.int_ = spec;
      const int64_t groups = spec.group > 0 ? c.cols_ / spec.group : 1;
      if (spec.bits == 8) {
        add("", spec.asymmetric ? Storage::kU8 : Storage::kI8, c.cols_, 1);
      } else {
        add("", Storage::kU8, c.cols_ / 2, 1);
      }
      add("_scale", spec.f16_scales() ? Storage::kF16 : Storage::kF32, groups,
          spec.f16_scales() ? 2 : 4);
      if (spec.asymmetric) add("_zero_point", Storage::kU8, groups, 1);
      break;
    }
    default:
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("{} cannot be written to safetensors", info.name));
  }
  return c;
}

bool TensorCodec::needs_amax() const {
  return container_ == Container::kSafetensors &&
         (format_ == Format::kFP8_E4M3 || format_ == Format::kFP8_E5M2 ||
          format_ == Format::kNVFP4);
}

float TensorCodec::TensorScale() const {
  switch (format_) {
    case Format::kFP8_E4M3:
      return amax_ > 0 ? amax_ / kE4M3Max : 1.0f;
    case Format::kFP8_E5M2:
      return amax_ > 0 ? amax_ / kE5M2Max : 1.0f;
    case Format::kNVFP4:
      return NvTensorScale(amax_);
    default:
      return 1.0f;
  }
}

void TensorCodec::EncodeScalar(size_t, uint8_t* out) const { PutF32(out, TensorScale()); }

void TensorCodec::EncodeRows(size_t p, const float* x, int64_t r0, int64_t r1, uint8_t* out) const {
  const int64_t n = (r1 - r0) * cols_;
  switch (format_) {  // the plain floats are the same in both containers
    case Format::kF32:
      std::memcpy(out, x, static_cast<size_t>(n) * 4);
      return;
    case Format::kF16:
      return PutHalfRow(x, n, false, out);
    case Format::kBF16:
      return PutHalfRow(x, n, true, out);
    default:
      break;
  }
  if (container_ == Container::kGguf) {
    switch (format_) {
      case Format::kQ8_0:
        return QuantizeQ8_0(x, n, out);
      case Format::kQ4_0:
        return QuantizeQ4_0(x, n, out);
      case Format::kQ4_1:
        return QuantizeQ4_1(x, n, out);
      case Format::kQ5_0:
        return QuantizeQ5_0(x, n, out);
      case Format::kQ4_K:
        return QuantizeQ4K(x, n, out);
      case Format::kQ6_K:
        return QuantizeQ6K(x, n, out);
      case Format::kMXFP4:
        return QuantizeMxfp4Ggml(x, n, out);
      case Format::kNVFP4:
        return QuantizeNvfp4Ggml(x, n, out);
      default:
        return;
    }
  }
  const std::string& suffix = parts_[p].suffix;
  switch (format_) {
    case Format::kFP8_E4M3:
    case Format::kFP8_E5M2: {
      return EncodeFp8Row(x, n, TensorScale(), format_ == Format::kFP8_E5M2, out);
    }
    case Format::kMXFP4:
    case Format::kNVFP4: {
      const int64_t block = format_ == Format::kMXFP4 ? kMxBlock : kNvBlock;
      std::vector<uint8_t> codes(static_cast<size_t>(n / 2)),
          scales(static_cast<size_t>(n / block));
      if (format_ == Format::kMXFP4) {
        QuantizeMxfp4(x, n, codes.data(), scales.data());
      } else {
        QuantizeNvfp4(x, n, TensorScale(), codes.data(), scales.data());
      }
      const std::vector<uint8_t>& src = suffix.empty() ? codes : scales;
      std::memcpy(out, src.data(), src.size());
      return;
    }
    case Format::kINT8:
    case Format::kINT4: {
      const IntSpec& spec = *int_;
      const int64_t groups = spec.group > 0 ? cols_ / spec.group : 1;
      const int64_t code_bytes = spec.bits == 8 ? cols_ : cols_ / 2;
      std::vector<uint8_t> codes(static_cast<size_t>(code_bytes)),
          zeros(static_cast<size_t>(groups));
      std::vector<float> scales(static_cast<size_t>(groups));
      for (int64_t r = 0; r < r1 - r0; ++r) {
        QuantizeIntRow(x + r * cols_, cols_, spec, codes.data(), scales.data(), zeros.data());
        if (suffix.empty()) {
          std::memcpy(out + r * code_bytes, codes.data(), codes.size());
        } else if (suffix == "_zero_point") {
          std::memcpy(out + r * groups, zeros.data(), zeros.size());
        } else if (spec.f16_scales()) {
          for (int64_t g = 0; g < groups; ++g) {
            const uint16_t h = F32ToF16(scales[static_cast<size_t>(g)]);
            std::memcpy(out + (r * groups + g) * 2, &h, 2);
          }
        } else {
          std::memcpy(out + r * groups * 4, scales.data(), scales.size() * 4);
        }
      }
      return;
    }
    default:
      return;
  }
}

void TensorCodec::DecodeRows(std::span<const std::span<const uint8_t>> parts, int64_t r0,
                             int64_t r1, float* y) const {
  const int64_t n = (r1 - r0) * cols_;
  const uint8_t* main = parts[0].data() + static_cast<uint64_t>(r0) * parts_[0].row_bytes;
  const auto f16 = [](const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return h;
  };
  switch (format_) {  // the plain floats are the same in both containers
    case Format::kF32:
      std::memcpy(y, main, static_cast<size_t>(n) * 4);
      return;
    case Format::kF16:
      return GetHalfRow(main, n, false, y);
    case Format::kBF16:
      return GetHalfRow(main, n, true, y);
    default:
      break;
  }
  if (container_ == Container::kGguf) {
    switch (format_) {
      case Format::kQ8_0:
        return DequantizeQ8_0(main, n, y);
      case Format::kQ4_0:
        return DequantizeQ4_0(main, n, y);
      case Format::kQ4_1:
        return DequantizeQ4_1(main, n, y);
      case Format::kQ5_0:
        return DequantizeQ5_0(main, n, y);
      case Format::kQ4_K:
        return DequantizeQ4K(main, n, y);
      case Format::kQ6_K:
        return DequantizeQ6K(main, n, y);
      case Format::kMXFP4:
        return DequantizeMxfp4Ggml(main, n, y);
      case Format::kNVFP4:
        return DequantizeNvfp4Ggml(main, n, y);
      default:
        return;
    }
  }
  const auto part_rows = [&](size_t p) {
    return parts[p].data() + static_cast<uint64_t>(r0) * parts_[p].row_bytes;
  };
  switch (format_) {
    case Format::kFP8_E4M3:
    case Format::kFP8_E5M2: {
      const float s = GetF32(parts[1].data());
      for (int64_t i = 0; i < n; ++i) {
        y[i] = (format_ == Format::kFP8_E4M3 ? E4M3ToF32(main[i]) : E5M2ToF32(main[i])) * s;
      }
      return;
    }
    case Format::kMXFP4:
      return DequantizeMxfp4(main, part_rows(1), n, y);
    case Format::kNVFP4:
      return DequantizeNvfp4(main, part_rows(1), n, GetF32(parts[2].data()), y);
    case Format::kINT8:
    case Format::kINT4: {
      const IntSpec& spec = *int_;
      const int64_t groups = spec.group > 0 ? cols_ / spec.group : 1;
      std::vector<float> scales(static_cast<size_t>(groups));
      for (int64_t r = 0; r < r1 - r0; ++r) {
        const uint8_t* s = part_rows(1) + static_cast<uint64_t>(r) * parts_[1].row_bytes;
        for (int64_t g = 0; g < groups; ++g) {
          scales[static_cast<size_t>(g)] =
              spec.f16_scales() ? F16ToF32(f16(s + 2 * g)) : GetF32(s + 4 * g);
        }
        const uint8_t* zeros = spec.asymmetric
                                   ? part_rows(2) + static_cast<uint64_t>(r) * parts_[2].row_bytes
                                   : nullptr;
        DequantizeIntRow(main + static_cast<uint64_t>(r) * parts_[0].row_bytes, scales.data(),
                         zeros, cols_, spec, y + r * cols_);
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace aiinfra::quant
