// A weight file, safetensors or GGUF, as named tensors of values: what `quant inspect`,
// `convert`, `report` and `compare` read. Tensors are decoded to float32 a batch of rows at a
// time, in place from the mapped file, so a file of any size is read in bounded memory.
//
// Shapes are row-major with the last dimension innermost, in both containers (GGUF's ne[] is
// reversed into this order). What decodes:
// - safetensors: F32, F16, BF16, F64, F8_E4M3 and F8_E5M2 values as they are; and the quantized
//   tensors this project writes, recognised by their metadata entry "aiinfra.quant.<name>"
//   (format[,group=G][,asym]), whose scale and zero-point tensors (<name>_scale, ...) are folded
//   into them (codec.h gives the layouts).
// - GGUF: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q4_K, Q6_K, MXFP4 and NVFP4.
// Anything else (integer tensors, other ggml types) is listed but not decodable; convert copies
// such tensors unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "quant/codec.h"
#include "quant/gguf.h"
#include "quant/safetensors.h"

namespace aiinfra::quant {

// The metadata key that marks a quantized tensor in safetensors files this project writes.
inline constexpr const char* kQuantMetadataPrefix = "aiinfra.quant.";

struct WeightTensor {
  std::string name;
  std::vector<int64_t> shape;  // row-major, last dimension innermost; {} for a scalar
  int64_t elements = 0;
  std::string stored;            // how it is stored: a safetensors dtype, a ggml type, a format
  uint64_t bytes = 0;            // on disk, its scale and zero-point tensors included
  std::optional<Format> format;  // when it decodes: the format its values are in
  bool decodable() const { return format.has_value(); }
  int64_t cols() const { return shape.empty() ? 1 : shape.back(); }
  int64_t rows() const { return cols() > 0 ? elements / cols() : 0; }

  // Where its bytes are (the codec's parts, in order), for the reader.
  std::vector<size_t> parts;  // indices into the file's raw tensors
  std::optional<IntSpec> int_spec;
  bool via_codec = false;  // decoded by its TensorCodec (quantized and GGUF), else value by value
};

class WeightFile {
 public:
  // By content: GGUF when the file starts with "GGUF", else safetensors. kNotFound, or
  // kInvalidInput naming the file and what is wrong (the container's own checks).
  static Result<WeightFile> Open(const std::string& path);

  WeightFile(WeightFile&&) noexcept;
  WeightFile& operator=(WeightFile&&) noexcept;
  ~WeightFile();

  Container container() const;
  const std::string& path() const;
  const std::vector<WeightTensor>& tensors() const;
  const WeightTensor* Find(std::string_view name) const;

  // Rows [r0, r1) of a decodable tensor as floats ((r1 - r0) * cols values).
  void ReadRows(const WeightTensor& tensor, int64_t r0, int64_t r1, float* out) const;
  // The raw bytes of each part of a tensor (for copying a tensor unchanged).
  std::vector<std::span<const uint8_t>> RawParts(const WeightTensor& tensor) const;
  // Drops the pages of rows [r0, r1) (or of the whole tensor) from the resident set.
  void Release(const WeightTensor& tensor, int64_t r0, int64_t r1) const;

  // The container's own metadata: safetensors' __metadata__ (without this project's quant
  // entries), GGUF's key/values.
  const std::map<std::string, std::string>& safetensors_metadata() const;
  const std::vector<GgufKV>& gguf_metadata() const;
  // Raw tensor access for copying: dtype and ggml type of a part.
  std::optional<StDtype> part_dtype(size_t part) const;
  std::optional<uint32_t> part_ggml_type(size_t part) const;

 private:
  struct Impl;
  explicit WeightFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The safetensors dtype a codec part of `storage` is written as (U8 for packed codes).
StDtype DtypeOfStorage(Storage storage);

// The metadata value Convert writes for a quantized tensor: "FORMAT SHAPE [group=G] [asym]".
std::string QuantEntryText(Format format, const std::vector<int64_t>& shape,
                           const std::optional<IntSpec>& spec);

// Rows per batch for a tensor of `cols` values per row, so a batch holds about `values` floats
// (at least one row).
int64_t RowsPerBatch(int64_t cols, int64_t values = int64_t{1} << 20);

}  // namespace aiinfra::quant
