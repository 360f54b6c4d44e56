#include "hw/figure.h"

#include <cmath>

#include "common/units.h"

namespace aiinfra::hw {
namespace {

Result<double> ParseAs(const std::string& text, Quantity kind) {
  switch (kind) {
    case Quantity::kBytes:
      return ParseBytes(text);
    case Quantity::kRate:
      return ParseRate(text);
    case Quantity::kFlops:
      return ParseFlops(text);
    case Quantity::kPower:
      return ParsePower(text);
    case Quantity::kDuration:
      return ParseDuration(text);
    case Quantity::kCount:
      return ParseNumber(text);
  }
  return Fail(ErrorCode::kInternal, "unknown quantity kind");
}

}  // namespace

Result<Figure> ReadFigure(const YamlNode& node, Quantity kind) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  Figure figure;
  AIINFRA_TRY(YamlNode value_node, map.Required("value"));
  AIINFRA_TRY(std::string text, value_node.Scalar());
  auto value = ParseAs(text, kind);
  if (!value) return Fail(value_node.Err(value.error().message));
  if (!std::isfinite(*value) || *value < 0) {
    return Fail(value_node.Err("value must be a finite, non-negative quantity"));
  }
  figure.value = *value;
  figure.text = text;
  figure.where = value_node.Where();
  figure.source = map.OptionalString("source");
  figure.estimated = map.OptionalString("estimated");
  figure.note = map.OptionalString("note");
  if (figure.source.empty() == figure.estimated.empty()) {
    return Fail(node.Err(figure.source.empty()
                             ? "a figure needs `source:` (a URL) or `estimated:` (the reasoning)"
                             : "a figure has either `source:` or `estimated:`, not both"));
  }
  AIINFRA_CHECK_OK(map.Finish());
  return figure;
}

Result<Figure> ReadPositiveFigure(const YamlNode& node, Quantity kind) {
  AIINFRA_TRY(Figure figure, ReadFigure(node, kind));
  if (figure.value <= 0) {
    Error err = node.Err("value must be greater than zero");
    err.where = figure.where;
    err.where.field = node.path + ".value";
    return Fail(std::move(err));
  }
  return figure;
}

std::string FormatFigure(const Figure& figure, Quantity kind) {
  if (!figure.text.empty()) return figure.text;
  switch (kind) {
    case Quantity::kBytes:
      return FormatBytes(figure.value);
    case Quantity::kRate:
      return FormatRate(figure.value);
    case Quantity::kFlops:
      return FormatFlops(figure.value);
    case Quantity::kPower:
      return FormatPower(figure.value);
    case Quantity::kDuration:
      return FormatDuration(figure.value);
    case Quantity::kCount:
      return FormatCount(figure.value);
  }
  return "?";
}

}  // namespace aiinfra::hw
