#include "quant/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace aiinfra::quant {
namespace {

using Json = nlohmann::json;

struct DtypeInfo {
  StDtype dtype;
  std::string_view name;
  int bits;
};

constexpr std::array<DtypeInfo, kStDtypeCount> kDtypes = {{
    {StDtype::kBool, "BOOL", 8},
    {StDtype::kU8, "U8", 8},
    {StDtype::kI8, "I8", 8},
    {StDtype::kI16, "I16", 16},
    {StDtype::kU16, "U16", 16},
    {StDtype::kI32, "I32", 32},
    {StDtype::kU32, "U32", 32},
    {StDtype::kI64, "I64", 64},
    {StDtype::kU64, "U64", 64},
    {StDtype::kF16, "F16", 16},
    {StDtype::kBF16, "BF16", 16},
    {StDtype::kF32, "F32", 32},
    {StDtype::kF64, "F64", 64},
    {StDtype::kC64, "C64", 64},
    {StDtype::kF8E5M2, "F8_E5M2", 8},
    {StDtype::kF8E4M3, "F8_E4M3", 8},
    {StDtype::kF8E8M0, "F8_E8M0", 8},
    {StDtype::kF8E4M3Fnuz, "F8_E4M3FNUZ", 8},
    {StDtype::kF8E5M2Fnuz, "F8_E5M2FNUZ", 8},
    {StDtype::kF6E2M3, "F6_E2M3", 6},
    {StDtype::kF6E3M2, "F6_E3M2", 6},
    {StDtype::kF4, "F4", 4},
}};

constexpr std::array<StDtype, kStDtypeCount> kAllDtypes = [] {
  std::array<StDtype, kStDtypeCount> all{};
  for (int i = 0; i < kStDtypeCount; ++i) all[i] = kDtypes[i].dtype;
  return all;
}();

// The reference parser's limit (HeaderTooLarge): a bigger header is an attack or not a
// safetensors file at all.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

const DtypeInfo& Info(StDtype dtype) { return kDtypes[static_cast<size_t>(dtype)]; }

std::unexpected<Error> Bad(std::string_view file, std::string message) {
  return Fail(ErrorCode::kInvalidInput, std::move(message), Location{std::string(file)});
}

// A JSON string literal of `s` (invalid UTF-8 shown as U+FFFD), for messages.
std::string Quoted(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ValidDtypeNames() {
  std::string out;
  for (const DtypeInfo& d : kDtypes) {
    if (!out.empty()) out += ", ";
    out += d.name;
  }
  return out;
}

// A JSON value's type, as a person would say it.
std::string_view JsonKind(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_float:
      return "a fractional number";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    default:
      return "a binary value";
  }
}

// nlohmann keeps the last of two equal keys without a word; the parser callback sees every key
// as it is read, so a stack of the keys seen per open object finds the second one.
struct DuplicateFinder {
  std::vector<std::set<std::string>> open;
  std::string top_key;  // the current key of the outermost object: the tensor being read
  std::string duplicate, duplicate_in;
  bool found = false;

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        open.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!open.empty()) open.pop_back();
        break;
      case Json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (open.size() == 1) top_key = key;
        if (!open.empty() && !open.back().insert(key).second && !found) {
          found = true;
          duplicate = key;
          if (open.size() > 1) duplicate_in = top_key;
        }
        break;
      }
      default:
        break;
    }
    return true;
  }
};

// A JSON integer in [0, max]; nullopt for anything else.
std::optional<uint64_t> NonNegative(const Json& j, uint64_t max) {
  if (!j.is_number_unsigned()) return std::nullopt;
  const uint64_t v = j.get<uint64_t>();
  if (v > max) return std::nullopt;
  return v;
}

Result<StTensor> ParseTensor(std::string_view file, const std::string& name, const Json& entry) {
  const std::string who = "tensor " + Quoted(name);
  if (!entry.is_object()) {
    return Bad(file, fmt::format("{}: expected an object with dtype, shape and data_offsets, "
                                 "found {}",
                                 who, JsonKind(entry)));
  }
  for (const auto& [key, value] : entry.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      return Bad(file, fmt::format("{}: unknown field {} (a tensor has exactly dtype, shape and "
                                   "data_offsets)",
                                   who, Quoted(key)));
    }
  }
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(key)) return Bad(file, fmt::format("{}: missing \"{}\"", who, key));
  }
  StTensor t;
  t.name = name;

  const Json& dtype = entry["dtype"];
  if (!dtype.is_string()) {
    return Bad(file, fmt::format("{}: dtype must be a string, found {}", who, JsonKind(dtype)));
  }
  auto parsed_dtype = ParseStDtype(dtype.get_ref<const std::string&>());
  if (!parsed_dtype) return Bad(file, who + ": " + parsed_dtype.error().message);
  t.dtype = *parsed_dtype;

  const Json& shape = entry["shape"];
  if (!shape.is_array()) {
    return Bad(file, fmt::format("{}: shape must be an array of non-negative integers, found {}",
                                 who, JsonKind(shape)));
  }
  for (const Json& dim : shape) {
    auto d = NonNegative(dim, std::numeric_limits<int64_t>::max());
    if (!d) {
      return Bad(file, fmt::format("{}: shape {} must hold non-negative integers below 2^63, "
                                   "found {}",
                                   who, shape.dump(), dim.dump()));
    }
    t.shape.push_back(static_cast<int64_t>(*d));
  }
  const int64_t elements = t.elements();
  if (elements < 0) {
    return Bad(file, fmt::format("{}: shape {} has more than 2^63 elements", who, shape.dump()));
  }

  const Json& offsets = entry["data_offsets"];
  std::optional<uint64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) {
    begin = NonNegative(offsets[0], std::numeric_limits<uint64_t>::max());
    end = NonNegative(offsets[1], std::numeric_limits<uint64_t>::max());
  }
  if (!begin || !end) {
    return Bad(file, fmt::format("{}: data_offsets must be [BEGIN, END], two non-negative "
                                 "integers, found {}",
                                 who, offsets.dump()));
  }
  if (*begin > *end) {
    return Bad(file,
               fmt::format("{}: data_offsets [{}, {}] end before they begin", who, *begin, *end));
  }
  t.begin = *begin;
  t.end = *end;

  const uint64_t bits = static_cast<uint64_t>(StDtypeBits(t.dtype));
  const auto n = static_cast<uint64_t>(elements);
  if (n > std::numeric_limits<uint64_t>::max() / bits) {
    return Bad(file, fmt::format("{}: {} elements of {} do not fit in 2^64 bytes", who, n,
                                 StDtypeName(t.dtype)));
  }
  if (n * bits % 8 != 0) {
    return Bad(file, fmt::format("{}: {} elements of {} ({} bits each) are not a whole number of "
                                 "bytes; pad the tensor or change its shape",
                                 who, n, StDtypeName(t.dtype), bits));
  }
  if (t.end - t.begin != n * bits / 8) {
    return Bad(file, fmt::format("{}: data_offsets [{}, {}] hold {} bytes, but {} with shape {} "
                                 "takes {} bytes",
                                 who, t.begin, t.end, t.end - t.begin, StDtypeName(t.dtype),
                                 shape.dump(), n * bits / 8));
  }
  return t;
}

Result<std::map<std::string, std::string>> ParseMetadata(std::string_view file, const Json& j) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;  // the reference reads null as "no metadata"
  if (!j.is_object()) {
    return Bad(file, fmt::format("\"__metadata__\" must be an object mapping strings to strings, "
                                 "found {}",
                                 JsonKind(j)));
  }
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) {
      return Bad(file, fmt::format("\"__metadata__\": {} holds {}, but metadata values must be "
                                   "strings (encode structured values as JSON text)",
                                   Quoted(key), JsonKind(value)));
    }
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view StDtypeName(StDtype dtype) { return Info(dtype).name; }

int StDtypeBits(StDtype dtype) { return Info(dtype).bits; }

int StDtypeAlignment(StDtype dtype) { return std::max(1, Info(dtype).bits / 8); }

std::span<const StDtype> AllStDtypes() { return kAllDtypes; }

Result<StDtype> ParseStDtype(std::string_view name) {
  for (const DtypeInfo& d : kDtypes) {
    if (d.name == name) return d.dtype;
  }
  return Fail(ErrorCode::kInvalidInput,
              fmt::format("unknown dtype {}; valid dtypes: {}", Quoted(name), ValidDtypeNames()));
}

int64_t StTensor::elements() const {
  // A zero dimension makes the tensor empty whatever the others are.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
  }
  return n;
}

const StTensor* StHeader::Find(std::string_view name) const {
  for (const StTensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<StHeader> ParseSafetensors(std::span<const uint8_t> file, std::string_view file_name) {
  if (file.size() < 8) {
    return Bad(file_name, fmt::format("the file has {} bytes, fewer than the 8 of the header "
                                      "length: truncated, or not a safetensors file",
                                      file.size()));
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | file[i];
  if (n > kMaxHeaderBytes) {
    return Bad(file_name, fmt::format("header length {} is over the limit of {} bytes: not a "
                                      "safetensors file (or a corrupt one)",
                                      n, kMaxHeaderBytes));
  }
  if (n > file.size() - 8) {
    return Bad(file_name, fmt::format("header length {} runs past the end of the file ({} bytes): "
                                      "the file is truncated",
                                      n, file.size()));
  }
  StHeader header;
  header.header_bytes = n;
  header.data_start = 8 + n;
  const auto* text = reinterpret_cast<const char*>(file.data() + 8);
  if (n == 0 || text[0] != '{') {
    return Bad(file_name, "the header does not start with '{': not a safetensors file");
  }

  // nlohmann's lexer takes a NUL byte for the end of the input: "{}\0<anything>" would parse.
  // JSON has no place for one (inside a string it must be escaped), so any NUL is an error.
  if (const void* nul = std::memchr(text, 0, n)) {
    return Bad(file_name, fmt::format("the header is not valid JSON (file byte {}): a NUL byte",
                                      8 + (static_cast<const char*>(nul) - text)));
  }
  DuplicateFinder duplicates;
  Json root;
  try {
    root = Json::parse(text, text + n, std::ref(duplicates));
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based within the header; the file has 8 bytes before it.
    std::string what = e.what();
    if (const auto colon = what.rfind(": "); colon != std::string::npos) {
      what = what.substr(colon + 2);
    }
    return Bad(file_name, fmt::format("the header is not valid JSON (file byte {}): {}",
                                      8 + (e.byte > 0 ? e.byte - 1 : 0), what));
  } catch (const Json::exception& e) {
    // out_of_range.406: a number a double cannot hold.
    std::string what = e.what();
    if (const auto bracket = what.find("] "); bracket != std::string::npos) {
      what = what.substr(bracket + 2);
    }
    return Bad(file_name, "the header is not valid JSON: " + what);
  }
  if (duplicates.found) {
    if (duplicates.duplicate_in.empty()) {
      return Bad(file_name, fmt::format("key {} appears twice in the header (a tensor name or "
                                        "__metadata__ may appear once)",
                                        Quoted(duplicates.duplicate)));
    }
    const std::string where = duplicates.duplicate_in == "__metadata__"
                                  ? std::string("\"__metadata__\"")
                                  : "tensor " + Quoted(duplicates.duplicate_in);
    return Bad(file_name,
               fmt::format("{}: key {} appears twice", where, Quoted(duplicates.duplicate)));
  }
  if (!root.is_object()) return Bad(file_name, "the header must be a JSON object");

  header.tensors.reserve(root.size());
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") {
      AIINFRA_TRY(header.metadata, ParseMetadata(file_name, value));
      continue;
    }
    AIINFRA_TRY(StTensor t, ParseTensor(file_name, key, value));
    header.tensors.push_back(std::move(t));
  }

  const uint64_t buffer = file.size() - header.data_start;
  for (const StTensor& t : header.tensors) {
    if (t.end > buffer) {
      return Bad(file_name, fmt::format("tensor {}: data_offsets [{}, {}] end past the byte "
                                        "buffer, which has {} bytes: the file is truncated or "
                                        "the offsets are wrong",
                                        Quoted(t.name), t.begin, t.end, buffer));
    }
  }
  std::sort(header.tensors.begin(), header.tensors.end(), [](const StTensor& a, const StTensor& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  // Sorted, the tensors must tile the buffer: each starts where the one before ends. A gap
  // could hide a second file format inside this one (a polyglot), an overlap aliases data.
  uint64_t covered = 0;
  const StTensor* previous = nullptr;
  for (const StTensor& t : header.tensors) {
    if (t.begin > covered) {
      return Bad(file_name,
                 fmt::format("bytes [{}, {}) of the buffer belong to no tensor: a gap {} tensor "
                             "{}; the tensors must cover the buffer with no holes",
                             covered, t.begin,
                             previous ? "between tensor " + Quoted(previous->name) + " and"
                                      : std::string("before"),
                             Quoted(t.name)));
    }
    if (t.begin < covered) {
      return Bad(file_name,
                 fmt::format("tensors {} [{}, {}) and {} [{}, {}) overlap", Quoted(previous->name),
                             previous->begin, previous->end, Quoted(t.name), t.begin, t.end));
    }
    covered = t.end;
    previous = &t;
  }
  if (covered != buffer) {
    return Bad(
        file_name,
        fmt::format("{} bytes follow the last tensor{}: the file must end where the "
                    "buffer does (8 + {} + {} bytes): trailing garbage, or a tensor "
                    "missing from the header",
                    buffer - covered,
                    previous ? " (" + Quoted(previous->name) + ")" : std::string(), n, covered));
  }
  header.data_bytes = covered;
  return header;
}

Result<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  AIINFRA_TRY(MappedFile file, MappedFile::Open(path));
  AIINFRA_TRY(StHeader header, ParseSafetensors(file.bytes(), path));
  return SafetensorsFile(std::move(file), std::move(header));
}

std::span<const uint8_t> SafetensorsFile::Data(const StTensor& tensor) const {
  return file_.bytes().subspan(header_.data_start + tensor.begin, tensor.end - tensor.begin);
}

void SafetensorsFile::Release(const StTensor& tensor) const {
  file_.Release(header_.data_start + tensor.begin, tensor.end - tensor.begin);
}

}  // namespace aiinfra::quant
