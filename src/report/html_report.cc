#include "report/html_report.h"

#include "report/assets.h"

namespace aiinfra::report {
namespace {

// JSON inside <script>: "</" would end the element early, so it is written "<\/".
std::string ScriptSafe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    out += json[i];
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') out += '\\';
  }
  return out;
}

// The page's own script: builds uPlot options from the data. Written for this report.
constexpr const char* kPageScript = R"js(
const D = JSON.parse(document.getElementById('data').textContent);
const W = () => Math.min(1100, document.body.clientWidth - 40);
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];
document.getElementById('title').textContent = D.title;
document.getElementById('subtitle').textContent = D.subtitle || '';
document.getElementById('summary').textContent = D.summary_text || '';

// One run, or several side by side: each run is drawn dashed differently, same colours.
const RUNS = D.runs || [{ name: '', series: D.series, scale_events: D.scale_events,
                          cdfs: D.cdfs, replicas: D.replicas }];
const MULTI = RUNS.length > 1;
const dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
const named = (run, label) => MULTI ? label + ' (' + run.name + ')' : label;

// Vertical lines at the scale events, labelled with the pool and the new replica count.
function eventsPlugin() {
  return { hooks: { draw: [u => {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#888'; ctx.fillStyle = '#555';
    ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
    RUNS.forEach((run, r) => {
      ctx.setLineDash(r ? [2, 3] : [4, 4]);
      for (const e of run.scale_events || []) {
        const x = u.valToPos(e.time, 'x', true);
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillText(named(run, e.pool + ' ' + e.from + '\u2192' + e.to), x + 3,
                     u.bbox.top + 12 + 12 * r * devicePixelRatio);
      }
    });
    ctx.restore();
  }]}};
}

// The runs' columns on one time axis (every run samples once a second from the same start).
function timeChart(title, columnsOf, yLabel) {
  const lines = [];
  RUNS.forEach((run, r) => {
    const cols = run.series.columns;
    columnsOf(cols).filter(c => cols[c]).forEach((c, i) =>
      lines.push({ t: cols.t, v: cols[c], label: named(run, c), i, r }));
  });
  if (!lines.length) return;
  const t = lines.reduce((a, l) => l.t.length > a.length ? l.t : a, []);
  const data = [t].concat(lines.map(l => t.map((_, k) => k < l.v.length ? l.v[k] : null)));
  const series = [{ label: 'time (s)' }].concat(lines.map(l => (
    { label: l.label, stroke: palette[l.i % palette.length], width: 1.5, spanGaps: true,
      dash: dashes[l.r % dashes.length] })));
  const el = document.createElement('div');
  el.className = 'chart';
  document.getElementById('series').appendChild(el);
  new uPlot({ title, width: W(), height: 240, series,
              scales: { x: { time: false } },
              axes: [{ label: D.time_label || 'simulated time (s)' }, { label: yLabel }],
              plugins: [eventsPlugin()] }, data, el);
}
const cols = list => () => list;

function cdfChart(metric, unit, scale) {
  const curves = [];
  RUNS.forEach((run, r) => {
    const byClass = (run.cdfs || {})[metric] || {};
    Object.keys(byClass).filter(n => byClass[n].length).forEach((n, i) =>
      curves.push({ v: byClass[n], label: named(run, n), i, r }));
  });
  if (!curves.length) return;
  // One x axis for all curves: the union of their values; each CDF is read off it.
  const xs = [...new Set(curves.flatMap(c => c.v))].sort((a, b) => a - b);
  const ys = curves.map(c => {
    const v = c.v; let j = 0;
    return xs.map(x => { while (j < v.length && v[j] <= x) j++; return j / v.length; });
  });
  const el = document.createElement('div');
  el.className = 'chart';
  document.getElementById('cdfs').appendChild(el);
  new uPlot({ title: metric.toUpperCase() + ' CDF', width: W() / 2 - 10, height: 260,
              series: [{ label: metric + ' (' + unit + ')', value: (u, v) => v == null ? '' :
                         (v * scale).toPrecision(4) }].concat(curves.map(c => (
                { label: c.label, stroke: palette[c.i % palette.length], width: 1.5,
                  dash: dashes[c.r % dashes.length] }))),
              scales: { x: { time: false, distr: 3 } },
              axes: [{ label: unit, values: (u, v) => v.map(x => +(x * scale).toPrecision(3)) },
                     { label: 'fraction of requests' }] },
             [xs].concat(ys), el);
}

function replicaChart(run) {
  const r = run.replicas || [];
  if (!r.length) return;
  const el = document.createElement('div');
  el.className = 'chart';
  document.getElementById('replicas').appendChild(el);
  new uPlot({ title: named(run, 'Per-replica utilization (busy share of the run)'),
              width: W(), height: 220,
              series: [{ label: 'replica' },
                       { label: 'utilization', fill: '#1f77b466', stroke: '#1f77b4',
                         paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false } }],
              scales: { x: { time: false, range: [-0.6, r.length - 0.4] }, y: { range: [0, 1] } },
              axes: [{ label: 'replica', splits: () => r.map((_, i) => i),
                       values: (u, v) => v.map(i => r[i] ? r[i].name : '') },
                     { label: 'busy' }] },
             [r.map((_, i) => i), r.map(x => x.utilization)], el);
}

timeChart('Requests per second', cols(['arrivals', 'completions']), 'requests/s');
timeChart('Requests in the system', cols(['running', 'waiting']), 'requests');
timeChart('Replicas', cols(['replicas_ready', 'replicas_starting']), 'replicas');
timeChart('Windowed TTFT (p90)', c => Object.keys(c).filter(k => k.startsWith('ttft_')),
          'seconds');
timeChart('Output tokens per second', cols(['output_tokens_per_s']), 'tokens/s');
timeChart('KV-cache usage', cols(['kv_usage']), 'fraction');
cdfChart('ttft', 'ms', 1e3);
cdfChart('tpot', 'ms', 1e3);
cdfChart('e2e', 's', 1);
RUNS.forEach(replicaChart);
)js";

}  // namespace

bool HtmlReportAvailable() { return kUplotJs[0] != '\0'; }

Result<std::string> RenderHtmlReport(const nlohmann::ordered_json& data) {
  if (!HtmlReportAvailable()) {
    return Fail(ErrorCode::kNotFound,
                "this aiinfra was built without the chart library the HTML report embeds; run "
                "scripts/setup.sh (it installs src/report/web's pinned npm package) and rebuild");
  }
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<title>aiinfra report</title>\n<style>\n";
  html += kUplotCss;
  html +=
      "\nbody{font-family:system-ui,sans-serif;margin:20px;color:#222}"
      "h1{font-size:1.4em;margin-bottom:0}.sub{color:#666;margin-top:4px}"
      "h2{font-size:1.1em;margin-top:28px}.chart{display:inline-block;margin:6px}"
      "pre{background:#f6f6f6;padding:10px;overflow-x:auto;font-size:12px}\n</style>\n";
  html += "<script>\n";
  html += kUplotJs;
  html += "\n</script>\n</head>\n<body>\n";
  html += "<h1 id=\"title\"></h1><p class=\"sub\" id=\"subtitle\"></p>\n";
  html += "<h2>Over time</h2><div id=\"series\"></div>\n";
  html += "<h2>Latency distributions</h2><div id=\"cdfs\"></div>\n";
  html += "<h2>Replicas</h2><div id=\"replicas\"></div>\n";
  html += "<h2>Summary</h2><pre id=\"summary\"></pre>\n";
  html += "<script type=\"application/json\" id=\"data\">";
  html += ScriptSafe(data.dump());
  html += "</script>\n<script>";
  html += kPageScript;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace aiinfra::report
