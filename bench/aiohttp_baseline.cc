#include "aiohttp_baseline.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>

namespace aiinfra::bench {
namespace {

std::string FindPython() {
  std::vector<std::string> candidates;
  if (const char* p = std::getenv("AIINFRA_PYTHON"); p && *p) candidates.emplace_back(p);
  candidates.emplace_back("python3");
  candidates.emplace_back("/usr/bin/python3");
  for (const std::string& python : candidates) {
    const std::string probe = python + " -c 'import aiohttp' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return "";
}

}  // namespace

AiohttpFigures RunAiohttpClient(const AiohttpLoad& load) {
  AiohttpFigures p;
  const std::string python = FindPython();
  if (python.empty()) {
    p.skipped = kAiohttpSkipped;
    return p;
  }
  const std::string command = fmt::format(
      "{} {}/bench/aiohttp_client.py --url {} --rate {} --count {} --arrivals constant "
      "--max-tokens {} --input-words {} --max-wall {}",
      python, AIINFRA_SOURCE_DIR, load.url, load.rate, load.count, load.max_tokens,
      load.input_words, load.max_wall);
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    p.skipped = "skipped: cannot start " + python;
    return p;
  }
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = pclose(pipe);
  // The last line is the JSON object.
  const size_t brace = out.rfind("\n{", out.size() >= 2 ? out.size() - 2 : 0);
  const nlohmann::json j = nlohmann::json::parse(
      brace == std::string::npos ? out : out.substr(brace + 1), nullptr, false);
  if (status != 0 || !j.is_object()) {
    p.skipped = fmt::format("skipped: bench/aiohttp_client.py failed (status {}): {}", status, out);
    return p;
  }
  p.version = fmt::format("Python {}, aiohttp {}", j.value("python", "?"), j.value("aiohttp", "?"));
  p.sent = j.value("sent", 0u);
  p.completed = j.value("completed", 0u);
  p.errors = j.value("errors", 0u);
  p.abandoned = j.value("abandoned", 0u);
  if (auto k = j.find("error_kinds"); k != j.end() && !k->empty()) p.error_kinds = k->dump();
  p.wall = j.value("wall", 0.0);
  p.cpu = j.value("cpu", 0.0);
  p.achieved = j.value("achieved_rate", 0.0);
  p.lag_p50 = j.value("send_lag_p50", 0.0);
  p.lag_p99 = j.value("send_lag_p99", 0.0);
  p.lag_max = j.value("send_lag_max", 0.0);
  return p;
}

}  // namespace aiinfra::bench
