// Fuzz target for src/quant's weight-file containers: the input as a whole safetensors file
// (ParseSafetensors) and as a whole GGUF file (ParseGguf).
//
// Checked: no crash; errors are kInvalidInput with a message, located at the file name. What
// parses keeps the headers' promises: safetensors tensors tile the buffer from 0 with no gap or
// overlap, each as large as dtype and shape say, and the file ends where the buffer does; GGUF
// tensors lie inside the file at aligned offsets, no two overlapping, each as large as
// GgmlTensorBytes says, names and keys unique. And it round-trips: written again with the
// matching writer (into memory) it parses to the same tensors, data and metadata. The GGUF
// writer may refuse only what it documents as stricter than the reader (an alignment that is
// not a power of two, a 64-byte tensor name).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "fuzz_check.h"
#include "quant/gguf.h"
#include "quant/gguf_writer.h"
#include "quant/safetensors.h"
#include "quant/safetensors_writer.h"

namespace {

using aiinfra::ErrorCode;
namespace q = aiinfra::quant;

constexpr std::string_view kTarget = "quant_fuzz";

std::string_view Text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void CheckFileError(const char* stage, const aiinfra::Error& e, std::string_view file,
                    std::string_view input) {
  aiinfra::fuzz::CheckError(kTarget, stage, e, {ErrorCode::kInvalidInput}, input);
  if (e.where.file != file) {
    aiinfra::fuzz::Finding(kTarget, std::string(stage) + ": the error does not name the file",
                           input);
  }
}

void CheckSafetensors(std::span<const uint8_t> file) {
  const std::string_view input = Text(file);
  const auto fail = [&](const std::string& what) { aiinfra::fuzz::Finding(kTarget, what, input); };
  auto h = q::ParseSafetensors(file, "in.safetensors");
  if (!h) return CheckFileError("ParseSafetensors", h.error(), "in.safetensors", input);

  if (h->data_start != 8 + h->header_bytes || h->data_start + h->data_bytes != file.size()) {
    fail("safetensors: the header and buffer do not make up the file");
  }
  uint64_t covered = 0;
  std::set<std::string> names;
  for (const q::StTensor& t : h->tensors) {
    if (t.begin != covered || t.end < t.begin) fail("safetensors: tensors do not tile the buffer");
    covered = t.end;
    const int64_t n = t.elements();
    if (n < 0) fail("safetensors: a parsed tensor's element count overflows");
    const auto bits = static_cast<unsigned __int128>(n) * q::StDtypeBits(t.dtype);
    if (bits % 8 != 0 || bits / 8 != t.bytes()) fail("safetensors: a tensor's size is wrong");
    if (!names.insert(t.name).second || t.name == "__metadata__") {
      fail("safetensors: a tensor name twice, or __metadata__ as a tensor");
    }
  }
  if (covered != h->data_bytes) fail("safetensors: data_bytes is not the buffer's end");

  // Round trip through the writer.
  aiinfra::FakeEnv env;
  std::vector<q::StTensorSpec> specs;
  for (const q::StTensor& t : h->tensors) specs.push_back({t.name, t.dtype, t.shape});
  auto w = q::SafetensorsWriter::Create(env, "out.safetensors", specs, h->metadata);
  if (!w) fail("SafetensorsWriter refused a parsed header: " + w.error().ToString());
  for (const q::StTensorSpec& s : w->order()) {
    const q::StTensor* t = h->Find(s.name);
    if (!w->Append(file.subspan(h->data_start + t->begin, t->bytes()))) {
      fail("SafetensorsWriter::Append failed");
    }
  }
  if (!w->Commit()) fail("SafetensorsWriter::Commit failed");
  const std::string& out = env.files()["out.safetensors"];
  auto again = q::ParseSafetensors(Bytes(out), "out.safetensors");
  if (!again) fail("the writer's output does not parse: " + again.error().ToString());
  if (again->metadata != h->metadata || again->tensors.size() != h->tensors.size()) {
    fail("safetensors round trip changed the metadata or the tensor count");
  }
  for (const q::StTensor& t : again->tensors) {
    const q::StTensor* o = h->Find(t.name);
    if (o == nullptr || o->dtype != t.dtype || o->shape != t.shape ||
        Text(file.subspan(h->data_start + o->begin, o->bytes())) !=
            std::string_view(out).substr(again->data_start + t.begin, t.bytes())) {
      fail("safetensors round trip changed tensor " + t.name);
    }
    if ((again->data_start + t.begin) % q::StDtypeAlignment(t.dtype) != 0) {
      fail("the safetensors writer misaligned tensor " + t.name);
    }
  }
}

void CheckGguf(std::span<const uint8_t> file) {
  const std::string_view input = Text(file);
  const auto fail = [&](const std::string& what) { aiinfra::fuzz::Finding(kTarget, what, input); };
  auto h = q::ParseGguf(file, "in.gguf");
  if (!h) return CheckFileError("ParseGguf", h.error(), "in.gguf", input);

  if (h->version != 3 && h->version != 2) fail("gguf: an unsupported version parsed");
  if (h->alignment == 0 || h->alignment % 8 != 0 || h->data_start % h->alignment != 0) {
    fail("gguf: bad alignment or data start");
  }
  std::set<std::string> keys, names;
  for (const q::GgufKV& kv : h->metadata) {
    if (!keys.insert(kv.key).second) fail("gguf: a key twice");
  }
  std::vector<std::pair<uint64_t, uint64_t>> extents;
  for (const q::GgufTensorInfo& t : h->tensors) {
    if (!names.insert(t.name).second) fail("gguf: a tensor name twice");
    auto bytes = q::GgmlTensorBytes(t.type, t.dims);
    if (!bytes || *bytes != t.bytes || t.elements() < 0) fail("gguf: a tensor's size is wrong");
    if (t.offset % h->alignment != 0) fail("gguf: a misaligned tensor parsed");
    if (h->data_start > file.size() || t.offset > file.size() - h->data_start ||
        t.bytes > file.size() - h->data_start - t.offset) {
      fail("gguf: a tensor outside the file parsed");
    }
    if (t.bytes > 0) extents.push_back({t.offset, t.offset + t.bytes});
  }
  std::sort(extents.begin(), extents.end());
  for (size_t i = 1; i < extents.size(); ++i) {
    if (extents[i].first < extents[i - 1].second) fail("gguf: overlapping tensors parsed");
  }

  // Round trip through the writer.
  aiinfra::FakeEnv env;
  std::vector<q::GgufTensorSpec> specs;
  bool writable = (h->alignment & (h->alignment - 1)) == 0;
  for (const q::GgufTensorInfo& t : h->tensors) {
    specs.push_back({t.name, t.dims, t.type});
    writable = writable && t.name.size() <= q::kGgufWriterMaxNameBytes;
  }
  auto w = q::GgufWriter::Create(env, "out.gguf", h->metadata, specs,
                                 static_cast<uint32_t>(h->alignment));
  if (!w) {
    if (writable) fail("GgufWriter refused a parsed header: " + w.error().ToString());
    CheckFileError("GgufWriter::Create", w.error(), "out.gguf", input);
    return;
  }
  if (!writable) fail("GgufWriter accepted what it documents to refuse");
  for (const q::GgufTensorInfo& t : h->tensors) {
    if (!w->Append(file.subspan(h->data_start + t.offset, t.bytes))) {
      fail("GgufWriter::Append failed");
    }
  }
  if (!w->Commit()) fail("GgufWriter::Commit failed");
  const std::string& out = env.files()["out.gguf"];
  auto again = q::ParseGguf(Bytes(out), "out.gguf");
  if (!again) fail("the GGUF writer's output does not parse: " + again.error().ToString());
  if (again->metadata != h->metadata || again->alignment != h->alignment ||
      again->tensors.size() != h->tensors.size()) {
    fail("gguf round trip changed the metadata, alignment or tensor count");
  }
  for (size_t i = 0; i < h->tensors.size(); ++i) {
    const q::GgufTensorInfo& a = h->tensors[i];
    const q::GgufTensorInfo& b = again->tensors[i];
    if (a.name != b.name || a.dims != b.dims || a.type != b.type || a.bytes != b.bytes ||
        Text(file.subspan(h->data_start + a.offset, a.bytes)) !=
            std::string_view(out).substr(again->data_start + b.offset, b.bytes)) {
      fail("gguf round trip changed tensor " + a.name);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> file(data, size);
  CheckSafetensors(file);
  CheckGguf(file);
  return 0;
}
