#include "quant/synth.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "quant/float_formats.h"
#include "quant/gguf_writer.h"
#include "quant/safetensors_writer.h"

namespace aiinfra::quant {
namespace {

enum class Dist { kGaussian, kHeavy, kNorm };

struct SynthTensor {
  std::string name;
  std::vector<int64_t> shape;
  Dist dist;
  int outliers = 0;  // outlier input columns
};

std::vector<SynthTensor> Tensors(const SynthSpec& s) {
  const int64_t head = s.hidden / s.heads;
  std::vector<SynthTensor> t;
  t.push_back({"model.embed_tokens.weight", {s.vocab, s.hidden}, Dist::kGaussian});
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    t.push_back({p + "input_layernorm.weight", {s.hidden}, Dist::kNorm});
    t.push_back({p + "self_attn.q_proj.weight", {s.hidden, s.hidden}, Dist::kGaussian});
    t.push_back({p + "self_attn.k_proj.weight", {s.kv_heads * head, s.hidden}, Dist::kGaussian});
    t.push_back({p + "self_attn.v_proj.weight", {s.kv_heads * head, s.hidden}, Dist::kGaussian});
    t.push_back({p + "self_attn.o_proj.weight", {s.hidden, s.hidden}, Dist::kGaussian});
    t.push_back({p + "post_attention_layernorm.weight", {s.hidden}, Dist::kNorm});
    t.push_back({p + "mlp.gate_proj.weight", {s.intermediate, s.hidden}, Dist::kHeavy});
    t.push_back({p + "mlp.up_proj.weight", {s.intermediate, s.hidden}, Dist::kHeavy});
    t.push_back(
        {p + "mlp.down_proj.weight", {s.hidden, s.intermediate}, Dist::kHeavy, s.outlier_channels});
  }
  t.push_back({"model.norm.weight", {s.hidden}, Dist::kNorm});
  t.push_back({"lm_head.weight", {s.vocab, s.hidden}, Dist::kGaussian});
  return t;
}

int64_t Elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int ElementBytes(Format f) { return f == Format::kF32 ? 4 : 2; }

// Fills rows [r0, r1) of tensor `t` (index `k` in the file): each row from its own seeded
// stream, so batches of any size give the same values.
void Fill(const SynthSpec& s, const SynthTensor& t, size_t k, int64_t r0, int64_t r1,
          std::vector<float>& x) {
  const int64_t cols = t.shape.back();
  constexpr float kSigma = 0.02f;
  // Student-t with 4 degrees of freedom has variance 2: scale to sigma.
  const float heavy_scale = kSigma / std::sqrt(2.0f);
  std::vector<int64_t> outlier_cols;
  for (int i = 0; i < t.outliers && i < cols; ++i) {
    outlier_cols.push_back((static_cast<int64_t>(i) * 7919 + 13) % cols);
  }
  for (int64_t r = r0; r < r1; ++r) {
    std::mt19937_64 rng(s.seed * 0x9E3779B97F4A7C15ULL + k * 0x100000001B3ULL +
                        static_cast<uint64_t>(r));
    std::normal_distribution<float> normal(0, kSigma);
    std::student_t_distribution<float> student(4);
    float* row = x.data() + (r - r0) * cols;
    for (int64_t c = 0; c < cols; ++c) {
      switch (t.dist) {
        case Dist::kGaussian:
          row[c] = normal(rng);
          break;
        case Dist::kHeavy:
          row[c] = heavy_scale * student(rng);
          break;
        case Dist::kNorm:
          row[c] = 1.0f + normal(rng);
          break;
      }
    }
    for (int64_t c : outlier_cols) row[c] *= static_cast<float>(s.outlier_scale);
  }
}

}  // namespace

int64_t LayersForBytes(const SynthSpec& spec, uint64_t bytes) {
  SynthSpec one = spec;
  one.layers = 0;
  const auto total = [&](const SynthSpec& s) {
    uint64_t sum = 0;
    for (const SynthTensor& t : Tensors(s)) {
      sum += static_cast<uint64_t>(Elements(t.shape) * ElementBytes(s.dtype));
    }
    return sum;
  };
  const uint64_t base = total(one);
  one.layers = 1;
  const uint64_t per_layer = total(one) - base;
  if (bytes <= base + per_layer) return 1;
  return static_cast<int64_t>((bytes - base + per_layer - 1) / per_layer);  // at least `bytes`
}

Result<uint64_t> WriteSyntheticModel(Env& env, const std::string& path, const SynthSpec& spec) {
  if (spec.dtype != Format::kF32 && spec.dtype != Format::kF16 && spec.dtype != Format::kBF16) {
    return Fail(ErrorCode::kUsage, "a synthetic model is written in f32, f16 or bf16");
  }
  if (spec.hidden <= 0 || spec.intermediate <= 0 || spec.layers < 0 || spec.vocab <= 0 ||
      spec.heads <= 0 || spec.kv_heads <= 0 || spec.hidden % spec.heads != 0) {
    return Fail(ErrorCode::kUsage,
                "sizes must be positive and the hidden size a multiple of the heads");
  }
  const std::vector<SynthTensor> tensors = Tensors(spec);
  const bool gguf = path.ends_with(".gguf");
  std::optional<SafetensorsWriter> st;
  std::optional<GgufWriter> gg;
  std::vector<const SynthTensor*> order;
  if (gguf) {
    std::vector<GgufTensorSpec> specs;
    for (const SynthTensor& t : tensors) {
      specs.push_back(GgufTensorSpec{t.name,
                                     std::vector<uint64_t>(t.shape.rbegin(), t.shape.rend()),
                                     static_cast<uint32_t>(Info(spec.dtype).ggml_type)});
      order.push_back(&t);
    }
    std::vector<GgufKV> meta = {{"general.architecture", GgufValue::String("llama")},
                                {"general.name", GgufValue::String("aiinfra synthetic")}};
    AIINFRA_TRY(GgufWriter w, GgufWriter::Create(env, path, std::move(meta), std::move(specs)));
    gg = std::move(w);
  } else {
    std::vector<StTensorSpec> specs;
    const StDtype dtype = spec.dtype == Format::kF32   ? StDtype::kF32
                          : spec.dtype == Format::kF16 ? StDtype::kF16
                                                       : StDtype::kBF16;
    for (const SynthTensor& t : tensors) specs.push_back(StTensorSpec{t.name, dtype, t.shape});
    std::map<std::string, std::string> meta = {{"generator", "aiinfra quant generate"},
                                               {"seed", std::to_string(spec.seed)}};
    AIINFRA_TRY(SafetensorsWriter w, SafetensorsWriter::Create(env, path, specs, meta));
    for (const StTensorSpec& s : w.order()) {
      order.push_back(&*std::find_if(tensors.begin(), tensors.end(),
                                     [&](const SynthTensor& t) { return t.name == s.name; }));
    }
    st = std::move(w);
  }
  uint64_t written = 0;
  std::vector<float> x;
  std::vector<uint8_t> bytes;
  for (const SynthTensor* t : order) {
    const size_t k = static_cast<size_t>(t - tensors.data());
    const int64_t cols = t->shape.back();
    const int64_t rows = Elements(t->shape) / cols;
    const int64_t batch = std::max<int64_t>(1, (int64_t{1} << 20) / cols);
    for (int64_t r = 0; r < rows; r += batch) {
      const int64_t end = std::min(rows, r + batch);
      const size_t n = static_cast<size_t>((end - r) * cols);
      x.resize(n);
      Fill(spec, *t, k, r, end, x);
      bytes.resize(n * static_cast<size_t>(ElementBytes(spec.dtype)));
      for (size_t i = 0; i < n; ++i) {
        if (spec.dtype == Format::kF32) {
          std::memcpy(bytes.data() + 4 * i, &x[i], 4);
        } else {
          const uint16_t h = spec.dtype == Format::kF16 ? F32ToF16(x[i]) : F32ToBF16(x[i]);
          std::memcpy(bytes.data() + 2 * i, &h, 2);
        }
      }
      AIINFRA_CHECK_OK(gguf ? gg->Append(bytes) : st->Append(bytes));
      written += bytes.size();
    }
  }
  AIINFRA_CHECK_OK(gguf ? gg->Commit() : st->Commit());
  return written;
}

}  // namespace aiinfra::quant
