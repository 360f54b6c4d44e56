// Checks of model/footprint.h over an Architecture a parser accepted, shared by model_yaml_fuzz
// and hf_config_fuzz: a parsed architecture is a valid one (Validate passes), and every number
// the footprint functions derive from it is finite and non-negative, with the orderings their
// definitions imply (active <= total, KV cache growing with the context and bounded by the
// uncapped rate, decode >= its linear part, distinct experts between top_k and experts).
//
// Differences of sums (an active count is a total less some classes) may round a hair below
// zero; those comparisons allow a relative slack of kSlack, the rest are exact.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "model/architecture.h"
#include "model/dtype.h"
#include "model/footprint.h"

namespace aiinfra::fuzz {

struct FootprintChecker {
  static constexpr double kSlack = 1e-9;

  std::string_view target;
  std::string_view input;

  [[noreturn]] void Finding(const std::string& what) const {
    aiinfra::fuzz::Finding(target, what, input);
  }
  // Finite and >= 0; returns the value.
  double NonNegative(double value, const std::string& what) const {
    if (!std::isfinite(value) || value < 0) {
      Finding(what + " = " + std::to_string(value) + ": not a finite number >= 0");
    }
    return value;
  }
  // `low` <= `high` up to the slack (both finite and >= 0 already).
  void AtMost(double low, double high, const std::string& what) const {
    if (low > high + kSlack * std::max(1.0, high)) {
      Finding(what + ": " + std::to_string(low) + " > " + std::to_string(high));
    }
  }

  void Check(const model::Architecture& arch) const {
    if (auto valid = model::Validate(arch); !valid) {
      Finding("an architecture that fails Validate was accepted: " + valid.error().message);
    }

    const model::ParameterCounts params = model::CountParameters(arch);
    for (int i = 0; i < model::kTensorClasses; ++i) {
      NonNegative(params.by_class[i],
                  std::string("parameters of ") +
                      model::TensorClassName(static_cast<model::TensorClass>(i)));
    }
    NonNegative(params.total, "total parameters");
    NonNegative(params.active, "active parameters");
    if (params.active > params.total) Finding("more active parameters than parameters");
    if (params.total <= 0) Finding("a model without parameters");

    const double context = arch.max_context;
    const double contexts[] = {1, std::min(4096.0, context), context};
    for (model::Dtype dtype : model::AllDtypes()) {
      const std::string name = model::DtypeName(dtype);
      const model::WeightBytes w =
          model::ComputeWeightBytes(arch, model::WeightPlan::Default(dtype));
      for (int i = 0; i < model::kTensorClasses; ++i) {
        NonNegative(w.by_class[i], name + " weight bytes of " +
                                       model::TensorClassName(static_cast<model::TensorClass>(i)));
      }
      NonNegative(w.total, name + " weight bytes");
      const double active = w.active;
      if (!std::isfinite(active) || active < -kSlack * w.total) {
        Finding(name + " active weight bytes = " + std::to_string(active));
      }
      if (active > w.total) Finding(name + ": more active weight bytes than weight bytes");

      const double per_token = NonNegative(model::KvBytesPerToken(arch, dtype), name + " KV/token");
      double previous = 0;
      for (double c : contexts) {
        const double kv = NonNegative(model::KvBytesForContext(arch, dtype, c),
                                      name + " KV bytes at context " + std::to_string(c));
        if (kv < previous) Finding(name + ": KV cache shrinks as the context grows");
        AtMost(kv, c * per_token, name + " KV bytes above context x uncapped bytes per token");
        previous = kv;
      }
    }

    const double linear = NonNegative(model::LinearFlopsPerToken(arch), "linear FLOPs per token");
    for (double c : contexts) {
      const double decode =
          NonNegative(model::DecodeFlops(arch, c), "decode FLOPs at " + std::to_string(c));
      if (decode < linear) Finding("decode FLOPs below their linear part");
      const double prefill =
          NonNegative(model::PrefillFlops(arch, c, 0), "prefill FLOPs of " + std::to_string(c));
      AtMost(c * linear, prefill, "prefill FLOPs below their linear part");
      NonNegative(model::PrefillFlops(arch, 128, c),
                  "prefill FLOPs of 128 after " + std::to_string(c));
    }

    const int experts = arch.moe ? arch.moe->experts : 0;
    const int top_k = arch.moe ? arch.moe->top_k : 0;
    double previous = 0;
    for (double tokens : {0.0, 1.0, 64.0, 4096.0, 1e9}) {
      const double distinct =
          NonNegative(model::ExpectedDistinctExperts(experts, top_k, tokens),
                      "expected distinct experts for " + std::to_string(tokens) + " tokens");
      AtMost(distinct, experts, "more distinct experts than experts");
      AtMost(distinct, tokens * top_k, "more distinct experts than routed picks");
      AtMost(previous, distinct, "fewer distinct experts for more tokens");
      previous = distinct;
    }
  }
};

}  // namespace aiinfra::fuzz
