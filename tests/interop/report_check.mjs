// Runs the page script of an HTML report written by `aiinfra sim --report` (report/html_report.cc)
// against a stub DOM and a stub uPlot, and checks the charts it asks uPlot to draw. A browser is
// not needed: the page's own code only arranges data and options, so what matters is that it
// runs without throwing and hands uPlot well-formed charts. The inlined uPlot library itself is
// not run (it needs a canvas); the stub records each `new uPlot(opts, data, el)` instead and
// calls the plugins' draw hooks with a fake chart, so the scale-event markers run too.
//
// Usage: node report_check.mjs REPORT.html [--runs N] [--min-charts N] [--title-contains S]...
// Exits 0 when every check passes, 1 (listing each failure) otherwise, 2 on bad usage.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const usage = 'usage: node report_check.mjs REPORT.html [--runs N] [--min-charts N] ' +
              '[--title-contains S]...';
const args = process.argv.slice(2);
const opt = { file: null, runs: null, minCharts: 1, titles: [] };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--runs') opt.runs = Number(args[++i]);
  else if (a === '--min-charts') opt.minCharts = Number(args[++i]);
  else if (a === '--title-contains') opt.titles.push(args[++i]);
  else if (!a.startsWith('--') && opt.file === null) opt.file = a;
  else { console.error(`report_check: unknown argument ${a}\n${usage}`); process.exit(2); }
}
if (!opt.file || Number.isNaN(opt.runs) || Number.isNaN(opt.minCharts)) {
  console.error(usage);
  process.exit(2);
}

const failures = [];
const fail = msg => failures.push(msg);
// An exception as "Error: message (page-script.js:LINE:COL)"; it may come from the vm's realm.
const describe = e => {
  const at = String(e && e.stack).match(/page-script\.js:\d+(:\d+)?/);
  return `${e}` + (at ? ` (${at[0]})` : '');
};
const finish = () => {
  for (const f of failures) console.error(`report_check: ${opt.file}: ${f}`);
  if (failures.length) process.exit(1);
};

// --- The page: its data element, its own (last inline) script, and the ids of its elements. ---
const html = readFileSync(opt.file, 'utf8');
const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
const dataTag = scripts.find(m => /\bid="data"/.test(m[1]));
const page = scripts[scripts.length - 1];
if (!dataTag) fail('no <script type="application/json" id="data"> element');
if (!page || /\b(type|src)=/.test(page[1])) fail('the last <script> is not an inline script');
finish();
let D;
try {
  D = JSON.parse(dataTag[2]);
} catch (e) {
  fail(`the data element is not JSON: ${e.message}`);
  finish();
}
// Element ids outside the scripts: what getElementById can find in a browser (null otherwise).
const ids = [...html.replace(/<script\b[\s\S]*?<\/script>/g, '')
                   .matchAll(/\bid="([^"]+)"/g)].map(m => m[1]).concat('data');

// --- A minimal DOM: enough for the page script, and able to say where each chart was put. ---
class Element {
  constructor(tag, id = '') {
    Object.assign(this, { tagName: tag.toUpperCase(), id, className: '', textContent: '',
                          children: [], parentNode: null, style: {} });
  }
  appendChild(c) { c.parentNode = this; this.children.push(c); return c; }
}
const byId = new Map(ids.map(id => [id, new Element('div', id)]));
byId.get('data').textContent = dataTag[2];
const body = new Element('body');
const document = {
  body: Object.assign(body, { clientWidth: 1280 }),
  getElementById: id => byId.get(id) || null,
  createElement: tag => new Element(tag),
};
// The container a chart's element hangs in (null when never attached: the chart is not shown).
const containerOf = el => {
  for (let p = el && el.parentNode; p; p = p.parentNode) if (p.id) return p.id;
  return null;
};

// --- The uPlot stub: records each chart. ---
const charts = [];
class uPlot {
  constructor(opts, data, el) { charts.push({ opts, data, el, ctxCalls: {} }); }
}
uPlot.paths = { bars: () => () => null };  // a path builder: a function, never called here

// --- Run the page script. ---
const context = vm.createContext({ document, devicePixelRatio: 2, uPlot, console });
try {
  vm.runInContext(page[2], context, { filename: 'page-script.js', timeout: 20000 });
} catch (e) {
  fail(`the page script threw ${describe(e)}`);
}

// A fake drawn chart for the hooks and formatters: a canvas context with the real 2D context's
// methods as no-ops (counted, so we can tell a marker was drawn; a misspelt one is undefined
// and throws, as in a browser), and valToPos mapping x linearly into the plot box.
const kCtxMethods = ('save restore scale rotate translate transform setTransform resetTransform ' +
  'getTransform beginPath closePath moveTo lineTo bezierCurveTo quadraticCurveTo arc arcTo ' +
  'ellipse rect roundRect fill stroke clip isPointInPath isPointInStroke fillRect strokeRect ' +
  'clearRect fillText strokeText measureText drawImage createLinearGradient ' +
  'createRadialGradient createConicGradient createPattern getImageData putImageData ' +
  'createImageData setLineDash getLineDash drawFocusIfNeeded reset').split(' ');
function fakeU(chart) {
  const calls = chart.ctxCalls;
  const ctx = Object.fromEntries(kCtxMethods.map(k => [k, () => {
    calls[k] = (calls[k] || 0) + 1;
    return k === 'measureText' ? { width: 10 } : k === 'getLineDash' ? [] : undefined;
  }]));
  const bbox = { left: 50, top: 10, width: 1000, height: 200 };
  const xs = (chart.data && chart.data[0]) || [];
  const lo = xs.length ? xs[0] : 0, hi = xs.length ? xs[xs.length - 1] : 1;
  const valToPos = (v, scale) => scale === 'x' && hi > lo ?
      bbox.left + (v - lo) / (hi - lo) * bbox.width : bbox.top + bbox.height / 2;
  return { ctx, bbox, valToPos, data: chart.data, series: chart.opts.series,
           width: chart.opts.width, height: chart.opts.height,
           scales: { x: { min: lo, max: hi }, y: { min: 0, max: 1 } } };
}
const asList = h => (h == null ? [] : Array.isArray(h) ? h : [h]);

// --- Check each chart. ---
const title = c => (c.opts && c.opts.title) || '(untitled)';
const RUNS = D.runs || [{ name: '', series: D.series, scale_events: D.scale_events,
                          cdfs: D.cdfs, replicas: D.replicas }];
const MULTI = RUNS.length > 1;
const isAscending = a => a.every((v, i) => typeof v === 'number' && Number.isFinite(v) &&
                                           (i === 0 || v > a[i - 1]));
for (const c of charts) {
  const t = title(c), { opts, data } = c;
  c.container = containerOf(c.el);
  if (!c.container) fail(`chart "${t}": its element is not attached to the page`);
  if (!(opts.width > 0 && opts.height > 0)) {
    fail(`chart "${t}": size ${opts.width}x${opts.height} is not positive (nothing would show)`);
  }
  if (!Array.isArray(data) || !Array.isArray(data[0]) || !data[0].length) {
    fail(`chart "${t}": no x values`);
    continue;
  }
  // uPlot needs one series option per data array, and x sorted ascending to draw anything.
  if (!Array.isArray(opts.series) || opts.series.length !== data.length) {
    fail(`chart "${t}": ${opts.series && opts.series.length} series options for ${data.length}` +
         ' data arrays');
  }
  if (!isAscending(data[0])) fail(`chart "${t}": x values are not finite and ascending`);
  if (opts.scales?.x?.distr === 3 && !(data[0][0] > 0)) {
    fail(`chart "${t}": log x axis, but x starts at ${data[0][0]} (log of it is not finite)`);
  }
  data.slice(1).forEach((ys, i) => {
    if (!Array.isArray(ys) || ys.length !== data[0].length) {
      fail(`chart "${t}": data[${i + 1}] has ${ys && ys.length} values, x has ${data[0].length}`);
    } else if (!ys.some(v => v != null)) {
      fail(`chart "${t}": data[${i + 1}] (${opts.series[i + 1]?.label}) has no values`);
    }
  });
  // The page's callbacks, as uPlot would call them: draw hooks, axis tick formatters, and
  // legend value formatters. An exception in any of them breaks the chart in a browser.
  const u = fakeU(c);
  try {
    for (const p of opts.plugins || []) for (const h of asList(p.hooks && p.hooks.draw)) h(u);
    for (const h of asList(opts.hooks && opts.hooks.draw)) h(u);
    (opts.axes || []).forEach((a, i) => {
      const ticks = i === 0 ? data[0].slice(0, 5) : [0, 0.5, 1];
      if (typeof a.splits === 'function' && !Array.isArray(a.splits(u, i, 0, 1, 1, 50))) {
        fail(`chart "${t}": axis ${i} splits() did not return an array`);
      }
      if (typeof a.values === 'function') {
        const v = a.values(u, ticks, i, 50, 1);
        if (!Array.isArray(v) || v.length !== ticks.length || v.some(x => x === undefined)) {
          fail(`chart "${t}": axis ${i} values() gave ${JSON.stringify(v)} for ${ticks}`);
        }
      }
    });
    opts.series.forEach((s, i) => {
      if (typeof s.value === 'function') { s.value(u, data[i][0], i, 0); s.value(u, null, i, 0); }
    });
  } catch (e) {
    fail(`chart "${t}": a callback threw ${describe(e)}`);
  }
}

// --- Check the page as a whole against the data and the expectations. ---
if (byId.get('title') && byId.get('title').textContent !== D.title) {
  fail(`the page title is "${byId.get('title').textContent}", the data says "${D.title}"`);
}
if (opt.runs !== null && RUNS.length !== opt.runs) {
  fail(`the data holds ${RUNS.length} runs, expected ${opt.runs}`);
}
if (charts.length < opt.minCharts) {
  fail(`${charts.length} charts drawn, expected at least ${opt.minCharts}`);
}
for (const s of opt.titles) {
  if (!charts.some(c => title(c).includes(s))) fail(`no chart title contains "${s}"`);
}
// Runs side by side: every series is labelled "label (run name)", every run shows on each
// chart that compares them, and each run has its own dash pattern, or the lines can't be told
// apart.
if (MULTI) {
  const names = RUNS.map(r => r.name);
  if (new Set(names).size !== names.length) fail(`run names are not distinct: ${names}`);
  for (const c of charts.filter(c => c.container === 'series' || c.container === 'cdfs')) {
    const dashOf = new Map();  // run name -> set of dash patterns used
    for (const s of c.opts.series.slice(1)) {
      const run = names.find(n => String(s.label).endsWith(` (${n})`));
      if (run === undefined) {
        fail(`chart "${title(c)}": series "${s.label}" is not labelled with a run's name`);
        continue;
      }
      if (!dashOf.has(run)) dashOf.set(run, new Set());
      dashOf.get(run).add(JSON.stringify(s.dash || []));
    }
    const missing = names.filter(n => !dashOf.has(n));
    if (missing.length) fail(`chart "${title(c)}": no series for run(s) ${missing.join(', ')}`);
    const all = [...dashOf.values()].flatMap(d => [...d]);
    if (new Set(all).size !== all.length) {
      fail(`chart "${title(c)}": runs share a dash pattern (${all.join(' ')})`);
    }
  }
}
// The latency CDFs: one chart per metric that has samples, each curve ending at 1.
for (const m of ['ttft', 'tpot', 'e2e']) {
  if (!RUNS.some(r => Object.values((r.cdfs || {})[m] || {}).some(v => v.length))) continue;
  const c = charts.find(c => c.container === 'cdfs' && title(c).toLowerCase().includes(m));
  if (!c) { fail(`no CDF chart for ${m}, though the data has ${m} samples`); continue; }
  c.data.slice(1).forEach((ys, i) => {
    if (!Array.isArray(ys)) return;  // reported above
    if (ys[ys.length - 1] !== 1 || ys.some((y, k) => k && y < ys[k - 1])) {
      fail(`CDF "${title(c)}", curve ${c.opts.series[i + 1].label}: not rising to 1`);
    }
  });
}
// The per-replica bars: one chart per run that has replicas.
const withReplicas = RUNS.filter(r => (r.replicas || []).length).length;
const replicaCharts = charts.filter(c => c.container === 'replicas').length;
if (replicaCharts !== withReplicas) {
  fail(`${replicaCharts} replica charts for ${withReplicas} runs with replicas`);
}
// The scale-event markers: drawn (by the draw hooks) when some run scaled.
if (RUNS.some(r => (r.scale_events || []).length) &&
    !charts.some(c => c.ctxCalls.stroke && c.ctxCalls.fillText)) {
  fail('the runs have scale events, but no chart drew a marker for them');
}

finish();
const summary = charts.map(c => `${c.container}: ${title(c)} (${c.data.length - 1} series, ` +
                                 `${c.data[0].length} points)`);
console.log(`report_check: ${opt.file}: OK, ${RUNS.length} run(s), ${charts.length} charts\n  ` +
            summary.join('\n  '));
