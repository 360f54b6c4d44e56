#include "quant/gguf_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <unordered_set>
#include <utility>

namespace aiinfra::quant {
namespace {

void PutLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(v >> (8 * i));
}

void PutString(std::string& out, std::string_view s) {
  PutLe(out, s.size(), 8);
  out += s;
}

void PutValue(std::string& out, const GgufValue& v) {
  switch (v.type) {
    case GgufType::kString:
      PutString(out, v.str);
      return;
    case GgufType::kArray:
      PutLe(out, static_cast<uint32_t>(v.array_type), 4);
      PutLe(out, v.size(), 8);
      if (v.array_type == GgufType::kString) {
        for (const std::string& s : v.strings) PutString(out, s);
      } else if (v.array_type == GgufType::kArray) {
        for (const GgufValue& e : v.arrays) PutValue(out, e);
      } else {
        out.append(reinterpret_cast<const char*>(v.packed.data()), v.packed.size());
      }
      return;
    default:
      PutLe(out, v.bits, GgufTypeSize(v.type));
  }
}

std::string Shown(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 96)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u >= 0x7F || c == '"' ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return out + (s.size() > 96 ? "...\"" : "\"");
}

// Why `v` cannot be written; empty when it can.
std::string Malformed(const GgufValue& v, int depth) {
  const auto t = static_cast<uint32_t>(v.type);
  if (t >= kGgufTypeCount) return fmt::format("value type {} is not a GGUF type (0-12)", t);
  const bool no_array_parts = v.packed.empty() && v.strings.empty() && v.arrays.empty();
  if (v.type == GgufType::kString) {
    return v.bits == 0 && no_array_parts ? "" : "a STRING value with other members set";
  }
  if (v.type != GgufType::kArray) {
    const int size = GgufTypeSize(v.type);
    if (size < 8 && v.bits >> (8 * size) != 0) {
      return fmt::format("{} value bits {:#x} do not fit the type", GgufTypeName(v.type), v.bits);
    }
    if (v.type == GgufType::kBool && v.bits > 1) return "a BOOL value other than 0 or 1";
    return v.str.empty() && no_array_parts ? "" : "a scalar value with array members set";
  }
  if (depth >= kGgufMaxArrayDepth) {
    return fmt::format("arrays nest deeper than {} levels", kGgufMaxArrayDepth);
  }
  const auto e = static_cast<uint32_t>(v.array_type);
  if (e >= kGgufTypeCount) return fmt::format("array element type {} is not a GGUF type", e);
  if (v.bits != 0 || !v.str.empty()) return "an ARRAY value with scalar members set";
  if (v.array_type == GgufType::kString) {
    return v.packed.empty() && v.arrays.empty() ? "" : "a STRING array with other members set";
  }
  if (v.array_type == GgufType::kArray) {
    if (!v.packed.empty() || !v.strings.empty()) return "an ARRAY array with other members set";
    for (const GgufValue& inner : v.arrays) {
      if (inner.type != GgufType::kArray) {
        return fmt::format("an ARRAY array holds a {} element", GgufTypeName(inner.type));
      }
      if (std::string why = Malformed(inner, depth + 1); !why.empty()) return why;
    }
    return "";
  }
  if (!v.strings.empty() || !v.arrays.empty()) return "a number array with other members set";
  if (v.packed.size() % GgufTypeSize(v.array_type) != 0) {
    return fmt::format("a {} array of {} bytes, not a whole number of elements",
                       GgufTypeName(v.array_type), v.packed.size());
  }
  if (v.array_type == GgufType::kBool) {
    for (uint8_t b : v.packed) {
      if (b > 1) return "a BOOL array element other than 0 or 1";
    }
  }
  return "";
}

constexpr uint64_t Align(uint64_t o, uint64_t a) { return o + (a - o % a) % a; }

}  // namespace

std::string EncodeGgufValue(const GgufValue& value) {
  std::string out;
  PutValue(out, value);
  return out;
}

Result<GgufWriter> GgufWriter::Create(Env& env, const std::string& path,
                                      std::vector<GgufKV> metadata,
                                      std::vector<GgufTensorSpec> tensors, uint32_t alignment) {
  const auto bad = [&](std::string message) {
    return Fail(ErrorCode::kInvalidInput, std::move(message), Location{path});
  };
  if (alignment < 8 || (alignment & (alignment - 1)) != 0) {
    return bad(fmt::format("alignment {} must be a power of two >= 8", alignment));
  }
  std::unordered_set<std::string_view> keys;
  bool has_alignment = false;
  for (const GgufKV& kv : metadata) {
    if (kv.key.size() > kGgufMaxKeyBytes) {
      return bad(fmt::format("key {} is {} bytes long, over GGUF's limit of {}", Shown(kv.key),
                             kv.key.size(), kGgufMaxKeyBytes));
    }
    if (!keys.insert(kv.key).second)
      return bad(fmt::format("key {} is given twice", Shown(kv.key)));
    if (std::string why = Malformed(kv.value, 0); !why.empty()) {
      return bad(fmt::format("key {}: {}", Shown(kv.key), why));
    }
    if (kv.key == "general.alignment") {
      if (kv.value.type != GgufType::kUint32 || kv.value.bits != alignment) {
        return bad(
            fmt::format("key \"general.alignment\" must be the UINT32 {}, the alignment "
                        "the file is written with",
                        alignment));
      }
      has_alignment = true;
    }
  }
  if (!has_alignment && alignment != kGgufDefaultAlignment) {
    metadata.push_back({"general.alignment", GgufValue::Uint32(alignment)});
  }

  GgufWriter w;
  w.path_ = path;
  w.alignment_ = alignment;
  std::unordered_set<std::string> names;
  uint64_t offset = 0;
  for (GgufTensorSpec& spec : tensors) {
    const std::string who = "tensor " + Shown(spec.name);
    if (spec.name.size() > kGgufWriterMaxNameBytes) {
      return bad(fmt::format("{}: the name is {} bytes long; ggml loads names of at most {}", who,
                             spec.name.size(), kGgufWriterMaxNameBytes));
    }
    if (!names.insert(spec.name).second) return bad(who + " is given twice");
    if (spec.dims.empty() || spec.dims.size() > kGgufMaxDims) {
      return bad(fmt::format("{}: {} dims; GGUF tensors have 1 to {}", who, spec.dims.size(),
                             kGgufMaxDims));
    }
    auto bytes = GgmlTensorBytes(spec.type, spec.dims);
    if (!bytes) return bad(who + ": " + bytes.error().message);
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    if (offset > kMax - alignment || *bytes > kMax - alignment - offset) {
      return bad(who + ": the tensors hold more than 2^64 bytes");
    }
    GgufTensorInfo info;
    info.name = std::move(spec.name);
    info.dims = std::move(spec.dims);
    info.type = spec.type;
    info.offset = offset;
    info.bytes = *bytes;
    offset = Align(offset + info.bytes, alignment);
    w.total_ += info.bytes;
    w.tensors_.push_back(std::move(info));
  }

  std::string header = "GGUF";
  PutLe(header, kGgufVersion, 4);
  PutLe(header, w.tensors_.size(), 8);
  PutLe(header, metadata.size(), 8);
  for (const GgufKV& kv : metadata) {
    PutString(header, kv.key);
    PutLe(header, static_cast<uint32_t>(kv.value.type), 4);
    PutValue(header, kv.value);
  }
  for (const GgufTensorInfo& t : w.tensors_) {
    PutString(header, t.name);
    PutLe(header, t.dims.size(), 4);
    for (uint64_t d : t.dims) PutLe(header, d, 8);
    PutLe(header, t.type, 4);
    PutLe(header, t.offset, 8);
  }
  header.resize(Align(header.size(), alignment), '\0');
  w.data_start_ = header.size();

  AIINFRA_TRY(w.out_, env.CreateOutputFile(path));
  AIINFRA_CHECK_OK(w.out_->Write(header));
  AIINFRA_CHECK_OK(w.FinishTensors());  // empty tensors at the start
  return w;
}

Status GgufWriter::FinishTensors() {
  static constexpr char kZeros[4096] = {};
  while (current_ < tensors_.size() && done_ == tensors_[current_].bytes) {
    const GgufTensorInfo& t = tensors_[current_];
    uint64_t pad = Align(t.offset + t.bytes, alignment_) - (t.offset + t.bytes);
    while (pad > 0) {
      const uint64_t n = std::min<uint64_t>(pad, sizeof(kZeros));
      AIINFRA_CHECK_OK(out_->Write(std::string_view(kZeros, n)));
      pad -= n;
    }
    ++current_;
    done_ = 0;
  }
  return {};
}

Status GgufWriter::Append(std::span<const uint8_t> bytes) {
  if (committed_ || !out_) {
    return Fail(ErrorCode::kInvalidInput, "the writer is already committed", Location{path_});
  }
  if (bytes.size() > total_ - appended_) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{} more bytes appended after {} of {}: more data than the tensors "
                            "hold",
                            bytes.size(), appended_, total_),
                Location{path_});
  }
  while (!bytes.empty()) {
    // There is a current tensor: fewer bytes were appended than the tensors hold.
    const uint64_t take = std::min<uint64_t>(bytes.size(), tensors_[current_].bytes - done_);
    AIINFRA_CHECK_OK(
        out_->Write(std::string_view(reinterpret_cast<const char*>(bytes.data()), take)));
    done_ += take;
    appended_ += take;
    bytes = bytes.subspan(take);
    AIINFRA_CHECK_OK(FinishTensors());
  }
  return {};
}

Status GgufWriter::Commit() {
  if (committed_ || !out_) {
    return Fail(ErrorCode::kInvalidInput, "the writer is already committed", Location{path_});
  }
  if (appended_ != total_) {
    const GgufTensorInfo& t = tensors_[current_];
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("tensor {} has {} of its {} bytes ({} of {} bytes appended in all); "
                            "the file is not written",
                            Shown(t.name), done_, t.bytes, appended_, total_),
                Location{path_});
  }
  AIINFRA_CHECK_OK(out_->Commit());
  committed_ = true;
  return {};
}

}  // namespace aiinfra::quant
