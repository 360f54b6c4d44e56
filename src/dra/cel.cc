#include "dra/cel.h"

#include <fmt/format.h>

#include "dra/cel_check.h"
#include "dra/cel_eval.h"
#include "dra/cel_lexer.h"
#include "dra/cel_parser.h"
#include "dra/cel_value.h"

namespace aiinfra::dra {

Result<CelProgram> CompileSelector(std::string_view expression, const CelOptions& options) {
  if (expression.size() > kCelMaxExpressionLength) {
    return Fail(cel::CompileError(1, static_cast<int>(kCelMaxExpressionLength) + 1,
                                  fmt::format("expression too long ({} characters, maximum {})",
                                              expression.size(), kCelMaxExpressionLength)));
  }
  AIINFRA_TRY(cel::ExprPtr root, cel::Parse(expression));
  cel::CheckOptions check;
  check.allow_multiple_allocations_field = options.consumable_capacity;
  uint64_t estimate = 0;
  AIINFRA_CHECK_OK(cel::Check(*root, check, &estimate));
  if (root->type.kind != cel::Type::kBool && root->type.kind != cel::Type::kDyn) {
    return Fail(
        cel::CompileError(1, 1, fmt::format("must evaluate to bool, not {}", root->type.Name())));
  }
  CelProgram program;
  program.expression_ = std::string(expression);
  program.root_ = std::shared_ptr<const cel::Expr>(std::move(root));
  program.options_ = options;
  program.estimated_cost_ = estimate;
  return program;
}

namespace {

// Upstream converts every attribute before evaluating (DeviceMatches), so a bad attribute is
// an error whether or not the expression reads it.
Result<cel::Value> DeviceValue(const CelDevice& device, const CelOptions& options) {
  using cel::Value;
  cel::MapData attributes;
  attributes.missing_is_empty_map = true;
  for (const auto& [domain, ids] : device.attributes) {
    cel::MapData values;
    for (const auto& [id, attr] : ids) {
      Value v;
      switch (attr.kind) {
        case AttributeValue::Kind::kInt:
          v = Value::Int(attr.int_value);
          break;
        case AttributeValue::Kind::kBool:
          v = Value::Bool(attr.bool_value);
          break;
        case AttributeValue::Kind::kString:
          v = Value::String(attr.string_value);
          break;
        case AttributeValue::Kind::kVersion: {
          Result<Semver> parsed = Semver::Parse(attr.string_value);
          if (!parsed) {
            return cel::RuntimeError(fmt::format("attribute {}/{}: parse semantic version: {}",
                                                 domain, id, parsed.error().message));
          }
          v = Value::Of(std::move(*parsed));
          break;
        }
        case AttributeValue::Kind::kUnset:
          return cel::RuntimeError(
              fmt::format("attribute {}/{}: unsupported attribute value", domain, id));
      }
      values.entries.emplace_back(Value::String(id), std::move(v));
    }
    attributes.entries.emplace_back(Value::String(domain), Value::MapOf(std::move(values)));
  }
  cel::MapData capacity;
  capacity.missing_is_empty_map = true;
  for (const auto& [domain, ids] : device.capacity) {
    cel::MapData values;
    for (const auto& [id, q] : ids) values.entries.emplace_back(Value::String(id), Value::Of(q));
    capacity.entries.emplace_back(Value::String(domain), Value::MapOf(std::move(values)));
  }
  cel::MapData fields;
  fields.entries.emplace_back(Value::String("driver"), Value::String(device.driver));
  fields.entries.emplace_back(Value::String("attributes"), Value::MapOf(std::move(attributes)));
  fields.entries.emplace_back(Value::String("capacity"), Value::MapOf(std::move(capacity)));
  if (options.consumable_capacity) {
    fields.entries.emplace_back(Value::String("allowMultipleAllocations"),
                                Value::Bool(device.allow_multiple_allocations));
  }
  return Value::MapOf(std::move(fields));
}

}  // namespace

Result<bool> CelProgram::Evaluate(const CelDevice& device) const {
  uint64_t cost = 0;
  return Evaluate(device, &cost);
}

Result<bool> CelProgram::Evaluate(const CelDevice& device, uint64_t* actual_cost) const {
  *actual_cost = 0;
  if (root_ == nullptr) return Fail(ErrorCode::kInvalidInput, "CEL program not compiled");
  AIINFRA_TRY(cel::Value dev, DeviceValue(device, options_));
  cel::Context ctx(options_.cost_limit);
  Result<cel::Value> result = cel::Evaluate(*root_, dev, ctx);
  *actual_cost = ctx.cost();
  if (!result) return std::unexpected<Error>(std::move(result).error());
  if (result->kind != cel::Type::kBool) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("CEL result of type {} could not be converted to bool",
                            cel::KindName(result->kind)));
  }
  return result->b;
}

}  // namespace aiinfra::dra
