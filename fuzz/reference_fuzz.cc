// Fuzz target for the validation set's parser: ParseReference (perf/reference.h) on the input
// as reference/published.yaml.
//
// Checked: never a crash; every error has a message and the code kInvalidInput; what parses
// keeps the header's promises: row ids are unique, sources are https:// URLs, the published
// figure is finite and > 0, the metric and mode are known ones, the weights name a dtype and the
// KV dtype is one a cache can use, parallel degrees and engine limits are whole numbers >= 1
// whose GPU count (tp x pp) fits an int, and lengths, batches and latency limits are finite
// and >= 0; every row knows its file.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/data.h"
#include "common/result.h"
#include "fuzz_check.h"
#include "model/dtype.h"
#include "perf/deployment.h"
#include "perf/reference.h"
#include "perf/throughput.h"

namespace {

using aiinfra::DataFile;
using aiinfra::ErrorCode;
using aiinfra::perf::ReferenceRow;

constexpr std::string_view kTarget = "reference_fuzz";

struct Checker {
  std::string_view input;

  [[noreturn]] void Finding(const std::string& what) {
    aiinfra::fuzz::Finding(kTarget, what, input);
  }
  void NonNegative(double value, const std::string& what) {
    if (!std::isfinite(value) || value < 0) {
      Finding(what + " = " + std::to_string(value) + " was accepted");
    }
  }
  void NonNegative(const std::optional<double>& value, const std::string& what) {
    if (value) NonNegative(*value, what);
  }
  void Degree(int value, const std::string& what) {
    if (value < 1) Finding(what + " = " + std::to_string(value) + " was accepted");
  }

  void CheckRow(const ReferenceRow& r, const std::string& file) {
    const std::string at = "row \"" + r.id + "\": ";
    if (!r.source.starts_with("https://")) Finding(at + "a source that is not https://");
    if (!std::isfinite(r.published) || !(r.published > 0)) {
      Finding(at + "published = " + std::to_string(r.published) + " was accepted");
    }
    if (r.where.file != file) Finding(at + "the row lost its file");
    const std::string metric = aiinfra::perf::MetricName(r.metric);
    const std::string mode = aiinfra::perf::ModeName(r.mode);
    if (metric == "?" || !aiinfra::perf::ParseMode(mode)) {
      Finding(at + "an unknown metric or mode");
    }

    const aiinfra::perf::Deployment& d = r.deployment_template;
    if (!aiinfra::model::ParseDtype(r.weights)) Finding(at + "weights that name no dtype");
    if (!aiinfra::model::Info(d.kv).kv_capable) Finding(at + "a KV dtype no cache can use");
    (void)d.weights.Describe();
    Degree(d.parallel.tp, at + "tp");
    Degree(d.parallel.pp, at + "pp");
    Degree(d.parallel.ep, at + "ep");
    Degree(d.parallel.dp_attention, at + "dp_attention");
    Degree(d.engine.max_num_seqs, at + "max_num_seqs");
    Degree(d.engine.max_num_batched_tokens, at + "max_batched_tokens");
    // Deployment::gpus() is tp * pp in an int.
    if (static_cast<long long>(d.parallel.tp) * d.parallel.pp > std::numeric_limits<int>::max()) {
      Finding(at + "tp x pp overflows the int of Deployment::gpus()");
    }

    NonNegative(r.workload.isl, at + "isl");
    NonNegative(r.workload.osl, at + "osl");
    NonNegative(r.workload.decode_context, at + "decode_context");
    NonNegative(r.batch, at + "batch");
    NonNegative(r.limits.ttft_max, at + "ttft_max");
    NonNegative(r.limits.tpot_max, at + "tpot_max");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const DataFile file{"reference/published.yaml", "fuzz/reference/published.yaml", text};
  Checker check{text};

  auto rows = aiinfra::perf::ParseReference(file);
  if (!rows) {
    aiinfra::fuzz::CheckError(kTarget, "ParseReference", rows.error(), {ErrorCode::kInvalidInput},
                              text);
    return 0;
  }
  std::set<std::string> ids;
  for (const ReferenceRow& row : *rows) {
    if (!ids.insert(row.id).second) check.Finding("duplicate row id \"" + row.id + "\" accepted");
    check.CheckRow(row, file.display);
  }
  return 0;
}
