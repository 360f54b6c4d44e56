#include "hw/catalog.h"

#include <algorithm>
#include <map>

namespace aiinfra::hw {
namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string FileStem(const std::string& relative) {
  std::string name = relative.substr(relative.find_last_of('/') + 1);
  return name.substr(0, name.find_last_of('.'));
}

// Checks the id against the file name, so `hw show NAME` and the file a user edits agree.
template <typename T>
Status CheckIdMatchesFile(const T& item, const DataFile& file, const YamlNode& doc) {
  if (item.id == FileStem(file.relative)) return {};
  Error err = doc.Err("id \"" + item.id + "\" differs from the file name \"" +
                      FileStem(file.relative) + "\"; rename one of them");
  err.where.field = "id";
  err.where.line = 0;
  if (doc.node["id"]) err.where.line = doc.node["id"].Mark().line + 1;
  return Fail(std::move(err));
}

}  // namespace

std::string UnknownNameMessage(std::string_view kind, std::string_view id,
                               const std::vector<std::string>& known,
                               std::string_view list_command) {
  std::string msg = "unknown " + std::string(kind) + " \"" + std::string(id) + "\"";
  auto close = ClosestNames(id, known);
  if (!close.empty()) {
    msg += "; did you mean ";
    for (std::size_t i = 0; i < close.size(); ++i) {
      msg += (i ? ", " : "") + close[i];
    }
    msg += "?";
  }
  msg += " (`" + std::string(list_command) + "` shows all)";
  return msg;
}

std::vector<std::string> ClosestNames(std::string_view wanted,
                                      const std::vector<std::string>& known, std::size_t max) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& k : known) {
    std::size_t d = EditDistance(wanted, k);
    // A substring match ("h100" in "hgx-h100") is as good as a near miss.
    if (k.find(wanted) != std::string::npos) d = std::min<std::size_t>(d, 1);
    if (d <= std::max<std::size_t>(3, wanted.size() / 2)) scored.emplace_back(d, k);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
  return out;
}

Result<Catalog> Catalog::FromFiles(const std::vector<DataFile>& accelerator_files,
                                   const std::vector<DataFile>& system_files) {
  Catalog catalog;
  for (const DataFile& file : accelerator_files) {
    AIINFRA_TRY(YamlNode doc, ParseYaml(file.contents, file.display));
    AIINFRA_TRY(Accelerator acc, ParseAccelerator(doc));
    AIINFRA_CHECK_OK(CheckIdMatchesFile(acc, file, doc));
    catalog.accelerators_.push_back(std::move(acc));
  }
  std::map<std::string, const Accelerator*> by_id;
  for (const Accelerator& acc : catalog.accelerators_) by_id[acc.id] = &acc;

  for (const DataFile& file : system_files) {
    AIINFRA_TRY(YamlNode doc, ParseYaml(file.contents, file.display));
    AIINFRA_TRY(System sys, ParseSystem(doc));
    AIINFRA_CHECK_OK(CheckIdMatchesFile(sys, file, doc));
    auto it = by_id.find(sys.accelerator_id);
    if (it == by_id.end()) {
      std::vector<std::string> known;
      for (const auto& [id, _] : by_id) known.push_back(id);
      Error err = YamlNode{doc.node["accelerator"], file.display, "accelerator"}.Err(
          UnknownNameMessage("accelerator", sys.accelerator_id, known));
      return Fail(std::move(err));
    }
    sys.accelerator = *it->second;
    catalog.systems_.push_back(std::move(sys));
  }
  return catalog;
}

Result<Catalog> Catalog::Load(const DataSource& data) {
  AIINFRA_TRY(auto accelerators, data.List("hardware/accelerators"));
  AIINFRA_TRY(auto systems, data.List("hardware/systems"));
  return FromFiles(accelerators, systems);
}

Result<const Accelerator*> Catalog::FindAccelerator(std::string_view id) const {
  std::vector<std::string> known;
  for (const Accelerator& acc : accelerators_) {
    if (acc.id == id) return &acc;
    known.push_back(acc.id);
  }
  return Fail(ErrorCode::kNotFound, UnknownNameMessage("accelerator", id, known));
}

Result<const System*> Catalog::FindSystem(std::string_view id) const {
  std::vector<std::string> known;
  for (const System& sys : systems_) {
    if (sys.id == id) return &sys;
    known.push_back(sys.id);
  }
  return Fail(ErrorCode::kNotFound, UnknownNameMessage("system", id, known));
}

}  // namespace aiinfra::hw
