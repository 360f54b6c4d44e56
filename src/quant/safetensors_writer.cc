#include "quant/safetensors_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace aiinfra::quant {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // what readers accept (ParseSafetensors)

std::string Shown(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `s` as a JSON string literal; nullopt when it is not valid UTF-8 (JSON text must be).
std::optional<std::string> JsonString(const std::string& s) {
  try {
    return Json(s).dump();
  } catch (const Json::type_error&) {
    return std::nullopt;
  }
}

}  // namespace

Result<uint64_t> StTensorBytes(const StTensorSpec& spec) {
  const std::string who = "tensor " + Shown(spec.name);
  for (int64_t d : spec.shape) {
    if (d < 0) {
      return Fail(ErrorCode::kInvalidInput, fmt::format("{}: dimension {} is negative", who, d));
    }
  }
  StTensor t;
  t.shape = spec.shape;
  const int64_t n = t.elements();
  const auto bits = static_cast<uint64_t>(StDtypeBits(spec.dtype));
  if (n < 0 || static_cast<uint64_t>(n) > std::numeric_limits<uint64_t>::max() / bits) {
    return Fail(ErrorCode::kInvalidInput, fmt::format("{}: the shape has too many elements", who));
  }
  const uint64_t total_bits = static_cast<uint64_t>(n) * bits;
  if (total_bits % 8 != 0) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{}: {} elements of {} are not a whole number of bytes", who, n,
                            StDtypeName(spec.dtype)));
  }
  return total_bits / 8;
}

Result<SafetensorsWriter> SafetensorsWriter::Create(Env& env, const std::string& path,
                                                    std::vector<StTensorSpec> tensors,
                                                    std::map<std::string, std::string> metadata) {
  const auto bad = [&](std::string message) {
    return Fail(ErrorCode::kInvalidInput, std::move(message), Location{path});
  };
  std::set<std::string_view> names;
  for (const StTensorSpec& t : tensors) {
    if (t.name == "__metadata__") {
      return bad("\"__metadata__\" is reserved for the metadata; rename the tensor");
    }
    if (!names.insert(t.name).second) {
      return bad(fmt::format("tensor {} is given twice", Shown(t.name)));
    }
    if (static_cast<size_t>(t.dtype) >= static_cast<size_t>(kStDtypeCount)) {
      return bad(fmt::format("tensor {}: invalid dtype value {}", Shown(t.name),
                             static_cast<int>(t.dtype)));
    }
  }

  // The reference order: larger alignment first, so that every tensor starts aligned.
  std::sort(tensors.begin(), tensors.end(), [](const StTensorSpec& a, const StTensorSpec& b) {
    const int aa = StDtypeAlignment(a.dtype), ab = StDtypeAlignment(b.dtype);
    if (aa != ab) return aa > ab;
    return a.name < b.name;
  });

  std::string json = "{";
  if (!metadata.empty()) {
    json += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      auto k = JsonString(key);
      auto v = JsonString(value);
      if (!k || !v) {
        return bad(fmt::format("metadata {}: keys and values must be valid UTF-8", Shown(key)));
      }
      if (!first) json += ',';
      first = false;
      json += *k + ':' + *v;
    }
    json += '}';
  }
  uint64_t offset = 0;
  for (const StTensorSpec& t : tensors) {
    auto size = StTensorBytes(t);
    if (!size) return bad(size.error().message);
    const uint64_t bytes = *size;
    auto name = JsonString(t.name);
    if (!name) return bad(fmt::format("tensor {}: the name is not valid UTF-8", Shown(t.name)));
    if (bytes > std::numeric_limits<uint64_t>::max() - offset) {
      return bad(fmt::format("tensor {}: the tensors hold more than 2^64 bytes", Shown(t.name)));
    }
    if (json.size() > 1) json += ',';
    json += *name + ":{\"dtype\":\"" + std::string(StDtypeName(t.dtype)) + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (i > 0) json += ',';
      json += std::to_string(t.shape[i]);
    }
    json += fmt::format("],\"data_offsets\":[{},{}]}}", offset, offset + bytes);
    offset += bytes;
  }
  json += '}';
  // Spaces up to a multiple of 8: 8 + N is then a multiple of 8 too, and so is every tensor of
  // alignment 8 in the file (the reference writer does the same).
  json.append((8 - json.size() % 8) % 8, ' ');
  if (json.size() > kMaxHeaderBytes) {
    return bad(
        fmt::format("the header would take {} bytes, over the {} that readers accept; "
                    "split the tensors over several files",
                    json.size(), kMaxHeaderBytes));
  }

  SafetensorsWriter w;
  w.path_ = path;
  w.order_ = std::move(tensors);
  w.total_ = offset;
  AIINFRA_TRY(w.out_, env.CreateOutputFile(path));
  std::string prefix(8, '\0');
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<char>(uint64_t{json.size()} >> (8 * i));
  AIINFRA_CHECK_OK(w.out_->Write(prefix));
  AIINFRA_CHECK_OK(w.out_->Write(json));
  return w;
}

Status SafetensorsWriter::Append(std::span<const uint8_t> bytes) {
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
  AIINFRA_CHECK_OK(
      out_->Write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
  appended_ += bytes.size();
  return {};
}

Status SafetensorsWriter::Commit() {
  if (committed_ || !out_) {
    return Fail(ErrorCode::kInvalidInput, "the writer is already committed", Location{path_});
  }
  if (appended_ != total_) {
    return Fail(
        ErrorCode::kInvalidInput,
        fmt::format("only {} of the tensors' {} bytes were appended; the file is not written",
                    appended_, total_),
        Location{path_});
  }
  AIINFRA_CHECK_OK(out_->Commit());
  committed_ = true;
  return {};
}

}  // namespace aiinfra::quant
