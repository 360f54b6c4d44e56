// Fuzz target for the CEL selector compiler and evaluator (dra/cel.h).
//
// The input is a selector expression. It is compiled with ConsumableCapacity off and on; a
// failure must be kInvalidInput with a "CEL compile error at ..." message and a column >= 1.
// What compiles is evaluated against a fixed device (attributes of every kind, a capacity): it
// must give a bool or a kInvalidInput error with a message, never crash, throw or hang (the
// runtime cost limit and the parser's nesting limit bound the work), and evaluating a cheap
// expression again must give the same answer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dra/cel.h"
#include "fuzz_check.h"

namespace {

using aiinfra::ErrorCode;
using aiinfra::dra::AttributeValue;
using aiinfra::dra::CelDevice;
using aiinfra::dra::CelOptions;
using aiinfra::dra::Quantity;

constexpr std::string_view kTarget = "cel_fuzz";

AttributeValue Attr(AttributeValue::Kind kind, int64_t i, bool b, std::string s) {
  AttributeValue v;
  v.kind = kind;
  v.int_value = i;
  v.bool_value = b;
  v.string_value = std::move(s);
  return v;
}

const CelDevice& Device() {
  static const CelDevice device = [] {
    using Kind = AttributeValue::Kind;
    CelDevice d;
    d.driver = "gpu.example.com";
    auto& gpu = d.attributes["gpu.example.com"];
    gpu["model"] = Attr(Kind::kString, 0, false, "H100 80GB HBM3");
    gpu["index"] = Attr(Kind::kInt, 3, false, "");
    gpu["mig"] = Attr(Kind::kBool, 0, true, "");
    gpu["driverVersion"] = Attr(Kind::kVersion, 0, false, "550.54.15-rc.1+build");
    d.attributes["dra.net"]["numa"] = Attr(Kind::kInt, -1, false, "");
    d.attributes["dra.net"]["name"] = Attr(Kind::kString, 0, false, "eth\xff\xfe");
    d.capacity["gpu.example.com"]["memory"] = Quantity::Parse("80Gi").value();
    d.capacity["gpu.example.com"]["cores"] = Quantity::Parse("1500m").value();
    d.allow_multiple_allocations = true;
    return d;
  }();
  return device;
}

void CheckOne(std::string_view input, bool consumable_capacity) {
  CelOptions options;
  options.consumable_capacity = consumable_capacity;
  auto program = aiinfra::dra::CompileSelector(input, options);
  if (!program) {
    aiinfra::fuzz::CheckError(kTarget, "CompileSelector", program.error(),
                              {ErrorCode::kInvalidInput}, input);
    if (program.error().message.rfind("CEL compile error at ", 0) != 0 ||
        program.error().where.column < 1) {
      aiinfra::fuzz::Finding(kTarget, "compile error without a column: " + program.error().message,
                             input);
    }
    return;
  }
  // Evaluation near the cost limit takes a while in a sanitized build: evaluate the
  // ConsumableCapacity variant only where it can differ, and repeat only cheap evaluations.
  if (consumable_capacity && input.find("allowMultipleAllocations") == std::string_view::npos) {
    return;
  }
  uint64_t cost = 0;
  const auto first = program->Evaluate(Device(), &cost);
  if (!first) {
    aiinfra::fuzz::CheckError(kTarget, "Evaluate", first.error(), {ErrorCode::kInvalidInput},
                              input);
  }
  if (cost > 100'000) return;
  const auto second = program->Evaluate(Device());
  const bool same = first.has_value() == second.has_value() &&
                    (first ? *first == *second : first.error().message == second.error().message);
  if (!same) aiinfra::fuzz::Finding(kTarget, "two evaluations disagree", input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckOne(input, false);
  CheckOne(input, true);
  return 0;
}
