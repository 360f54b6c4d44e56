#include "quant/weights.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <sstream>

#include "quant/float_formats.h"
#include "quant/mapped_file.h"

namespace aiinfra::quant {
namespace {

Error Invalid(const std::string& path, std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message), Location{.file = path}};
}

std::optional<Format> FormatOfGgml(uint32_t type) {
  for (Format f : AllFormats()) {
    if (Info(f).ggml_type == static_cast<int>(type)) return f;
  }
  return std::nullopt;
}

// The element format of a plain safetensors dtype whose values decode as they are.
std::optional<Format> FormatOfDtype(StDtype d) {
  switch (d) {
    case StDtype::kF32:
    case StDtype::kF64:
      return Format::kF32;
    case StDtype::kF16:
      return Format::kF16;
    case StDtype::kBF16:
      return Format::kBF16;
    case StDtype::kF8E4M3:
      return Format::kFP8_E4M3;
    case StDtype::kF8E5M2:
      return Format::kFP8_E5M2;
    default:
      return std::nullopt;
  }
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  if (shape.empty()) return "scalar";
  std::string out;
  for (int64_t d : shape) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

}  // namespace

StDtype DtypeOfStorage(Storage s) {
  switch (s) {
    case Storage::kF32:
      return StDtype::kF32;
    case Storage::kF16:
      return StDtype::kF16;
    case Storage::kBF16:
      return StDtype::kBF16;
    case Storage::kI8:
      return StDtype::kI8;
    case Storage::kF8E4M3:
      return StDtype::kF8E4M3;
    case Storage::kF8E5M2:
      return StDtype::kF8E5M2;
    case Storage::kF8E8M0:
      return StDtype::kF8E8M0;
    case Storage::kU8:
    case Storage::kGgml:
      break;
  }
  return StDtype::kU8;
}

struct WeightFile::Impl {
  explicit Impl(MappedFile f) : file(std::move(f)) {}
  MappedFile file;
  Container container = Container::kSafetensors;
  std::optional<StHeader> st;
  std::optional<GgufHeader> gg;
  std::vector<WeightTensor> tensors;
  std::map<std::string, size_t, std::less<>> index;
  std::map<std::string, std::string> st_metadata;

  // The bytes of raw tensor `i` in the mapped file.
  std::span<const uint8_t> Raw(size_t i) const {
    if (st) {
      const StTensor& t = st->tensors[i];
      return file.bytes().subspan(st->data_start + t.begin, t.bytes());
    }
    const GgufTensorInfo& t = gg->tensors[i];
    return file.bytes().subspan(gg->data_start + t.offset, t.bytes);
  }
  uint64_t RawOffset(size_t i) const {
    return st ? st->data_start + st->tensors[i].begin : gg->data_start + gg->tensors[i].offset;
  }

  Result<TensorCodec> CodecOf(const WeightTensor& t) const {
    return TensorCodec::Make(*t.format, t.shape, container, t.int_spec);
  }

  Status LoadSafetensors();
  Status LoadGguf();
  void Index() {
    index.clear();
    for (size_t i = 0; i < tensors.size(); ++i) index[tensors[i].name] = i;
  }
};

// A whole non-negative decimal number, nothing else.
Result<int64_t> ParseCount(std::string_view text) {
  int64_t v = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) {
    return Fail(ErrorCode::kInvalidInput, fmt::format("'{}' is not a count", text));
  }
  return v;
}

// "FORMAT SHAPE [group=G] [asym]", as Convert writes it.
struct QuantEntry {
  Format format;
  std::vector<int64_t> shape;
  std::optional<IntSpec> int_spec;
};

Result<QuantEntry> ParseQuantEntry(const std::string& value) {
  std::istringstream in(value);
  std::string format_name, shape_text, option;
  in >> format_name >> shape_text;
  AIINFRA_TRY(Format format, ParseFormat(format_name));
  QuantEntry e{format, {}, std::nullopt};
  if (shape_text != "scalar") {
    std::istringstream dims(shape_text);
    std::string d;
    while (std::getline(dims, d, 'x')) {
      AIINFRA_TRY(int64_t dim, ParseCount(d));
      e.shape.push_back(dim);
    }
    if (e.shape.empty()) return Fail(ErrorCode::kInvalidInput, "no shape");
  }
  if (format == Format::kINT8 || format == Format::kINT4) e.int_spec = IntSpec{};
  while (in >> option) {
    if (!e.int_spec) return Fail(ErrorCode::kInvalidInput, "options only for int formats");
    if (option == "asym") {
      e.int_spec->asymmetric = true;
    } else if (option.starts_with("group=")) {
      AIINFRA_TRY(e.int_spec->group, ParseCount(std::string_view(option).substr(6)));
    } else {
      return Fail(ErrorCode::kInvalidInput, fmt::format("unknown option '{}'", option));
    }
  }
  if (e.int_spec) e.int_spec->bits = format == Format::kINT8 ? 8 : 4;
  return e;
}

std::string QuantEntryText(Format format, const std::vector<int64_t>& shape,
                           const std::optional<IntSpec>& spec) {
  std::string text = fmt::format("{} {}", FormatName(format), ShapeText(shape));
  if (spec) {
    text += fmt::format(" group={}", spec->group);
    if (spec->asymmetric) text += " asym";
  }
  return text;
}

Status WeightFile::Impl::LoadSafetensors() {
  const std::string& path = file.path();
  AIINFRA_TRY(StHeader header, ParseSafetensors(file.bytes(), path));
  st = std::move(header);
  std::map<std::string, size_t, std::less<>> raw;
  for (size_t i = 0; i < st->tensors.size(); ++i) raw[st->tensors[i].name] = i;
  std::vector<bool> claimed(st->tensors.size(), false);
  // Quantized tensors first: they claim their parts.
  for (const auto& [key, value] : st->metadata) {
    if (!key.starts_with(kQuantMetadataPrefix)) {
      st_metadata[key] = value;
      continue;
    }
    const std::string name = key.substr(std::strlen(kQuantMetadataPrefix));
    auto entry = ParseQuantEntry(value);
    if (!entry) {
      return Fail(Invalid(
          path, fmt::format("metadata '{}' = '{}': {}", key, value, entry.error().message)));
    }
    auto codec =
        TensorCodec::Make(entry->format, entry->shape, Container::kSafetensors, entry->int_spec);
    if (!codec) {
      return Fail(Invalid(path, fmt::format("tensor '{}': {}", name, codec.error().message)));
    }
    WeightTensor t{.name = name, .shape = entry->shape};
    t.elements = codec->rows() * codec->cols();
    t.format = entry->format;
    t.int_spec = entry->int_spec;
    t.stored = FormatName(entry->format);
    for (const Part& part : codec->parts()) {
      const std::string part_name = name + part.suffix;
      auto it = raw.find(part_name);
      if (it == raw.end()) {
        return Fail(Invalid(path, fmt::format("tensor '{}' is {} but its part '{}' is missing",
                                              name, FormatName(entry->format), part_name)));
      }
      const StTensor& r = st->tensors[it->second];
      if (r.dtype != DtypeOfStorage(part.storage) || r.shape != part.shape) {
        return Fail(
            Invalid(path, fmt::format("tensor '{}' ({}): part '{}' is {} {}, expected {} {}", name,
                                      FormatName(entry->format), part_name, StDtypeName(r.dtype),
                                      ShapeText(r.shape), StDtypeName(DtypeOfStorage(part.storage)),
                                      ShapeText(part.shape))));
      }
      if (claimed[it->second]) {
        return Fail(Invalid(path, fmt::format("tensor '{}' is a part of two tensors", part_name)));
      }
      claimed[it->second] = true;
      t.parts.push_back(it->second);
      t.bytes += r.bytes();
    }
    t.via_codec = true;
    tensors.push_back(std::move(t));
  }
  for (size_t i = 0; i < st->tensors.size(); ++i) {
    if (claimed[i]) continue;
    const StTensor& r = st->tensors[i];
    WeightTensor t{.name = r.name, .shape = r.shape, .elements = r.elements()};
    t.stored = std::string(StDtypeName(r.dtype));
    t.bytes = r.bytes();
    t.format = t.elements > 0 ? FormatOfDtype(r.dtype) : std::nullopt;
    t.parts = {i};
    tensors.push_back(std::move(t));
  }
  // In file order, as the raw tensors are.
  std::sort(tensors.begin(), tensors.end(), [&](const WeightTensor& a, const WeightTensor& b) {
    return RawOffset(a.parts[0]) < RawOffset(b.parts[0]);
  });
  Index();
  return {};
}

Status WeightFile::Impl::LoadGguf() {
  AIINFRA_TRY(GgufHeader header, ParseGguf(file.bytes(), file.path()));
  gg = std::move(header);
  container = Container::kGguf;
  for (size_t i = 0; i < gg->tensors.size(); ++i) {
    const GgufTensorInfo& r = gg->tensors[i];
    WeightTensor t{.name = r.name};
    t.shape.assign(r.dims.rbegin(), r.dims.rend());
    t.elements = r.elements();
    const GgmlTypeInfo* type = FindGgmlType(r.type);
    t.stored = type ? type->name : fmt::format("type {}", r.type);
    t.bytes = r.bytes;
    t.format = t.elements > 0 ? FormatOfGgml(r.type) : std::nullopt;
    t.parts = {i};
    t.via_codec = true;
    tensors.push_back(std::move(t));
  }
  Index();
  return {};
}

WeightFile::WeightFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WeightFile::WeightFile(WeightFile&&) noexcept = default;
WeightFile& WeightFile::operator=(WeightFile&&) noexcept = default;
WeightFile::~WeightFile() = default;

Result<WeightFile> WeightFile::Open(const std::string& path) {
  AIINFRA_TRY(MappedFile file, MappedFile::Open(path));
  auto impl = std::make_unique<Impl>(std::move(file));
  const auto bytes = impl->file.bytes();
  if (bytes.size() >= 4 && std::memcmp(bytes.data(), "GGUF", 4) == 0) {
    AIINFRA_CHECK_OK(impl->LoadGguf());
  } else {
    AIINFRA_CHECK_OK(impl->LoadSafetensors());
  }
  return WeightFile(std::move(impl));
}

Container WeightFile::container() const { return impl_->container; }
const std::string& WeightFile::path() const { return impl_->file.path(); }
const std::vector<WeightTensor>& WeightFile::tensors() const { return impl_->tensors; }

const WeightTensor* WeightFile::Find(std::string_view name) const {
  auto it = impl_->index.find(name);
  return it == impl_->index.end() ? nullptr : &impl_->tensors[it->second];
}

void WeightFile::ReadRows(const WeightTensor& t, int64_t r0, int64_t r1, float* out) const {
  const int64_t cols = t.cols();
  if (t.via_codec) {
    auto codec = impl_->CodecOf(t);
    if (!codec) return;  // checked when the file was opened
    std::vector<std::span<const uint8_t>> parts;
    for (size_t p : t.parts) parts.push_back(impl_->Raw(p));
    codec->DecodeRows(parts, r0, r1, out);
    return;
  }
  const StTensor& r = impl_->st->tensors[t.parts[0]];
  const std::span<const uint8_t> raw = impl_->Raw(t.parts[0]);
  const int64_t n = (r1 - r0) * cols;
  const uint64_t first = static_cast<uint64_t>(r0 * cols);
  const auto u16 = [&](int64_t i) {
    uint16_t h;
    std::memcpy(&h, raw.data() + 2 * (first + static_cast<uint64_t>(i)), 2);
    return h;
  };
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t k = first + static_cast<uint64_t>(i);
    switch (r.dtype) {
      case StDtype::kF32:
        std::memcpy(&out[i], raw.data() + 4 * k, 4);
        break;
      case StDtype::kF64: {
        double d;
        std::memcpy(&d, raw.data() + 8 * k, 8);
        out[i] = static_cast<float>(d);
        break;
      }
      case StDtype::kF16:
        out[i] = F16ToF32(u16(i));
        break;
      case StDtype::kBF16:
        out[i] = BF16ToF32(u16(i));
        break;
      case StDtype::kF8E4M3:
        out[i] = E4M3ToF32(raw[k]);
        break;
      case StDtype::kF8E5M2:
        out[i] = E5M2ToF32(raw[k]);
        break;
      default:
        out[i] = 0;
    }
  }
}

std::vector<std::span<const uint8_t>> WeightFile::RawParts(const WeightTensor& t) const {
  std::vector<std::span<const uint8_t>> parts;
  for (size_t p : t.parts) parts.push_back(impl_->Raw(p));
  return parts;
}

void WeightFile::Release(const WeightTensor& t, int64_t r0, int64_t r1) const {
  const int64_t rows = std::max<int64_t>(t.rows(), 1);
  for (size_t p : t.parts) {
    const uint64_t bytes = impl_->Raw(p).size();
    const uint64_t row_bytes = bytes / static_cast<uint64_t>(rows);
    if (row_bytes * static_cast<uint64_t>(rows) != bytes) {  // scalars: the whole part
      impl_->file.Release(impl_->RawOffset(p), bytes);
      continue;
    }
    impl_->file.Release(impl_->RawOffset(p) + static_cast<uint64_t>(r0) * row_bytes,
                        static_cast<uint64_t>(r1 - r0) * row_bytes);
  }
}

const std::map<std::string, std::string>& WeightFile::safetensors_metadata() const {
  return impl_->st_metadata;
}

const std::vector<GgufKV>& WeightFile::gguf_metadata() const {
  static const std::vector<GgufKV> kNone;
  return impl_->gg ? impl_->gg->metadata : kNone;
}

std::optional<StDtype> WeightFile::part_dtype(size_t part) const {
  if (!impl_->st) return std::nullopt;
  return impl_->st->tensors[part].dtype;
}

std::optional<uint32_t> WeightFile::part_ggml_type(size_t part) const {
  if (!impl_->gg) return std::nullopt;
  return impl_->gg->tensors[part].type;
}

int64_t RowsPerBatch(int64_t cols, int64_t values) {
  return std::max<int64_t>(1, values / std::max<int64_t>(cols, 1));
}

}  // namespace aiinfra::quant
