// Writing GGUF version 3 files as a stream: the header (metadata and tensor infos) first, then
// the tensors' data as the caller produces it, so a multi-GiB output never sits in memory. The
// file appears at its path only on Commit (through Env::OutputFile); a writer destroyed before
// that leaves nothing. Spec: ../shared/specs/quant-security-ebpf.md 1.2.
//
// Layout, as ggml's writer makes it: magic, version 3, counts, the metadata in the given order,
// the tensor infos in the given order, zero padding to the alignment; then the tensors in the
// same order, each padded with zeros to the alignment (the last one too, as ggml does: its
// reader reads the padded total). The output passes ParseGguf.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "quant/gguf.h"

namespace aiinfra::quant {

struct GgufTensorSpec {
  std::string name;
  std::vector<uint64_t> dims;  // ne[0] first (the innermost dimension)
  uint32_t type = 0;           // a ggml type id
};

// Tensor names the writer accepts are at most this long: ggml keeps names in 64-byte buffers
// with a NUL, so a 64-byte name, which the format allows, would not load in llama.cpp.
inline constexpr uint64_t kGgufWriterMaxNameBytes = 63;

// Movable, not copyable; not thread-safe.
class GgufWriter {
 public:
  // Validates everything (kInvalidInput naming the key or tensor): keys unique and at most
  // 65,535 bytes; values well-formed (a known type, scalars within their type, bools 0/1, only
  // the members their type uses set, arrays nested at most kGgufMaxArrayDepth deep); `alignment`
  // a power of two >= 8 (the format asks a multiple of 8; ggml a power of two); a
  // "general.alignment" key, if given, a UINT32 equal to `alignment`; tensor names unique and at
  // most kGgufWriterMaxNameBytes; 1 to 4 dims; a supported type with ne[0] a multiple of its
  // block (GgmlTensorBytes). Adds "general.alignment" at the end of the metadata when
  // `alignment` is not the default 32 and the key is absent. Then opens the output through `env`
  // (which must outlive the writer) and writes the header.
  static Result<GgufWriter> Create(Env& env, const std::string& path, std::vector<GgufKV> metadata,
                                   std::vector<GgufTensorSpec> tensors, uint32_t alignment = 32);

  // The tensors' data in the declared order, concatenated, in as many pieces as the caller
  // likes (a piece may span tensors); the writer inserts the padding. kInvalidInput, writing
  // nothing, if the piece goes past the end of the last tensor or the writer is committed.
  Status Append(std::span<const uint8_t> bytes);

  // Fails (leaving no file, naming the first incomplete tensor) unless exactly all tensors'
  // bytes were appended; then moves the file into place.
  Status Commit();

  // The tensor infos as written: offsets (relative to the data section) and sizes.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  // Where the data section starts in the file.
  uint64_t data_start() const { return data_start_; }
  // The bytes Append must receive in all (padding excluded).
  uint64_t data_bytes() const { return total_; }

 private:
  GgufWriter() = default;
  Status FinishTensors();  // pads after every tensor that is complete and moves past it

  std::string path_;
  std::unique_ptr<Env::OutputFile> out_;
  std::vector<GgufTensorInfo> tensors_;
  uint64_t alignment_ = 32;
  uint64_t data_start_ = 0;
  uint64_t total_ = 0;
  uint64_t appended_ = 0;
  size_t current_ = 0;  // the tensor being appended
  uint64_t done_ = 0;   // bytes of it appended so far
  bool committed_ = false;
};

// The bytes of `value` as GGUF stores it after the value-type tag. `value` must be well-formed
// (as Create checks); exposed for tests and tools that build files by hand.
std::string EncodeGgufValue(const GgufValue& value);

}  // namespace aiinfra::quant
