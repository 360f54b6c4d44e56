#include "quant/gguf.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cctype>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_set>
#include <utility>

namespace aiinfra::quant {

// GGUF and the tensors are little-endian; GgufValue keeps file bytes and hands them out as host
// integers, which is only right on a little-endian host.
static_assert(std::endian::native == std::endian::little,
              "aiinfra::quant needs a little-endian host");

namespace {

// Block sizes from spec 1.3 (ggml-common.h's static_asserts). The IQ types have none there.
constexpr GgmlTypeInfo kGgmlTypes[] = {
    {0, "f32", 1, 4},       {1, "f16", 1, 2},       {2, "q4_0", 32, 18},    {3, "q4_1", 32, 20},
    {6, "q5_0", 32, 22},    {7, "q5_1", 32, 24},    {8, "q8_0", 32, 34},    {9, "q8_1", 32, 36},
    {10, "q2_k", 256, 84},  {11, "q3_k", 256, 110}, {12, "q4_k", 256, 144}, {13, "q5_k", 256, 176},
    {14, "q6_k", 256, 210}, {15, "q8_k", 256, 292}, {16, "iq2_xxs", 0, 0},  {17, "iq2_xs", 0, 0},
    {18, "iq3_xxs", 0, 0},  {19, "iq1_s", 0, 0},    {20, "iq4_nl", 0, 0},   {21, "iq3_s", 0, 0},
    {22, "iq2_s", 0, 0},    {23, "iq4_xs", 0, 0},   {24, "i8", 1, 1},       {25, "i16", 1, 2},
    {26, "i32", 1, 4},      {27, "i64", 1, 8},      {28, "f64", 1, 8},      {29, "iq1_m", 0, 0},
    {30, "bf16", 1, 2},     {34, "tq1_0", 256, 54}, {35, "tq2_0", 256, 66}, {39, "mxfp4", 32, 17},
    {40, "nvfp4", 64, 36},  {41, "q1_0", 128, 18},  {42, "q2_0", 64, 18},
};

// Ids ggml once had and took out; files may not hold them.
struct RemovedType {
  uint32_t id;
  const char* name;
};
constexpr RemovedType kRemovedTypes[] = {
    {4, "q4_2"},      {5, "q4_3"},        {31, "q4_0_4_4"},   {32, "q4_0_4_8"},
    {33, "q4_0_8_8"}, {36, "iq4_nl_4_4"}, {37, "iq4_nl_4_8"}, {38, "iq4_nl_8_8"},
};

constexpr std::string_view kTypeNames[kGgufTypeCount] = {
    "UINT8", "INT8",   "UINT16", "INT16",  "UINT32", "INT32",  "FLOAT32",
    "BOOL",  "STRING", "ARRAY",  "UINT64", "INT64",  "FLOAT64"};
constexpr int kTypeSizes[kGgufTypeCount] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

bool ValidType(uint32_t t) { return t < kGgufTypeCount; }

// The fewest bytes an element of `t` takes in a file: what bounds a count before allocating.
uint64_t MinBytes(GgufType t) {
  if (t == GgufType::kString) return 8;     // the length
  if (t == GgufType::kArray) return 4 + 8;  // element type and count
  return static_cast<uint64_t>(GgufTypeSize(t));
}

uint64_t LoadLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

// A key or name for a message: quoted, control and non-ASCII bytes escaped, long ones cut.
std::string Shown(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < 96; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > 96)
    out += fmt::format("...\" ({} bytes)", s.size());
  else
    out += '"';
  return out;
}

std::string KnownIds() { return "0-3, 6-30, 34, 35, 39-42"; }

// Reads the file front to back. Every read is bounds-checked; an error names `context_`, the key
// or tensor being read.
class Reader {
 public:
  Reader(std::span<const uint8_t> file, std::string_view file_name)
      : file_(file), file_name_(file_name) {}

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return file_.size() - pos_; }
  void set_context(std::string context) { context_ = std::move(context); }

  std::unexpected<Error> Bad(std::string message) const {
    if (!context_.empty()) message = context_ + ": " + message;
    return Fail(ErrorCode::kInvalidInput, std::move(message), Location{std::string(file_name_)});
  }

  Status Need(uint64_t n, std::string_view what) const {
    if (n <= remaining()) return {};
    return Bad(
        fmt::format("{} at byte {} needs {} bytes, but the file ends at byte {}: the file "
                    "is truncated",
                    what, pos_, n, file_.size()));
  }

  Result<uint64_t> Uint(int size, std::string_view what) {
    AIINFRA_CHECK_OK(Need(size, what));
    const uint64_t v = LoadLe(file_.data() + pos_, size);
    pos_ += size;
    return v;
  }
  Result<uint32_t> U32(std::string_view what) {
    AIINFRA_TRY(const uint64_t v, Uint(4, what));
    return static_cast<uint32_t>(v);
  }
  Result<uint64_t> U64(std::string_view what) { return Uint(8, what); }

  Result<std::string> String(std::string_view what, uint64_t max_bytes = UINT64_MAX) {
    const uint64_t at = pos_;
    AIINFRA_TRY(const uint64_t n, U64(what));
    if (n > max_bytes) {
      // Name it by its first bytes: reading all of a string that breaks the limit is what the
      // limit is there to avoid.
      const auto* p = reinterpret_cast<const char*>(file_.data() + pos_);
      const std::string_view head(p, std::min<uint64_t>({n, 64, remaining()}));
      return Bad(fmt::format("{} at byte {} ({}...) is {} bytes long, over GGUF's limit of {}",
                             what, at, Shown(head), n, max_bytes));
    }
    AIINFRA_CHECK_OK(Need(n, what));
    std::string s(reinterpret_cast<const char*>(file_.data() + pos_), n);
    pos_ += n;
    return s;
  }

  Result<std::vector<uint8_t>> Bytes(uint64_t n, std::string_view what) {
    AIINFRA_CHECK_OK(Need(n, what));
    std::vector<uint8_t> out(file_.begin() + pos_, file_.begin() + pos_ + n);
    pos_ += n;
    return out;
  }

  Result<GgufType> Type(std::string_view what) {
    const uint64_t at = pos_;
    AIINFRA_TRY(const uint32_t t, U32(what));
    if (!ValidType(t)) {
      return Bad(fmt::format("{} at byte {} is {}, not a GGUF value type (0-12)", what, at, t));
    }
    return static_cast<GgufType>(t);
  }

  Result<GgufValue> Value(GgufType type, int depth) {
    GgufValue v;
    v.type = type;
    if (type == GgufType::kString) {
      AIINFRA_TRY(v.str, String("the string value"));
      return v;
    }
    if (type != GgufType::kArray) {
      const uint64_t at = pos_;
      AIINFRA_TRY(v.bits, Uint(GgufTypeSize(type), "the value"));
      if (type == GgufType::kBool && v.bits > 1) {
        return Bad(fmt::format("BOOL value {} at byte {}: only 0 and 1 are valid", v.bits, at));
      }
      return v;
    }
    if (depth >= kGgufMaxArrayDepth) {
      return Bad(
          fmt::format("arrays nest deeper than {} levels at byte {}", kGgufMaxArrayDepth, pos_));
    }
    AIINFRA_TRY(v.array_type, Type("the array's element type"));
    const uint64_t at = pos_;
    AIINFRA_TRY(const uint64_t count, U64("the array's length"));
    // Every element takes at least MinBytes: a count the rest of the file cannot hold is a lie,
    // found before anything is allocated for it.
    if (count > remaining() / MinBytes(v.array_type)) {
      return Bad(
          fmt::format("the array at byte {} claims {} {} elements, more than the {} bytes "
                      "left in the file can hold",
                      at, count, GgufTypeName(v.array_type), remaining()));
    }
    if (v.array_type == GgufType::kString) {
      v.strings.reserve(count);
      for (uint64_t i = 0; i < count; ++i) {
        AIINFRA_TRY(std::string s, String("an array string"));
        v.strings.push_back(std::move(s));
      }
    } else if (v.array_type == GgufType::kArray) {
      v.arrays.reserve(count);
      for (uint64_t i = 0; i < count; ++i) {
        // Each element is an array without a value-type tag of its own (the element type said
        // ARRAY): its element type, count and elements.
        AIINFRA_TRY(GgufValue e, Value(GgufType::kArray, depth + 1));
        v.arrays.push_back(std::move(e));
      }
    } else {
      const uint64_t start = pos_;
      AIINFRA_TRY(v.packed, Bytes(count * GgufTypeSize(v.array_type), "the array's elements"));
      if (v.array_type == GgufType::kBool) {
        for (uint64_t i = 0; i < count; ++i) {
          if (v.packed[i] > 1) {
            return Bad(
                fmt::format("BOOL array element {} at byte {} is {}: only 0 and 1 are "
                            "valid",
                            i, start + i, v.packed[i]));
          }
        }
      }
    }
    return v;
  }

 private:
  std::span<const uint8_t> file_;
  std::string_view file_name_;
  uint64_t pos_ = 0;
  std::string context_;
};

}  // namespace

// ---- ggml types -----------------------------------------------------------------------------

std::span<const GgmlTypeInfo> AllGgmlTypes() { return kGgmlTypes; }

const GgmlTypeInfo* FindGgmlType(uint32_t id) {
  for (const GgmlTypeInfo& t : kGgmlTypes) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

Result<uint32_t> GgmlTypeByName(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string names;
  for (const GgmlTypeInfo& t : kGgmlTypes) {
    if (lower == t.name) return t.id;
    names += names.empty() ? "" : ", ";
    names += t.name;
  }
  return Fail(ErrorCode::kInvalidInput,
              fmt::format("unknown ggml type {}; known types: {}", Shown(name), names));
}

Result<uint64_t> GgmlTensorBytes(uint32_t type, std::span<const uint64_t> dims) {
  const GgmlTypeInfo* info = FindGgmlType(type);
  if (info == nullptr) {
    for (const RemovedType& r : kRemovedTypes) {
      if (r.id == type) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("ggml type {} ({}) was removed from ggml and may not appear in "
                                "files; convert the model again with a current llama.cpp",
                                type, r.name));
      }
    }
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("unknown ggml type id {} (known ids: {})", type, KnownIds()));
  }
  if (!info->supported()) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("ggml type {} ({}) is known but not supported: its block size is not "
                            "established here",
                            type, info->name));
  }
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  uint64_t elements = 1;
  bool empty = false;
  for (uint64_t d : dims) {
    if (d > kMax)
      return Fail(ErrorCode::kInvalidInput, fmt::format("dimension {} is over 2^63", d));
    empty = empty || d == 0;
  }
  // Like ggml, refuse a product over int64 even when a zero makes the tensor empty: the
  // dimensions themselves are then absurd.
  for (uint64_t d : dims) {
    if (d != 0 && elements > kMax / d) {
      return Fail(ErrorCode::kInvalidInput, "the element count overflows int64");
    }
    elements *= std::max<uint64_t>(d, 1);
  }
  if (empty) elements = 0;
  const uint64_t ne0 = dims.empty() ? 1 : dims[0];
  const auto block = static_cast<uint64_t>(info->block_elements);
  if (ne0 % block != 0) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("ne[0] = {} is not a multiple of {}'s block of {} elements (rows are "
                            "whole blocks)",
                            ne0, info->name, block));
  }
  const uint64_t blocks = elements / block;
  if (blocks > kMax / static_cast<uint64_t>(info->block_bytes)) {
    return Fail(ErrorCode::kInvalidInput, "the tensor's size overflows int64");
  }
  return blocks * static_cast<uint64_t>(info->block_bytes);
}

// ---- values ---------------------------------------------------------------------------------

std::string_view GgufTypeName(GgufType type) {
  const auto t = static_cast<uint32_t>(type);
  return ValidType(t) ? kTypeNames[t] : "?";
}

int GgufTypeSize(GgufType type) {
  const auto t = static_cast<uint32_t>(type);
  return ValidType(t) ? kTypeSizes[t] : 0;
}

GgufValue GgufValue::Float32(float v) {
  return Scalar(GgufType::kFloat32, std::bit_cast<uint32_t>(v));
}
GgufValue GgufValue::Float64(double v) {
  return Scalar(GgufType::kFloat64, std::bit_cast<uint64_t>(v));
}

GgufValue GgufValue::String(std::string s) {
  GgufValue v;
  v.type = GgufType::kString;
  v.str = std::move(s);
  return v;
}

GgufValue GgufValue::Strings(std::vector<std::string> values) {
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = GgufType::kString;
  v.strings = std::move(values);
  return v;
}

GgufValue GgufValue::Arrays(std::vector<GgufValue> values) {
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = GgufType::kArray;
  v.arrays = std::move(values);
  return v;
}

GgufValue GgufValue::ArrayOf(GgufType element, std::span<const GgufValue> values) {
  assert(element != GgufType::kArray);
  GgufValue v;
  v.type = GgufType::kArray;
  v.array_type = element;
  const int size = GgufTypeSize(element);
  for (const GgufValue& e : values) {
    assert(e.type == element);
    if (element == GgufType::kString) {
      v.strings.push_back(e.str);
    } else {
      for (int i = 0; i < size; ++i) v.packed.push_back(static_cast<uint8_t>(e.bits >> (8 * i)));
    }
  }
  return v;
}

std::optional<uint64_t> GgufValue::AsUint() const {
  switch (type) {
    case GgufType::kUint8:
    case GgufType::kUint16:
    case GgufType::kUint32:
    case GgufType::kUint64:
      return bits;
    default: {
      auto i = AsInt();
      if (i && *i >= 0) return static_cast<uint64_t>(*i);
      return std::nullopt;
    }
  }
}

std::optional<int64_t> GgufValue::AsInt() const {
  switch (type) {
    case GgufType::kInt8:
      return static_cast<int8_t>(bits);
    case GgufType::kInt16:
      return static_cast<int16_t>(bits);
    case GgufType::kInt32:
      return static_cast<int32_t>(bits);
    case GgufType::kInt64:
      return static_cast<int64_t>(bits);
    case GgufType::kUint8:
    case GgufType::kUint16:
    case GgufType::kUint32:
    case GgufType::kUint64:
      if (bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(bits);
    default:
      return std::nullopt;
  }
}

std::optional<double> GgufValue::AsDouble() const {
  if (type == GgufType::kFloat32) return std::bit_cast<float>(static_cast<uint32_t>(bits));
  if (type == GgufType::kFloat64) return std::bit_cast<double>(bits);
  return std::nullopt;
}

std::optional<bool> GgufValue::AsBool() const {
  if (type != GgufType::kBool) return std::nullopt;
  return bits != 0;
}

uint64_t GgufValue::size() const {
  if (type != GgufType::kArray) return 0;
  if (array_type == GgufType::kString) return strings.size();
  if (array_type == GgufType::kArray) return arrays.size();
  const int s = GgufTypeSize(array_type);
  return s > 0 ? packed.size() / s : 0;
}

GgufValue GgufValue::at(uint64_t i) const {
  assert(type == GgufType::kArray && i < size());
  if (array_type == GgufType::kString) return String(strings[i]);
  if (array_type == GgufType::kArray) return arrays[i];
  const int s = GgufTypeSize(array_type);
  return Scalar(array_type, LoadLe(packed.data() + i * s, s));
}

// ---- the file -------------------------------------------------------------------------------

int64_t GgufTensorInfo::elements() const {
  int64_t n = 1;
  for (uint64_t d : dims) {
    if (d == 0) return 0;
  }
  for (uint64_t d : dims) {
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(n, static_cast<int64_t>(d), &n)) {
      return -1;
    }
  }
  return n;
}

const GgufValue* GgufHeader::Find(std::string_view key) const {
  for (const GgufKV& kv : metadata) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

const GgufTensorInfo* GgufHeader::FindTensor(std::string_view name) const {
  for (const GgufTensorInfo& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<GgufHeader> ParseGguf(std::span<const uint8_t> file, std::string_view file_name) {
  Reader r(file, file_name);
  if (file.size() < 4 || std::memcmp(file.data(), "GGUF", 4) != 0) {
    return r.Bad("not a GGUF file: it does not start with the magic \"GGUF\"");
  }
  (void)r.Uint(4, "the magic");
  GgufHeader h;
  AIINFRA_TRY(h.version, r.U32("the version"));
  if (h.version != 3 && h.version != 2) {
    const uint32_t swapped = __builtin_bswap32(h.version);
    if (swapped >= 1 && swapped <= 3) {
      return r.Bad(
          fmt::format("the version field reads {:#010x}: a big-endian GGUF file (version "
                      "{}); only little-endian files are supported",
                      h.version, swapped));
    }
    if (h.version == 1) {
      return r.Bad(
          "GGUF version 1 (32-bit counts) is not supported; convert the model again "
          "with a current llama.cpp");
    }
    return r.Bad(
        fmt::format("unsupported GGUF version {} (this reader reads 3, and 2)", h.version));
  }
  AIINFRA_TRY(const uint64_t tensor_count, r.U64("the tensor count"));
  AIINFRA_TRY(const uint64_t kv_count, r.U64("the metadata count"));
  // The least a key/value pair takes: key length, type, a one-byte value; a tensor info: name
  // length, n_dims, one dim, type, offset.
  constexpr uint64_t kMinKv = 8 + 4 + 1, kMinTensor = 8 + 4 + 8 + 4 + 8;
  if (kv_count > r.remaining() / kMinKv || tensor_count > r.remaining() / kMinTensor ||
      kv_count * kMinKv > r.remaining() - tensor_count * kMinTensor) {
    return r.Bad(
        fmt::format("the header claims {} metadata pairs and {} tensors, more than the "
                    "{} bytes after it can hold: a corrupt or truncated file",
                    kv_count, tensor_count, r.remaining()));
  }

  h.metadata.reserve(kv_count);
  std::unordered_set<std::string_view> keys;
  for (uint64_t i = 0; i < kv_count; ++i) {
    r.set_context(fmt::format("metadata pair {}", i));
    AIINFRA_TRY(std::string key, r.String("the key", kGgufMaxKeyBytes));
    r.set_context("key " + Shown(key));
    AIINFRA_TRY(const GgufType type, r.Type("the value type"));
    AIINFRA_TRY(GgufValue value, r.Value(type, 0));
    h.metadata.push_back({std::move(key), std::move(value)});
  }
  for (const GgufKV& kv : h.metadata) {
    if (!keys.insert(kv.key).second) {
      r.set_context("");
      return r.Bad(fmt::format("key {} appears twice in the metadata", Shown(kv.key)));
    }
  }

  r.set_context("key \"general.alignment\"");
  if (const GgufValue* a = h.Find("general.alignment")) {
    if (a->type != GgufType::kUint32) {
      return r.Bad(fmt::format("must be a UINT32, found {}", GgufTypeName(a->type)));
    }
    if (a->bits == 0 || a->bits % 8 != 0) {
      return r.Bad(fmt::format("{} is not a non-zero multiple of 8", a->bits));
    }
    h.alignment = a->bits;
  }

  h.tensors.reserve(tensor_count);
  std::unordered_set<std::string_view> names;
  for (uint64_t i = 0; i < tensor_count; ++i) {
    r.set_context(fmt::format("tensor info {}", i));
    GgufTensorInfo t;
    AIINFRA_TRY(t.name, r.String("the tensor name", kGgufMaxNameBytes));
    r.set_context("tensor " + Shown(t.name));
    AIINFRA_TRY(const uint32_t n_dims, r.U32("n_dims"));
    if (n_dims < 1 || n_dims > kGgufMaxDims) {
      return r.Bad(
          fmt::format("n_dims is {}; GGUF tensors have 1 to {} dimensions", n_dims, kGgufMaxDims));
    }
    for (uint32_t d = 0; d < n_dims; ++d) {
      AIINFRA_TRY(const uint64_t ne, r.U64("a dimension"));
      t.dims.push_back(ne);
    }
    AIINFRA_TRY(t.type, r.U32("the type"));
    AIINFRA_TRY(t.offset, r.U64("the offset"));
    auto bytes = GgmlTensorBytes(t.type, t.dims);
    if (!bytes) return r.Bad(bytes.error().message);
    t.bytes = *bytes;
    if (t.offset % h.alignment != 0) {
      return r.Bad(
          fmt::format("offset {} is not a multiple of the alignment {}", t.offset, h.alignment));
    }
    h.tensors.push_back(std::move(t));
  }
  for (const GgufTensorInfo& t : h.tensors) {
    if (!names.insert(t.name).second) {
      r.set_context("");
      return r.Bad(fmt::format("tensor {} appears twice", Shown(t.name)));
    }
  }

  r.set_context("");
  // align(o) = o + (A - o % A) % A; pos <= file size, A < 2^32: no overflow.
  h.data_start = r.pos() + (h.alignment - r.pos() % h.alignment) % h.alignment;
  if (h.tensors.empty()) return h;
  if (h.data_start > file.size()) {
    return r.Bad(
        fmt::format("the data section would start at byte {}, past the end of the file "
                    "({} bytes): the file is truncated",
                    h.data_start, file.size()));
  }
  const uint64_t data_bytes = file.size() - h.data_start;
  for (const GgufTensorInfo& t : h.tensors) {
    if (t.offset > data_bytes || t.bytes > data_bytes - t.offset) {
      return r.Bad(
          fmt::format("tensor {}: its {} bytes at offset {} of the data section run "
                      "past the end of the file (the section has {} bytes): the file "
                      "is truncated or the offset is wrong",
                      Shown(t.name), t.bytes, t.offset, data_bytes));
    }
  }
  std::vector<const GgufTensorInfo*> by_offset;
  for (const GgufTensorInfo& t : h.tensors) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) {
    return std::pair(a->offset, a->bytes) < std::pair(b->offset, b->bytes);
  });
  const GgufTensorInfo* reach = nullptr;  // the tensor that ends last so far
  for (const GgufTensorInfo* t : by_offset) {
    if (reach != nullptr && t->offset < reach->offset + reach->bytes && t->bytes > 0) {
      return r.Bad(fmt::format("tensors {} [{}, {}) and {} [{}, {}) overlap in the data section",
                               Shown(reach->name), reach->offset, reach->offset + reach->bytes,
                               Shown(t->name), t->offset, t->offset + t->bytes));
    }
    if (reach == nullptr || t->offset + t->bytes >= reach->offset + reach->bytes) reach = t;
  }
  return h;
}

Result<GgufFile> GgufFile::Open(const std::string& path) {
  AIINFRA_TRY(MappedFile file, MappedFile::Open(path));
  AIINFRA_TRY(GgufHeader header, ParseGguf(file.bytes(), path));
  return GgufFile(std::move(file), std::move(header));
}

std::span<const uint8_t> GgufFile::Data(const GgufTensorInfo& tensor) const {
  return file_.bytes().subspan(header_.data_start + tensor.offset, tensor.bytes);
}

void GgufFile::Release(const GgufTensorInfo& tensor) const {
  file_.Release(header_.data_start + tensor.offset, tensor.bytes);
}

}  // namespace aiinfra::quant
