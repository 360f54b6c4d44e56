#include "loadgen/report_data.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <tuple>

#include "metrics/series.h"

namespace aiinfra::loadgen {

nlohmann::ordered_json ReportData(const std::vector<RunPart>& parts, const std::string& title,
                                  const std::string& subtitle, const std::string& summary_text) {
  using Json = nlohmann::ordered_json;
  metrics::TimeSeries series;
  // Gauges and TTFT observations go in time order: collect the events of every part first.
  // (time, kind, value): kind 0 = an end (in flight -1), 1 = a send (+1), 2 = a first token.
  std::vector<std::tuple<double, int, double>> events;
  double t_end = 0;
  Json cdfs{{"ttft", Json::object()}, {"tpot", Json::object()}, {"e2e", Json::object()}};
  for (const RunPart& part : parts) {
    if (!part.log) continue;
    std::vector<double> ttft, tpot, e2e;
    for (const RequestRow& r : part.log->rows()) {
      const double send = r.t_send + part.offset;
      const double end = std::isfinite(r.t_end) ? r.t_end + part.offset : send;
      const bool ok = r.outcome == metrics::Outcome::kOk;
      series.Count(metrics::TimeSeries::kArrivals, send);
      series.Count(ok ? metrics::TimeSeries::kCompletions : metrics::TimeSeries::kFailures, end);
      if (ok) {
        series.Count(metrics::TimeSeries::kInputTokens, end, r.usage ? r.n_in : r.planned_input);
      }
      events.emplace_back(send, 1, 0);
      events.emplace_back(end, 0, 0);
      t_end = std::max(t_end, end);
      if (ok && std::isfinite(r.ttft)) {
        events.emplace_back(send + r.ttft, 2, r.ttft);
        ttft.push_back(r.ttft);
      }
      if (ok && std::isfinite(r.tpot)) tpot.push_back(r.tpot);
      if (ok && std::isfinite(r.e2e)) e2e.push_back(r.e2e);
    }
    const std::vector<double>& tokens = part.log->tokens_per_second();
    for (size_t i = 0; i < tokens.size(); ++i) {
      // Mid-second, so an offset that is not whole seconds still lands in one bucket.
      if (tokens[i] > 0) {
        series.Count(metrics::TimeSeries::kOutputTokens, part.offset + i + 0.5, tokens[i]);
      }
      t_end = std::max(t_end, part.offset + static_cast<double>(i) + 1);
    }
    std::sort(ttft.begin(), ttft.end());
    std::sort(tpot.begin(), tpot.end());
    std::sort(e2e.begin(), e2e.end());
    cdfs["ttft"][part.name] = ttft;
    cdfs["tpot"][part.name] = tpot;
    cdfs["e2e"][part.name] = e2e;
  }
  std::sort(events.begin(), events.end());
  double in_flight = 0;
  series.Set(metrics::TimeSeries::kRunning, 0, 0);
  for (const auto& [t, kind, value] : events) {
    if (kind == 2) {
      series.ObserveTtft(t, value);
    } else {
      in_flight += kind == 1 ? 1 : -1;
      series.Set(metrics::TimeSeries::kRunning, t, in_flight);
    }
  }
  series.Close(t_end);
  Json data = series.ToJson();
  // A client sees no queue, replicas or KV cache: drop the gauges it never set.
  Json& columns = data["columns"];
  for (auto it = columns.begin(); it != columns.end();) {
    const bool empty = it.key() != "t" && std::all_of(it->begin(), it->end(),
                                                      [](const Json& v) { return v.is_null(); });
    it = empty ? columns.erase(it) : std::next(it);
  }
  return Json{{"title", title},
              {"subtitle", subtitle},
              {"summary_text", summary_text},
              {"time_label", "time since the start (s)"},
              {"series", data},
              {"scale_events", Json::array()},
              {"cdfs", cdfs},
              {"replicas", Json::array()}};
}

}  // namespace aiinfra::loadgen
