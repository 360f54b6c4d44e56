// The GGUF weight-file container (ggml, llama.cpp), version 3: the ggml tensor types, metadata
// values, reading and validating a file's header, and reading tensors in place from a
// memory-mapped file. The writer is in gguf_writer.h. Spec: ../shared/specs/quant-security-ebpf.md
// 1.2 (container) and 1.3 (type ids and block sizes).
//
// Layout (all little-endian): magic "GGUF", version u32, tensor count u64, metadata count u64;
// the metadata key/value pairs; the tensor infos (name, n_dims u32, dims u64[n_dims] with ne[0]
// the innermost, ggml type u32, offset u64); zero padding to the alignment; the data section,
// each tensor at its offset (a multiple of the alignment) from the start of that section.
// Strings are a u64 byte length and the bytes, no NUL.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/result.h"
#include "quant/mapped_file.h"

namespace aiinfra::quant {

// ---- ggml tensor types ----------------------------------------------------------------------

// One ggml type id that files may carry. Quantized types store blocks of `block_elements`
// consecutive elements of a row in `block_bytes` bytes; plain types have blocks of one element.
// The IQ types (16-23, 29) are known by id and name only: the spec gives no block size for
// them, so block_elements and block_bytes are 0 and supported() is false, and files holding
// them are refused with a message that says so.
struct GgmlTypeInfo {
  uint32_t id;
  const char* name;  // lower case, as in ggml with the K suffix lowered: "f32", "q4_k", "mxfp4"
  int block_elements;
  int block_bytes;
  bool supported() const { return block_elements > 0; }
};

// Every known id in id order: 0-3, 6-30, 34, 35, 39-42.
std::span<const GgmlTypeInfo> AllGgmlTypes();
// nullptr for an id that files may not hold: removed from ggml (4, 5, 31-33, 36-38) or unknown.
const GgmlTypeInfo* FindGgmlType(uint32_t id);
// The id of a known type by name, case-insensitive ("q4_k", "Q4_K", "bf16"); kInvalidInput
// listing the names otherwise.
Result<uint32_t> GgmlTypeByName(std::string_view name);
// The bytes of a tensor of `type` and dims (ne[0] first). kInvalidInput (a message without the
// tensor's name, for callers to prefix) when the type is unknown, removed or unsupported, ne[0]
// is not a multiple of the block, or the element count or size overflows int64.
Result<uint64_t> GgmlTensorBytes(uint32_t type, std::span<const uint64_t> dims);

// ---- metadata values ------------------------------------------------------------------------

enum class GgufType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,  // one byte, 0 or 1
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
inline constexpr uint32_t kGgufTypeCount = 13;

// "UINT8", "STRING", ...; "?" for a value outside the enum.
std::string_view GgufTypeName(GgufType type);
// Bytes of a fixed-size type; 0 for kString and kArray.
int GgufTypeSize(GgufType type);

// Maps a C++ scalar type to its GGUF type (for GgufValue::Numbers).
template <typename T>
constexpr GgufType GgufTypeOf();

// One metadata value, kept exactly as the file has it, value type included, so that reading and
// writing back gives the same bytes (float NaN payloads too). Which members hold the value:
// - fixed-size scalars (integers, floats, bool): `bits`, the value's little-endian bytes read
//   as an integer (a float32's bit pattern, not its value); use the accessors below.
// - kString: `str` (bytes as in the file; GGUF says UTF-8 but readers do not enforce it).
// - kArray: `array_type` says the element type; elements of a fixed-size type are in `packed`
//   (count x size bytes, little-endian, as in the file: a million-token score array costs 4 MB,
//   not a million values); strings in `strings`; nested arrays in `arrays` (each a kArray).
// Members that do not hold the value stay empty/zero, so == compares values.
struct GgufValue {
  GgufType type = GgufType::kUint8;
  uint64_t bits = 0;
  std::string str;
  GgufType array_type = GgufType::kUint8;
  std::vector<uint8_t> packed;
  std::vector<std::string> strings;
  std::vector<GgufValue> arrays;

  static GgufValue Uint8(uint8_t v) { return Scalar(GgufType::kUint8, v); }
  static GgufValue Int8(int8_t v) { return Scalar(GgufType::kInt8, static_cast<uint8_t>(v)); }
  static GgufValue Uint16(uint16_t v) { return Scalar(GgufType::kUint16, v); }
  static GgufValue Int16(int16_t v) { return Scalar(GgufType::kInt16, static_cast<uint16_t>(v)); }
  static GgufValue Uint32(uint32_t v) { return Scalar(GgufType::kUint32, v); }
  static GgufValue Int32(int32_t v) { return Scalar(GgufType::kInt32, static_cast<uint32_t>(v)); }
  static GgufValue Uint64(uint64_t v) { return Scalar(GgufType::kUint64, v); }
  static GgufValue Int64(int64_t v) { return Scalar(GgufType::kInt64, static_cast<uint64_t>(v)); }
  static GgufValue Float32(float v);
  static GgufValue Float64(double v);
  static GgufValue Bool(bool v) { return Scalar(GgufType::kBool, v ? 1 : 0); }
  static GgufValue String(std::string v);
  // An array of fixed-size scalars; T is one of uint8_t, int8_t, ..., float, double, bool.
  template <typename T>
  static GgufValue Numbers(std::span<const T> values);
  static GgufValue Strings(std::vector<std::string> values);
  // An array whose elements are arrays (nested).
  static GgufValue Arrays(std::vector<GgufValue> values);
  // An array of `element` type from scalar values of that type (any type but kArray; use Arrays
  // for nesting). Values of another type are a programmer error (asserted).
  static GgufValue ArrayOf(GgufType element, std::span<const GgufValue> values);

  // The value as a number when it is one of the integer types and fits; nullopt otherwise.
  std::optional<uint64_t> AsUint() const;
  std::optional<int64_t> AsInt() const;
  // kFloat32 or kFloat64 (float32 widened exactly).
  std::optional<double> AsDouble() const;
  std::optional<bool> AsBool() const;
  // nullptr unless kString.
  const std::string* AsString() const { return type == GgufType::kString ? &str : nullptr; }

  // Arrays: the element count, and element i as a value of its own (copied out).
  uint64_t size() const;
  GgufValue at(uint64_t i) const;

  bool operator==(const GgufValue&) const = default;

 private:
  static GgufValue Scalar(GgufType t, uint64_t bits) {
    GgufValue v;
    v.type = t;
    v.bits = bits;
    return v;
  }
};

struct GgufKV {
  std::string key;
  GgufValue value;
  bool operator==(const GgufKV&) const = default;
};

// ---- the file -------------------------------------------------------------------------------

inline constexpr uint32_t kGgufVersion = 3;
inline constexpr uint64_t kGgufDefaultAlignment = 32;
inline constexpr uint64_t kGgufMaxKeyBytes = 65535;
inline constexpr uint64_t kGgufMaxNameBytes = 64;  // the spec's limit; ggml itself keeps 63
inline constexpr uint32_t kGgufMaxDims = 4;
// Arrays may nest; deeper than this is refused (ggml itself reads no nested arrays at all).
inline constexpr int kGgufMaxArrayDepth = 8;

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // ne[0] first, as in the file: ne[0] is the innermost dimension
  uint32_t type = 0;           // a ggml type id, see FindGgmlType
  uint64_t offset = 0;         // relative to the data section
  uint64_t bytes = 0;          // derived from dims and type
  // The product of dims; never overflows for a parsed tensor (-1 if it would).
  int64_t elements() const;
};

struct GgufHeader {
  uint32_t version = kGgufVersion;
  std::vector<GgufKV> metadata;         // in file order
  std::vector<GgufTensorInfo> tensors;  // in file order
  uint64_t alignment = kGgufDefaultAlignment;
  uint64_t data_start = 0;  // the data section's offset in the file

  // nullptr when absent.
  const GgufValue* Find(std::string_view key) const;
  const GgufTensorInfo* FindTensor(std::string_view name) const;
};

// Parses and validates the header of a whole GGUF file (`file` is all of it; `file_name` only
// for messages). Little-endian files only; version 3, and version 2 for reading (its layout is
// the same); version 1 (32-bit counts) is refused. Checked: magic; counts no larger than the
// rest of the file can hold (before anything is allocated); every string inside the file; keys
// at most 65,535 bytes and unique; value types known, bools 0 or 1, arrays nested at most
// kGgufMaxArrayDepth deep; "general.alignment", when present, a UINT32 that is a non-zero
// multiple of 8; tensor names at most 64 bytes and unique; n_dims 1..4; a known, supported
// type; ne[0] a multiple of the type's block; element count and size within int64; offsets
// multiples of the alignment; each tensor's data inside the file and no two overlapping. Tensors
// may lie in any order with any gaps (ggml writes them in order, padded), and bytes may follow
// the last one.
//
// Every error is kInvalidInput, located at `file_name`, naming the key or tensor at fault.
Result<GgufHeader> ParseGguf(std::span<const uint8_t> file, std::string_view file_name);

// A GGUF file mapped read-only, its header parsed. Tensors are read in place; Release a tensor's
// pages when done with it. Movable, not copyable; spans from Data() live as long as this object.
class GgufFile {
 public:
  // kNotFound when the file does not exist; kInvalidInput otherwise.
  static Result<GgufFile> Open(const std::string& path);

  const GgufHeader& header() const { return header_; }
  const std::string& path() const { return file_.path(); }
  // The tensor's bytes (`tensor` must come from header()).
  std::span<const uint8_t> Data(const GgufTensorInfo& tensor) const;
  void Release(const GgufTensorInfo& tensor) const;

 private:
  GgufFile(MappedFile file, GgufHeader header)
      : file_(std::move(file)), header_(std::move(header)) {}
  MappedFile file_;
  GgufHeader header_;
};

// ---- templates ------------------------------------------------------------------------------

template <typename T>
constexpr GgufType GgufTypeOf() {
  if constexpr (std::is_same_v<T, uint8_t>) return GgufType::kUint8;
  if constexpr (std::is_same_v<T, int8_t>) return GgufType::kInt8;
  if constexpr (std::is_same_v<T, uint16_t>) return GgufType::kUint16;
  if constexpr (std::is_same_v<T, int16_t>) return GgufType::kInt16;
  if constexpr (std::is_same_v<T, uint32_t>) return GgufType::kUint32;
  if constexpr (std::is_same_v<T, int32_t>) return GgufType::kInt32;
  if constexpr (std::is_same_v<T, float>) return GgufType::kFloat32;
  if constexpr (std::is_same_v<T, bool>) return GgufType::kBool;
  if constexpr (std::is_same_v<T, uint64_t>) return GgufType::kUint64;
  if constexpr (std::is_same_v<T, int64_t>) return GgufType::kInt64;
  if constexpr (std::is_same_v<T, double>) return GgufType::kFloat64;
}

template <typename T>
GgufValue GgufValue::Numbers(std::span<const T> values) {
  static_assert(sizeof(T) <= 8 && std::is_arithmetic_v<T>, "a GGUF scalar type");
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = GgufTypeOf<T>();
  v.packed.resize(values.size() * sizeof(T));
  // Little-endian hosts only (as the whole module): the bytes in memory are the file's bytes.
  for (size_t i = 0; i < values.size(); ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      v.packed[i] = values[i] ? 1 : 0;
    } else {
      std::memcpy(v.packed.data() + i * sizeof(T), &values[i], sizeof(T));
    }
  }
  return v;
}

}  // namespace aiinfra::quant
