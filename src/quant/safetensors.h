// The safetensors weight-file container (Hugging Face): reading and validating a file's header,
// and reading tensors in place from a memory-mapped file. The writer is in safetensors_writer.h.
// Spec: ../shared/specs/quant-security-ebpf.md 1.1.
//
// Layout: 8 bytes N (u64, little-endian), N bytes of UTF-8 JSON (an object; right-padded with
// spaces), then the byte buffer. The JSON maps each tensor name to {"dtype", "shape",
// "data_offsets": [BEGIN, END]} (offsets into the buffer, END one past the last byte); the key
// "__metadata__" holds an optional string-to-string map. Tensor data are little-endian,
// row-major.
//
// A weight file is untrusted input: ParseSafetensors checks everything the reference parser
// checks and a little more (see its comment), so that a header that passes describes tensors that
// lie inside the file, one after another with no gap and no overlap, each exactly as large as its
// dtype and shape say.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "quant/mapped_file.h"

namespace aiinfra::quant {

// Every dtype of the format, with its name in files.
enum class StDtype {
  kBool,        // BOOL, 8 bits
  kU8,          // U8
  kI8,          // I8
  kI16,         // I16
  kU16,         // U16
  kI32,         // I32
  kU32,         // U32
  kI64,         // I64
  kU64,         // U64
  kF16,         // F16
  kBF16,        // BF16
  kF32,         // F32
  kF64,         // F64
  kC64,         // C64: complex, two F32
  kF8E5M2,      // F8_E5M2
  kF8E4M3,      // F8_E4M3
  kF8E8M0,      // F8_E8M0
  kF8E4M3Fnuz,  // F8_E4M3FNUZ
  kF8E5M2Fnuz,  // F8_E5M2FNUZ
  kF6E2M3,      // F6_E2M3, 6 bits
  kF6E3M2,      // F6_E3M2, 6 bits
  kF4,          // F4 (the MX FP4 element E2M1), 4 bits
};
inline constexpr int kStDtypeCount = 22;

// The name in files, e.g. "BF16", "F8_E4M3".
std::string_view StDtypeName(StDtype dtype);
// Exact, case-sensitive match of a file's name; kInvalidInput listing the valid names otherwise.
Result<StDtype> ParseStDtype(std::string_view name);
// Bits per element: 4, 6, 8, 16, 32 or 64.
int StDtypeBits(StDtype dtype);
// The alignment the writer orders tensors by, in bytes: bits / 8 for whole-byte dtypes (C64: 8,
// its size, as the reference writer's ordering by size does), 1 for the sub-byte ones.
int StDtypeAlignment(StDtype dtype);
// All dtypes, in enum order.
std::span<const StDtype> AllStDtypes();

struct StTensor {
  std::string name;
  StDtype dtype = StDtype::kF32;
  std::vector<int64_t> shape;   // empty: a rank-0 scalar (one element)
  uint64_t begin = 0, end = 0;  // [begin, end) in the byte buffer
  // The product of `shape` (1 for a scalar); never overflows for a parsed tensor.
  int64_t elements() const;
  uint64_t bytes() const { return end - begin; }
};

struct StHeader {
  std::vector<StTensor> tensors;  // sorted by begin (then end, then name)
  std::map<std::string, std::string> metadata;
  uint64_t header_bytes = 0;  // N, padding included
  uint64_t data_start = 0;    // 8 + N: where the byte buffer starts in the file
  uint64_t data_bytes = 0;    // the buffer's length: the end of the last tensor

  // nullptr when there is no tensor of that name.
  const StTensor* Find(std::string_view name) const;
};

// Parses and validates the whole file (`file` is all of it; `file_name` is only for messages).
// Checked: the 8-byte length; N <= 100,000,000 (the reference parser's limit); the header inside
// the file; it starts with '{' and is strict JSON (RFC 8259: no comments, no trailing commas,
// valid UTF-8, numbers that fit a double), trailing JSON whitespace allowed; no key twice in any
// object; "__metadata__" a string-to-string map (or null); each tensor an object of exactly
// "dtype", "shape" and "data_offsets" (unknown fields are refused: a writer that adds them is
// more likely broken than extending the format); a known dtype; shape non-negative integers
// whose product fits int64; data_offsets two integers with BEGIN <= END; END - BEGIN ==
// elements * bits / 8 with a whole number of bytes; offsets inside the buffer; the sorted
// tensors cover the buffer from 0 with no gap and no overlap (empty tensors may share an
// offset); the file ends exactly at 8 + N + the end of the buffer.
//
// Every error is kInvalidInput, located at `file_name`, with a message that names the tensor or
// JSON key at fault where there is one, and what to do where that helps.
Result<StHeader> ParseSafetensors(std::span<const uint8_t> file, std::string_view file_name);

// A safetensors file mapped read-only, its header parsed. Tensors are read in place; Release a
// tensor's pages when done with it to keep the resident set small. Movable, not copyable; spans
// from Data() live as long as this object. Thread-safe for concurrent reads.
class SafetensorsFile {
 public:
  // kNotFound when the file does not exist; kInvalidInput when it cannot be mapped or is not a
  // valid safetensors file.
  static Result<SafetensorsFile> Open(const std::string& path);

  const StHeader& header() const { return header_; }
  const std::string& path() const { return file_.path(); }
  // The tensor's bytes (`tensor` must come from header()).
  std::span<const uint8_t> Data(const StTensor& tensor) const;
  // Drops the tensor's pages from the resident set (see MappedFile::Release).
  void Release(const StTensor& tensor) const;

 private:
  SafetensorsFile(MappedFile file, StHeader header)
      : file_(std::move(file)), header_(std::move(header)) {}
  MappedFile file_;
  StHeader header_;
};

}  // namespace aiinfra::quant
