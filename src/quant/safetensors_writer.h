// Writing safetensors files as a stream: the header is written first, then the tensors' bytes as
// the caller produces them, so a multi-GiB output never sits in memory. The file appears at its
// path only on Commit (through Env::OutputFile); a writer destroyed before that leaves nothing.
// Spec: ../shared/specs/quant-security-ebpf.md 1.1.
//
// Layout, as the reference writer makes it: the header JSON ("__metadata__" first when there is
// metadata, then the tensors in data order) is right-padded with spaces so that the buffer
// starts at a multiple of 8; tensors are ordered by descending StDtypeAlignment (8: I64, U64,
// F64, C64; 4: I32, U32, F32; 2: I16, U16, F16, BF16; 1: the 8-bit and sub-byte dtypes), then by
// name. Every tensor of alignment A has a size that is a multiple of A, so each one starts at a
// multiple of its alignment in the file. The output passes ParseSafetensors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "quant/safetensors.h"

namespace aiinfra::quant {

struct StTensorSpec {
  std::string name;
  StDtype dtype = StDtype::kF32;
  std::vector<int64_t> shape;  // empty: a rank-0 scalar
};

// The number of bytes a tensor of `spec` holds; kInvalidInput (naming the tensor) when a
// dimension is negative, the size overflows, or a sub-byte dtype does not fill whole bytes.
Result<uint64_t> StTensorBytes(const StTensorSpec& spec);

// Movable, not copyable; not thread-safe.
class SafetensorsWriter {
 public:
  // Validates the specs (kInvalidInput naming the tensor: a name that is "__metadata__", given
  // twice, or not valid UTF-8; a bad shape, see StTensorBytes; metadata that
  // is not valid UTF-8; a header over the readers' 100,000,000-byte limit), opens the output
  // through `env` and writes the header. `env` must outlive the writer.
  static Result<SafetensorsWriter> Create(Env& env, const std::string& path,
                                          std::vector<StTensorSpec> tensors,
                                          std::map<std::string, std::string> metadata = {});

  // The tensors in the order their data must be appended (the file's order).
  const std::vector<StTensorSpec>& order() const { return order_; }

  // The data of the tensors in order(), concatenated, in as many pieces as the caller likes
  // (a piece may span tensors). kInvalidInput, writing nothing, if the piece goes past the end
  // of the last tensor or the writer is committed.
  Status Append(std::span<const uint8_t> bytes);

  // Fails (and leaves no file) unless exactly all tensors' bytes were appended; then moves the
  // file into place.
  Status Commit();

  uint64_t data_bytes() const { return total_; }
  uint64_t appended() const { return appended_; }

 private:
  SafetensorsWriter() = default;
  std::string path_;
  std::unique_ptr<Env::OutputFile> out_;
  std::vector<StTensorSpec> order_;
  uint64_t total_ = 0;
  uint64_t appended_ = 0;
  bool committed_ = false;
};

}  // namespace aiinfra::quant
