// The small part of RFC 4180 CSV that request traces use: one record per line, fields separated
// by commas, optionally quoted with "..." ("" inside quotes is a quote), a trailing \r ignored.
// Quoted fields with line breaks inside are not supported (no trace has them).
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aiinfra::workload {

// Splits one line into `fields` (cleared first). Error (kInvalidInput, no location: the caller
// knows the file and line) on an unterminated quote or text after a closing quote.
Status SplitCsvLine(std::string_view line, std::vector<std::string>& fields);

// The index of the header field equal to `name`, ignoring ASCII case and surrounding spaces;
// -1 if none.
int FindColumn(const std::vector<std::string>& header, std::string_view name);

// Every value of the column `column` of the CSV file at `path` (first line: the header), as
// numbers. Errors name file:line and the column: missing file (kNotFound), missing column,
// malformed or negative number, a number above `max_value`.
Result<std::vector<double>> ReadCsvColumn(
    const std::string& path, const std::string& column,
    double max_value = std::numeric_limits<double>::infinity());

}  // namespace aiinfra::workload
