// Figure: a catalog number with its provenance. Every figure in data/ says where it comes from
// (a source URL) or how it was estimated (the reasoning), so `aiinfra hw show` can print both.
#pragma once

#include <string>

#include "common/result.h"
#include "common/yaml.h"

namespace aiinfra::hw {

// What a figure measures; selects the unit parser and the printer.
enum class Quantity { kBytes, kRate, kFlops, kPower, kDuration, kCount };

struct Figure {
  double value = 0;       // SI base units (bytes, bytes/s, FLOP/s, W, s) or a count
  std::string text;       // the value as the catalog writes it ("80GiB", "900GB/s")
  std::string source;     // one or more URLs separated by " ; " (empty when estimated)
  std::string estimated;  // reasoning, when there is no primary source
  std::string note;
  Location where;  // file:line of the figure, for later validation errors

  bool is_estimated() const { return !estimated.empty(); }
};

// Reads `{value: 80GB, source: URL}` (or `estimated:`; optional `note:`). The value must parse as
// `kind`, be finite and >= 0, and exactly one of source/estimated must be present and non-empty.
// Errors are located at the offending field.
Result<Figure> ReadFigure(const YamlNode& node, Quantity kind);

// A figure that must be > 0 (counts, capacities, rates).
Result<Figure> ReadPositiveFigure(const YamlNode& node, Quantity kind);

// The value as the catalog writes it, so "80GiB" stays "80GiB" and "186GB" stays "186GB"; a
// figure made in code (no text) prints in human units ("450GB/s", "989.4TFLOPS", "700W").
std::string FormatFigure(const Figure& figure, Quantity kind);

}  // namespace aiinfra::hw
