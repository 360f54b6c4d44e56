// The `quant` command group: weight files inspected, converted between formats, and the error
// of each format measured (src/quant).
#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "cli/app.h"
#include "common/table.h"
#include "common/units.h"
#include "quant/convert.h"
#include "quant/report.h"
#include "quant/synth.h"
#include "quant/weights.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;
using quant::Format;

std::string Shape(const std::vector<int64_t>& shape) {
  if (shape.empty()) return "[]";
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::string Bytes(uint64_t b) { return FormatBytes(static_cast<double>(b), ByteBase::kIEC); }

// A figure that may be infinite (SNR of an exact copy) as JSON: null for inf.
Json Finite(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }
std::string Db(double v) { return std::isfinite(v) ? fmt::format("{:.2f}", v) : "exact"; }

Json StatsJson(const quant::ErrorStats& s) {
  return {{"rmse", s.rmse()},
          {"snr_db", Finite(s.snr_db())},
          {"max_abs_error", s.max_abs_err},
          {"cosine", s.cosine()},
          {"outlier_share", s.outlier_share()},
          {"nonfinite", s.nonfinite}};
}

// The options convert and compare share (compare's --to is a list: it reads it itself).
Result<quant::ConvertOptions> ConvertOptionsOf(const Invocation& inv, bool single_to) {
  quant::ConvertOptions o;
  if (single_to) {
    AIINFRA_TRY(o.to, quant::ParseFormat(inv.Get("to")));
  }
  for (const std::string& rule : inv.GetAll("keep")) {
    AIINFRA_TRY(quant::KeepRule r, quant::ParseKeepRule(rule));
    o.keep.push_back(std::move(r));
  }
  o.default_keep = !inv.Has("no-default-keep");
  if (inv.Has("group") || inv.Has("asym")) {
    int group = -1;  // the format's default
    if (inv.Has("group")) {
      AIINFRA_TRY(group, inv.GetInt("group"));
      if (group < 0) return Fail(ErrorCode::kUsage, "--group must be >= 0 (0: per channel)");
    }
    o.int_spec = quant::IntSpec{.group = group, .asymmetric = inv.Has("asym")};
  }
  return o;
}

std::vector<OptionSpec> KeepOptions() {
  return {
      {.name = "keep",
       .value_name = "REGEX=FORMAT",
       .help = "tensors whose name matches REGEX get FORMAT (first match wins)",
       .repeated = true},
      {.name = "no-default-keep",
       .help = "quantize embeddings, LM head, router gates, norms and biases too",
       .flag = true},
      {.name = "group",
       .value_name = "N",
       .help = "int8/int4: elements per scale along a row (0 = per channel; default: per "
               "channel for int8, 128 for int4)"},
      {.name = "asym", .help = "int8/int4: asymmetric (a zero point per group)", .flag = true},
  };
}

Result<Output> Inspect(Invocation& inv) {
  AIINFRA_TRY(quant::WeightFile f, quant::WeightFile::Open(inv.Get("file")));
  Json tensors = Json::array();
  TextTable table({"tensor", "stored", "shape", "elements", "size", "bits/weight"});
  uint64_t bytes = 0;
  int64_t elements = 0;
  std::map<std::string, std::pair<int64_t, uint64_t>> by_type;
  for (const quant::WeightTensor& t : f.tensors()) {
    const double bpw =
        t.elements ? 8.0 * static_cast<double>(t.bytes) / static_cast<double>(t.elements) : 0;
    tensors.push_back({{"name", t.name},
                       {"stored", t.stored},
                       {"shape", t.shape},
                       {"elements", t.elements},
                       {"bytes", t.bytes},
                       {"bits_per_weight", bpw},
                       {"decodes", t.decodable()}});
    table.AddRow({t.name, t.stored, Shape(t.shape), FormatCount(static_cast<double>(t.elements)),
                  Bytes(t.bytes), fmt::format("{:.4g}", bpw)});
    bytes += t.bytes;
    elements += t.elements;
    by_type[t.stored].first += t.elements;
    by_type[t.stored].second += t.bytes;
  }
  Json types = Json::array();
  for (const auto& [type, v] : by_type) {
    types.push_back({{"stored", type}, {"elements", v.first}, {"bytes", v.second}});
  }
  const double bpw =
      elements ? 8.0 * static_cast<double>(bytes) / static_cast<double>(elements) : 0;
  Output out;
  out.data = {{"file", f.path()},
              {"container", f.container() == quant::Container::kGguf ? "gguf" : "safetensors"},
              {"tensors", tensors},
              {"by_type", types},
              {"total",
               {{"tensors", f.tensors().size()},
                {"elements", elements},
                {"bytes", bytes},
                {"bits_per_weight", bpw}}}};
  const std::string header = fmt::format(
      "{} ({}): {} tensors, {} weights, {} of tensor data, {:.4g} bits per weight\n", f.path(),
      f.container() == quant::Container::kGguf ? "GGUF" : "safetensors", f.tensors().size(),
      FormatCount(static_cast<double>(elements)), Bytes(bytes), bpw);
  out.table = [header, table](std::ostream& os) {
    os << header;
    table.Print(os);
  };
  return out;
}

Result<Output> Convert(Invocation& inv) {
  AIINFRA_TRY(quant::ConvertOptions o, ConvertOptionsOf(inv, true));
  o.arch = inv.Get("arch");
  const std::string in = inv.Get("in"), out_path = inv.Get("out");
  if (in == out_path) {
    return Fail(ErrorCode::kUsage, "the output must be another file than the input");
  }
  Result<quant::ConvertResult> r = inv.Has("dry-run") ? quant::PlanConversion(in, out_path, o)
                                                      : quant::Convert(inv.env, in, out_path, o);
  if (!r) return Fail(r.error());
  for (const std::string& w : r->warnings) inv.err << "warning: " << w << "\n";
  Json tensors = Json::array();
  TextTable table({"tensor", "shape", "from", "to", "why", "size in", "size out"});
  for (const quant::TensorPlan& t : r->tensors) {
    tensors.push_back({{"name", t.name},
                       {"shape", t.shape},
                       {"from", t.from},
                       {"to", t.to},
                       {"why", t.why},
                       {"bytes_in", t.bytes_in},
                       {"bytes_out", t.bytes_out},
                       {"nan", t.nan},
                       {"inf", t.inf}});
    table.AddRow(
        {t.name, Shape(t.shape), t.from, t.to, t.why, Bytes(t.bytes_in), Bytes(t.bytes_out)});
  }
  Output out;
  out.data = {{"in", in},
              {"out", out_path},
              {"written", !inv.Has("dry-run")},
              {"container", r->container == quant::Container::kGguf ? "gguf" : "safetensors"},
              {"to", quant::FormatName(o.to)},
              {"tensors", tensors},
              {"bytes_in", r->bytes_in},
              {"bytes_out", r->bytes_out},
              {"warnings", r->warnings}};
  const std::string summary = fmt::format(
      "{} {} -> {}: {} -> {} of tensor data ({:.1f}%)\n",
      inv.Has("dry-run") ? "would write" : "wrote", in, out_path, Bytes(r->bytes_in),
      Bytes(r->bytes_out),
      r->bytes_in ? 100.0 * static_cast<double>(r->bytes_out) / static_cast<double>(r->bytes_in)
                  : 0);
  out.table = [summary, table](std::ostream& os) {
    table.Print(os);
    os << summary;
  };
  return out;
}

Result<Output> ReportCommand(Invocation& inv) {
  AIINFRA_TRY(quant::QuantReport r, quant::Report(inv.Get("in"), inv.Get("out")));
  Json tensors = Json::array();
  TextTable table(
      {"tensor", "format", "bits/weight", "RMSE", "SNR dB", "max abs err", "cosine", "outliers"});
  for (const quant::TensorReport& t : r.tensors) {
    Json j = {{"name", t.name},
              {"shape", t.shape},
              {"from", t.from},
              {"format", t.format},
              {"bytes_in", t.bytes_in},
              {"bytes_out", t.bytes_out},
              {"bits_per_weight", t.bits_per_weight}};
    j.update(StatsJson(t.stats));
    tensors.push_back(std::move(j));
    table.AddRow({t.name, t.format, fmt::format("{:.4g}", t.bits_per_weight),
                  fmt::format("{:.3g}", t.stats.rmse()), Db(t.stats.snr_db()),
                  fmt::format("{:.3g}", t.stats.max_abs_err),
                  fmt::format("{:.6f}", t.stats.cosine()),
                  fmt::format("{:.3f}%", 100 * t.stats.outlier_share())});
  }
  Json formats = Json::array();
  TextTable summary(
      {"format", "tensors", "weights", "size", "bits/weight", "RMSE", "SNR dB", "cosine"});
  auto add = [&](const quant::FormatSummary& s) {
    Json j = {{"format", s.format},
              {"tensors", s.tensors},
              {"elements", s.elements},
              {"bytes", s.bytes},
              {"bits_per_weight", s.bits_per_weight()}};
    j.update(StatsJson(s.stats));
    summary.AddRow({s.format, std::to_string(s.tensors),
                    FormatCount(static_cast<double>(s.elements)), Bytes(s.bytes),
                    fmt::format("{:.4g}", s.bits_per_weight()),
                    fmt::format("{:.3g}", s.stats.rmse()), Db(s.stats.snr_db()),
                    fmt::format("{:.6f}", s.stats.cosine())});
    return j;
  };
  for (const quant::FormatSummary& s : r.formats) formats.push_back(add(s));
  Json total = add(r.total);
  Output out;
  out.data = {{"in", inv.Get("in")},      {"out", inv.Get("out")}, {"tensors", tensors},
              {"formats", formats},       {"total", total},        {"bytes_in", r.bytes_in},
              {"bytes_out", r.bytes_out}, {"skipped", r.skipped}};
  const size_t skipped = r.skipped.size();
  out.table = [table, summary, skipped](std::ostream& os) {
    table.Print(os);
    os << "\nBy format (sums over the tensors: larger tensors weigh more)\n";
    summary.Print(os);
    if (skipped) os << skipped << " tensor(s) not compared (see -o json: skipped)\n";
  };
  return out;
}

Result<Output> CompareCommand(Invocation& inv) {
  AIINFRA_TRY(quant::ConvertOptions o, ConvertOptionsOf(inv, false));
  std::vector<Format> formats;
  std::stringstream list(inv.Get("to"));
  for (std::string name; std::getline(list, name, ',');) {
    if (name.empty()) continue;
    AIINFRA_TRY(Format f, quant::ParseFormat(name));
    formats.push_back(f);
  }
  if (formats.empty()) return Fail(ErrorCode::kUsage, "--to needs at least one format");
  AIINFRA_TRY(std::vector<quant::CompareRow> rows, quant::Compare(inv.Get("file"), formats, o));
  Json list_json = Json::array();
  TextTable table({"rank", "format", "size", "bits/weight", "quantized tensors", "RMSE", "SNR dB",
                   "max abs err", "cosine"});
  int rank = 0;
  for (const quant::CompareRow& r : rows) {
    Json j = {{"rank", ++rank},
              {"format", quant::FormatName(r.format)},
              {"bytes", r.bytes},
              {"bits_per_weight", r.bits_per_weight},
              {"format_bits_per_weight", quant::BitsPerWeight(r.format)},
              {"quantized_tensors", r.quantized_tensors}};
    j.update(StatsJson(r.stats));
    list_json.push_back(std::move(j));
    table.AddRow({std::to_string(rank), quant::FormatName(r.format), Bytes(r.bytes),
                  fmt::format("{:.4g}", r.bits_per_weight), std::to_string(r.quantized_tensors),
                  fmt::format("{:.3g}", r.stats.rmse()), Db(r.stats.snr_db()),
                  fmt::format("{:.3g}", r.stats.max_abs_err),
                  fmt::format("{:.6f}", r.stats.cosine())});
  }
  Output out;
  out.data = {{"file", inv.Get("file")}, {"formats", list_json}};
  out.table = [table](std::ostream& os) {
    os << "Ranked by SNR over the quantized tensors (highest first); size is the whole file's "
          "tensor data with kept tensors in bf16\n";
    table.Print(os);
  };
  return out;
}

Result<Output> Generate(Invocation& inv) {
  quant::SynthSpec s;
  AIINFRA_TRY(int hidden, inv.GetInt("hidden"));
  AIINFRA_TRY(int intermediate, inv.GetInt("intermediate"));
  AIINFRA_TRY(int vocab, inv.GetInt("vocab"));
  AIINFRA_TRY(int layers, inv.GetInt("layers"));
  AIINFRA_TRY(int seed, inv.GetInt("seed"));
  s.hidden = hidden;
  s.intermediate = intermediate;
  s.vocab = vocab;
  s.layers = layers;
  s.seed = static_cast<uint64_t>(seed);
  AIINFRA_TRY(s.dtype, quant::ParseFormat(inv.Get("dtype")));
  if (inv.Has("size")) {
    AIINFRA_TRY(double bytes, ParseBytes(inv.Get("size")));
    if (!(bytes > 0)) return Fail(ErrorCode::kUsage, "--size must be positive");
    s.layers = quant::LayersForBytes(s, static_cast<uint64_t>(bytes));
  }
  AIINFRA_TRY(uint64_t written, quant::WriteSyntheticModel(inv.env, inv.Get("out"), s));
  Output out;
  out.data = {{"out", inv.Get("out")}, {"layers", s.layers},
              {"hidden", s.hidden},    {"intermediate", s.intermediate},
              {"vocab", s.vocab},      {"dtype", quant::FormatName(s.dtype)},
              {"bytes", written}};
  const std::string line =
      fmt::format("wrote {}: {} layers, hidden {}, {} of {} tensors\n", inv.Get("out"), s.layers,
                  s.hidden, Bytes(written), quant::FormatName(s.dtype));
  out.table = [line](std::ostream& os) { os << line; };
  return out;
}

}  // namespace

void RegisterQuantCommands(CommandTable& table) {
  table.AddGroup({"quant"}, "Weight files: inspect, convert between formats, measure the error",
                 "Reads safetensors and GGUF files tensor by tensor from a memory map, so files "
                 "of any size take a few MiB. Formats (--to): f32, f16, bf16, q8_0, q4_0, q4_1, "
                 "q5_0, q4_k, q6_k (GGUF), fp8_e4m3, fp8_e5m2, int8, int4 (safetensors), mxfp4, "
                 "nvfp4 (both). Bits per weight come from the same table as `model show`.");
  table.Add({
      .path = {"quant", "inspect"},
      .summary = "List a weight file's tensors: dtypes, shapes, sizes, bits per weight",
      .description = "Safetensors or GGUF (by content). Quantized tensors this tool wrote are "
                     "shown with their format, their scale tensors folded in.",
      .positionals = {{.name = "file", .help = "a .safetensors or .gguf file"}},
      .examples = {"aiinfra quant inspect model.safetensors",
                   "aiinfra quant inspect model-q4_k.gguf -o json"},
      .handler = Inspect,
  });
  std::vector<OptionSpec> convert_options = {
      {.name = "to",
       .value_name = "FORMAT",
       .help = "the format of the quantized tensors",
       .required = true},
      {.name = "arch",
       .value_name = "NAME",
       .help = "GGUF general.architecture when the input is not GGUF (default: unknown)"},
      {.name = "dry-run", .help = "print the plan without writing", .flag = true},
  };
  for (OptionSpec& o : KeepOptions()) convert_options.push_back(std::move(o));
  table.Add({
      .path = {"quant", "convert"},
      .summary = "Rewrite a weight file in another format",
      .description =
          "GGUF out when OUT ends in .gguf, else safetensors; tensor names are kept. Embeddings, "
          "the LM head, MoE router gates, norms and biases stay in high precision unless "
          "--no-default-keep; --keep REGEX=FORMAT rules come first. Rows that do not divide into "
          "the format's blocks fall back to bf16 with a warning. NaN or Inf in a tensor fails "
          "the formats that cannot hold them, naming the tensor. The output appears only when "
          "complete.",
      .options = convert_options,
      .positionals = {{.name = "in", .help = "input file"}, {.name = "out", .help = "output file"}},
      .examples = {"aiinfra quant convert model.safetensors model-q4_k.gguf --to q4_k",
                   "aiinfra quant convert model.safetensors model-fp8.safetensors --to fp8_e4m3",
                   "aiinfra quant convert model.safetensors model-int4.safetensors --to int4 "
                   "--group 128 --keep 'down_proj=int8'"},
      .handler = Convert,
  });
  table.Add({
      .path = {"quant", "report"},
      .summary = "Per-tensor error of a converted file against its original",
      .description = "RMSE, SNR in dB, max abs error, cosine similarity and the share of "
                     "outliers (beyond 6 standard deviations) per tensor, and a summary per "
                     "format.",
      .positionals = {{.name = "in", .help = "the original file"},
                      {.name = "out", .help = "the converted file"}},
      .examples = {"aiinfra quant report model.safetensors model-q4_k.gguf"},
      .handler = ReportCommand,
  });
  std::vector<OptionSpec> compare_options = {
      {.name = "to",
       .value_name = "F1,F2,...",
       .help = "formats to compare",
       .default_value = "bf16,fp8_e4m3,int8,q8_0,q6_k,q5_0,q4_k,q4_1,q4_0,nvfp4,mxfp4,int4"},
  };
  for (OptionSpec& o : KeepOptions()) compare_options.push_back(std::move(o));
  table.Add({
      .path = {"quant", "compare"},
      .summary = "Rank formats on one file by error and size",
      .description = "Quantizes the file in memory in each format (nothing is written) and "
                     "ranks them by SNR over the quantized tensors, with the size of the whole "
                     "file in each.",
      .options = compare_options,
      .positionals = {{.name = "file", .help = "a .safetensors or .gguf file"}},
      .examples = {"aiinfra quant compare model.safetensors",
                   "aiinfra quant compare model.safetensors --to q4_k,nvfp4,mxfp4,int4"},
      .handler = CompareCommand,
  });
  table.Add({
      .path = {"quant", "generate"},
      .summary = "Write a synthetic model file to try the other commands on",
      .description = "Llama-style tensor names and shapes; Gaussian attention weights, "
                     "heavy-tailed MLP weights, a few outlier channels in down_proj, norms near "
                     "1; fixed by --seed. --size picks the number of layers.",
      .options =
          {
              {.name = "size",
               .value_name = "BYTES",
               .help = "about this much tensor data, e.g. 2GiB (sets --layers)"},
              {.name = "layers", .value_name = "N", .help = "decoder layers", .default_value = "2"},
              {.name = "hidden", .value_name = "N", .help = "hidden size", .default_value = "256"},
              {.name = "intermediate",
               .value_name = "N",
               .help = "MLP size",
               .default_value = "768"},
              {.name = "vocab", .value_name = "N", .help = "vocabulary", .default_value = "1024"},
              {.name = "dtype",
               .value_name = "DTYPE",
               .help = "f32, f16 or bf16",
               .default_value = "bf16",
               .choices = {"f32", "f16", "bf16"}},
              {.name = "seed", .value_name = "N", .help = "random seed", .default_value = "1"},
          },
      .positionals = {{.name = "out", .help = "output file (.safetensors or .gguf)"}},
      .examples = {"aiinfra quant generate tiny.safetensors",
                   "aiinfra quant generate big.safetensors --size 2GiB --hidden 2048 "
                   "--intermediate 5632 --vocab 32000"},
      .handler = Generate,
  });
}

}  // namespace aiinfra::cli
