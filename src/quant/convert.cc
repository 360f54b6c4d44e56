#include "quant/convert.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "quant/gguf_writer.h"
#include "quant/safetensors_writer.h"
#include "quant/weights.h"

namespace aiinfra::quant {
namespace {

constexpr uint64_t kCopyChunk = 16 << 20;

Error Invalid(const std::string& path, std::string message) {
  return Error{ErrorCode::kInvalidInput, std::move(message), Location{.file = path}};
}

// The ggml type a safetensors tensor is copied as (an empty float tensor, an integer one).
std::optional<uint32_t> GgmlTypeOf(StDtype d) {
  switch (d) {
    case StDtype::kF32:
      return 0;
    case StDtype::kF16:
      return 1;
    case StDtype::kBF16:
      return 30;
    case StDtype::kI8:
      return 24;
    case StDtype::kI16:
      return 25;
    case StDtype::kI32:
      return 26;
    case StDtype::kI64:
      return 27;
    case StDtype::kF64:
      return 28;
    default:
      return std::nullopt;
  }
}

// The safetensors dtype a GGUF tensor copied unchanged is written as.
std::optional<StDtype> DtypeOfGgml(uint32_t type) {
  switch (type) {
    case 0:
      return StDtype::kF32;
    case 1:
      return StDtype::kF16;
    case 30:
      return StDtype::kBF16;
    case 24:
      return StDtype::kI8;
    case 25:
      return StDtype::kI16;
    case 26:
      return StDtype::kI32;
    case 27:
      return StDtype::kI64;
    case 28:
      return StDtype::kF64;
    default:
      return std::nullopt;
  }
}

std::vector<uint64_t> Dims(const std::vector<int64_t>& shape) {
  if (shape.empty()) return {1};
  return std::vector<uint64_t>(shape.rbegin(), shape.rend());
}

struct DefaultRule {
  std::regex re;
  const char* why;
};

const std::vector<DefaultRule>& DefaultRules() {
  static const std::vector<DefaultRule> kRules = {
      {std::regex(
           R"((^|[._])(embed_tokens|embeddings?|wte|wpe|tok_embeddings|token_embd)([._]|$))"),
       "default: embedding"},
      {std::regex(R"((^|[._])lm_head([._]|$)|^output\.weight$)"), "default: LM head"},
      {std::regex(R"(\.gate\.weight$|router|ffn_gate_inp)"), "default: MoE router gate"},
  };
  return kRules;
}

// One input tensor and what becomes of it.
struct Target {
  const WeightTensor* tensor = nullptr;
  std::optional<TensorCodec> codec;  // unset: copied unchanged
  TensorPlan plan;
  bool scanned = false;
};

// One output tensor: part `part` of target `target`.
struct Output {
  size_t target;
  size_t part;
};

struct Planned {
  std::vector<Target> targets;
  std::vector<std::string> warnings;
};

Result<Planned> Plan(const WeightFile& in, Container container, const ConvertOptions& o) {
  const FormatInfo& to = Info(o.to);
  if (container == Container::kGguf && to.ggml_type < 0) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--to {} has no GGUF type: write a .safetensors file", to.name));
  }
  if (container == Container::kSafetensors && !to.safetensors) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--to {} is a GGUF block format: write a .gguf file", to.name));
  }
  std::vector<std::regex> keep;
  for (const KeepRule& r : o.keep) keep.emplace_back(r.pattern);
  Planned p;
  for (const WeightTensor& t : in.tensors()) {
    Target target;
    target.tensor = &t;
    target.plan = TensorPlan{.name = t.name, .shape = t.shape, .from = t.stored};
    target.plan.bytes_in = t.bytes;
    if (!t.decodable()) {
      target.plan.to = "copy";
      target.plan.why = t.elements == 0 ? "empty" : "not floating point";
      p.targets.push_back(std::move(target));
      continue;
    }
    std::optional<Format> chosen;
    std::string why;
    for (size_t i = 0; i < keep.size() && !chosen; ++i) {
      if (std::regex_search(t.name, keep[i])) {
        chosen = o.keep[i].format;
        why = "--keep " + o.keep[i].pattern;
      }
    }
    if (!chosen && o.default_keep) {
      if (t.shape.size() <= 1) {
        const Format own = *t.format;
        chosen = own == Format::kF32 || own == Format::kF16 || own == Format::kBF16 ? own
                                                                                    : Format::kBF16;
        why = "default: norm, bias or scalar";
      } else {
        for (const DefaultRule& rule : DefaultRules()) {
          if (std::regex_search(t.name, rule.re)) {
            chosen = Format::kBF16;
            why = rule.why;
            break;
          }
        }
      }
    }
    if (!chosen) {
      chosen = o.to;
      why = "--to";
    }
    const FormatInfo& info = Info(*chosen);
    if ((container == Container::kGguf && info.ggml_type < 0) ||
        (container == Container::kSafetensors && !info.safetensors)) {
      return Fail(
          ErrorCode::kUsage,
          fmt::format("tensor '{}': {} ({}) cannot be written to a {} file", t.name, info.name, why,
                      container == Container::kGguf ? "GGUF" : "safetensors"));
    }
    const bool is_int = *chosen == Format::kINT8 || *chosen == Format::kINT4;
    auto codec = TensorCodec::Make(*chosen, t.shape, container, is_int ? o.int_spec : std::nullopt);
    if (!codec) {
      p.warnings.push_back(
          fmt::format("tensor '{}' stays bf16: {}", t.name, codec.error().message));
      why = "fallback: " + codec.error().message;
      codec = TensorCodec::Make(Format::kBF16, t.shape, container);
      if (!codec) return Fail(codec.error());
      chosen = Format::kBF16;
    }
    target.plan.to = FormatName(*chosen);
    target.plan.why = why;
    for (const Part& part : codec->parts()) target.plan.bytes_out += part.bytes;
    target.codec = std::move(*codec);
    p.targets.push_back(std::move(target));
  }
  return p;
}

// What the output holds, for the writers: the tensors and their sources, in input order.
struct Layout {
  std::vector<StTensorSpec> st;
  std::vector<GgufTensorSpec> gg;
  std::vector<Output> outputs;  // parallel to st or gg
  std::map<std::string, std::string> st_metadata;
  std::vector<GgufKV> gg_metadata;
};

Result<Layout> LayOut(const WeightFile& in, Container container, Planned& p,
                      const ConvertOptions& o) {
  Layout l;
  bool quantized = false;
  for (size_t i = 0; i < p.targets.size(); ++i) {
    Target& t = p.targets[i];
    const WeightTensor& w = *t.tensor;
    if (!t.codec) {
      for (size_t k = 0; k < w.parts.size(); ++k) {
        if (container == Container::kSafetensors) {
          std::optional<StDtype> dtype = in.part_dtype(w.parts[k]);
          if (!dtype) dtype = DtypeOfGgml(*in.part_ggml_type(w.parts[k]));
          if (!dtype) {
            return Fail(Invalid(in.path(), fmt::format("tensor '{}' is {}, which safetensors "
                                                       "cannot hold: write a .gguf file",
                                                       w.name, w.stored)));
          }
          l.st.push_back(StTensorSpec{w.name, *dtype, w.shape});
        } else {
          std::optional<uint32_t> type = in.part_ggml_type(w.parts[k]);
          if (!type) type = GgmlTypeOf(*in.part_dtype(w.parts[k]));
          if (!type) {
            return Fail(Invalid(in.path(), fmt::format("tensor '{}' is {}, which GGUF cannot "
                                                       "hold: write a .safetensors file",
                                                       w.name, w.stored)));
          }
          l.gg.push_back(GgufTensorSpec{w.name, Dims(w.shape), *type});
        }
        l.outputs.push_back(Output{i, k});
        t.plan.bytes_out += in.RawParts(w)[k].size();
      }
      continue;
    }
    const TensorCodec& c = *t.codec;
    const Format f = c.format();
    quantized |= f != Format::kF32 && f != Format::kF16 && f != Format::kBF16;
    for (size_t k = 0; k < c.parts().size(); ++k) {
      const Part& part = c.parts()[k];
      if (container == Container::kSafetensors) {
        l.st.push_back(
            StTensorSpec{w.name + part.suffix, DtypeOfStorage(part.storage), part.shape});
      } else {
        l.gg.push_back(
            GgufTensorSpec{w.name, Dims(w.shape), static_cast<uint32_t>(part.ggml_type)});
      }
      l.outputs.push_back(Output{i, k});
    }
    if (container == Container::kSafetensors && f != Format::kF32 && f != Format::kF16 &&
        f != Format::kBF16) {
      const bool is_int = f == Format::kINT8 || f == Format::kINT4;
      std::optional<IntSpec> spec;
      if (is_int) {
        // The codec settled the group (the default, or per channel for short rows).
        spec = IntSpec{.bits = f == Format::kINT8 ? 8 : 4, .group = 0};
        const Part& scales = c.parts()[1];
        const int64_t groups = scales.shape.empty() ? 1 : scales.shape.back();
        spec->group = groups > 1 ? c.cols() / groups : 0;
        spec->asymmetric = c.parts().size() > 2;
      }
      l.st_metadata[kQuantMetadataPrefix + w.name] = QuantEntryText(f, w.shape, spec);
    }
  }
  if (container == Container::kSafetensors) {
    for (const auto& [k, v] : in.safetensors_metadata()) l.st_metadata.emplace(k, v);
    for (const GgufKV& kv : in.gguf_metadata()) {
      if (const std::string* s = kv.value.AsString()) l.st_metadata.emplace(kv.key, *s);
    }
    return l;
  }
  std::string arch = o.arch;
  for (const GgufKV& kv : in.gguf_metadata()) {
    if (kv.key == "general.architecture" && arch.empty()) {
      if (const std::string* s = kv.value.AsString()) arch = *s;
    }
  }
  l.gg_metadata.push_back(
      GgufKV{"general.architecture", GgufValue::String(arch.empty() ? "unknown" : arch)});
  for (const GgufKV& kv : in.gguf_metadata()) {
    if (kv.key == "general.architecture" || kv.key == "general.alignment" ||
        kv.key == "general.quantization_version" || kv.key == "general.file_type") {
      continue;  // set here, or no longer true of the output
    }
    l.gg_metadata.push_back(kv);
  }
  if (quantized) {
    l.gg_metadata.push_back(GgufKV{"general.quantization_version", GgufValue::Uint32(2)});
  }
  return l;
}

// Streams output tensor `out` into `append`.
template <typename Append>
Status Emit(const WeightFile& in, Target& t, size_t part, const ConvertOptions& o,
            std::vector<std::string>& warnings, Append&& append) {
  const WeightTensor& w = *t.tensor;
  if (!t.codec) {
    const std::span<const uint8_t> raw = in.RawParts(w)[part];
    for (uint64_t at = 0; at < raw.size(); at += kCopyChunk) {
      AIINFRA_CHECK_OK(append(raw.subspan(at, std::min<uint64_t>(kCopyChunk, raw.size() - at))));
    }
    in.Release(w, 0, w.rows());
    return {};
  }
  TensorCodec& c = *t.codec;
  const int64_t batch = RowsPerBatch(c.cols(), o.batch_values);
  std::vector<float> x(static_cast<size_t>(std::min(batch, c.rows()) * c.cols()));
  if (!t.scanned) {
    ValueScan scan;
    for (int64_t r = 0; r < c.rows(); r += batch) {
      const int64_t end = std::min(c.rows(), r + batch);
      in.ReadRows(w, r, end, x.data());
      scan.Add(x.data(), (end - r) * c.cols(), r * c.cols());
      in.Release(w, r, end);
    }
    t.plan.nan = scan.nan;
    t.plan.inf = scan.inf;
    if (!scan.finite()) {
      const bool ggml_nv = c.container() == Container::kGguf && c.format() == Format::kNVFP4;
      if (Info(c.format()).needs_finite || ggml_nv) {
        return Fail(Invalid(
            in.path(), fmt::format("tensor '{}' holds {} NaN and {} Inf values (the first at "
                                   "element {}): {} cannot encode them; keep the tensor in bf16 "
                                   "(--keep '^{}$=bf16') or fix the weights",
                                   w.name, scan.nan, scan.inf, scan.first_nonfinite,
                                   FormatName(c.format()), w.name)));
      }
      warnings.push_back(fmt::format("tensor '{}': {} NaN and {} Inf kept as {} defines them",
                                     w.name, scan.nan, scan.inf, FormatName(c.format())));
    }
    c.set_amax(scan.amax);
    t.scanned = true;
  }
  const Part& p = c.parts()[part];
  if (p.scalar) {
    uint8_t bytes[4];
    c.EncodeScalar(part, bytes);
    return append(std::span<const uint8_t>(bytes, 4));
  }
  std::vector<uint8_t> buf(static_cast<size_t>(std::min(batch, c.rows())) * p.row_bytes);
  for (int64_t r = 0; r < c.rows(); r += batch) {
    const int64_t end = std::min(c.rows(), r + batch);
    in.ReadRows(w, r, end, x.data());
    c.EncodeRows(part, x.data(), r, end, buf.data());
    AIINFRA_CHECK_OK(
        append(std::span<const uint8_t>(buf.data(), static_cast<size_t>(end - r) * p.row_bytes)));
    in.Release(w, r, end);
  }
  return {};
}

Container ContainerFor(const std::string& path) {
  return path.size() >= 5 && path.ends_with(".gguf") ? Container::kGguf : Container::kSafetensors;
}

ConvertResult Summarize(Container container, Planned& p) {
  ConvertResult r;
  r.container = container;
  for (Target& t : p.targets) {
    r.bytes_in += t.plan.bytes_in;
    r.bytes_out += t.plan.bytes_out;
    r.tensors.push_back(t.plan);
  }
  r.warnings = std::move(p.warnings);
  return r;
}

}  // namespace

Result<KeepRule> ParseKeepRule(std::string_view text) {
  const size_t eq = text.rfind('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--keep '{}': write REGEX=FORMAT, e.g. 'embed=bf16'", text));
  }
  KeepRule rule{std::string(text.substr(0, eq)), Format::kBF16};
  auto format = ParseFormat(text.substr(eq + 1));
  if (!format) {
    return Fail(ErrorCode::kUsage, fmt::format("--keep '{}': {}", text, format.error().message));
  }
  rule.format = *format;
  try {
    std::regex check(rule.pattern);
  } catch (const std::regex_error& e) {
    return Fail(ErrorCode::kUsage, fmt::format("--keep '{}': '{}' is not a regular expression: {}",
                                               text, rule.pattern, e.what()));
  }
  return rule;
}

Result<ConvertResult> PlanConversion(const std::string& in_path, const std::string& out_path,
                                     const ConvertOptions& options) {
  AIINFRA_TRY(WeightFile in, WeightFile::Open(in_path));
  const Container container = ContainerFor(out_path);
  AIINFRA_TRY(Planned p, Plan(in, container, options));
  AIINFRA_TRY(Layout layout, LayOut(in, container, p, options));
  return Summarize(container, p);
}

Result<ConvertResult> Convert(Env& env, const std::string& in_path, const std::string& out_path,
                              const ConvertOptions& options) {
  AIINFRA_TRY(WeightFile in, WeightFile::Open(in_path));
  const Container container = ContainerFor(out_path);
  AIINFRA_TRY(Planned p, Plan(in, container, options));
  AIINFRA_TRY(Layout layout, LayOut(in, container, p, options));
  if (container == Container::kSafetensors) {
    std::map<std::string, Output> by_name;
    for (size_t i = 0; i < layout.st.size(); ++i)
      by_name.emplace(layout.st[i].name, layout.outputs[i]);
    AIINFRA_TRY(SafetensorsWriter writer,
                SafetensorsWriter::Create(env, out_path, layout.st, layout.st_metadata));
    for (const StTensorSpec& spec : writer.order()) {
      const Output& o = by_name.at(spec.name);
      AIINFRA_CHECK_OK(Emit(in, p.targets[o.target], o.part, options, p.warnings,
                            [&](std::span<const uint8_t> b) { return writer.Append(b); }));
    }
    AIINFRA_CHECK_OK(writer.Commit());
  } else {
    AIINFRA_TRY(GgufWriter writer,
                GgufWriter::Create(env, out_path, layout.gg_metadata, layout.gg));
    for (const Output& o : layout.outputs) {
      AIINFRA_CHECK_OK(Emit(in, p.targets[o.target], o.part, options, p.warnings,
                            [&](std::span<const uint8_t> b) { return writer.Append(b); }));
    }
    AIINFRA_CHECK_OK(writer.Commit());
  }
  return Summarize(container, p);
}

}  // namespace aiinfra::quant
