// Interop: `aiinfra serve` driven by the real clients people use against vLLM and Ollama, the
// `openai` and `ollama` npm packages (pinned in package-lock.json), through their public API
// only. Run by serve_test.sh with node's built-in test runner:
//   AIINFRA_URL=http://127.0.0.1:PORT AIINFRA_MODEL=llama-3.1-8b node --test-reporter=spec \
//     serve_clients.mjs
// Each test states what a client relies on: the fields it reads, the error classes it maps
// statuses and codes to, streams that end the way the SDK expects. The last test reads /metrics
// and checks that the traffic of the others was counted consistently.
import assert from 'node:assert/strict';
import test from 'node:test';

import { Ollama } from 'ollama';
import OpenAI from 'openai';

const base = process.env.AIINFRA_URL;
const model = process.env.AIINFRA_MODEL;
if (!base || !model) {
  console.error('usage: AIINFRA_URL=http://127.0.0.1:PORT AIINFRA_MODEL=NAME node serve_clients.mjs');
  process.exit(2);
}

// No retries: a 5xx or a dropped connection must fail the test rather than be papered over.
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 30_000 });
const ollama = new Ollama({ host: base });

const messages = [{ role: 'user', content: 'Explain continuous batching in one paragraph.' }];

// Completion tokens the tests received, by API, to compare with vllm:generation_tokens_total.
let generated = 0;
let aborted = 0;  // streams the tests abandoned on purpose (finished_reason="abort")

test('openai: chat.completions.create, not streamed', async () => {
  const r = await openai.chat.completions.create({ model, messages, max_tokens: 12 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, model);
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices.length, 1);
  const c = r.choices[0];
  assert.equal(c.message.role, 'assistant');
  assert.ok(c.message.content.trim().length > 0, 'the answer is not empty');
  assert.ok(r.usage.prompt_tokens > 0, `prompt_tokens ${r.usage.prompt_tokens}`);
  assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 12,
    `completion_tokens ${r.usage.completion_tokens} within max_tokens 12`);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  // Cut at max_tokens: "length"; the model stopping by itself before it: "stop".
  assert.equal(c.finish_reason, r.usage.completion_tokens === 12 ? 'length' : 'stop');
  generated += r.usage.completion_tokens;
});

test('openai: chat.completions.create, ignore_eos: exactly max_tokens', async () => {
  // ignore_eos is vLLM's, not OpenAI's: the SDK sends undocumented body params as given.
  const r = await openai.chat.completions.create({ model, messages, max_tokens: 9, ignore_eos: true });
  assert.equal(r.usage.completion_tokens, 9);
  assert.equal(r.choices[0].finish_reason, 'length');
  generated += r.usage.completion_tokens;
});

test('openai: chat streamed with stream_options.include_usage', async () => {
  const stream = await openai.chat.completions.create({
    model, messages, max_tokens: 16, ignore_eos: true, stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let pieces = 0;
  let finish = null;
  let usage = null;
  let role = null;
  const ids = new Set();
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    ids.add(chunk.id);
    if (chunk.usage) {
      assert.equal(usage, null, 'one usage chunk');
      assert.deepEqual(chunk.choices, [], 'the usage chunk has no choices');
      usage = chunk.usage;
      continue;
    }
    assert.equal(chunk.usage ?? null, null);
    for (const choice of chunk.choices) {
      assert.equal(finish, null, 'nothing after the finish_reason but the usage chunk');
      if (choice.delta.role) role = choice.delta.role;
      if (choice.delta.content) {
        text += choice.delta.content;
        pieces += 1;
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  assert.equal(ids.size, 1, 'every chunk carries the same id');
  assert.equal(role, 'assistant');
  assert.ok(text.trim().length > 0);
  assert.equal(finish, 'length');
  assert.ok(usage, 'a usage chunk came last');
  assert.equal(usage.completion_tokens, 16);
  assert.equal(pieces, 16, 'one content delta per token');
  assert.ok(usage.prompt_tokens > 0);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  generated += usage.completion_tokens;
});

test('openai: chat streamed without include_usage has no usage chunk', async () => {
  const stream = await openai.chat.completions.create({
    model, messages, max_tokens: 4, ignore_eos: true, stream: true,
  });
  let pieces = 0;
  for await (const chunk of stream) {
    assert.ok(!chunk.usage, 'no usage without include_usage');
    for (const choice of chunk.choices) if (choice.delta.content) pieces += 1;
  }
  assert.equal(pieces, 4);
  generated += 4;
});

test('openai: legacy completions, whole and streamed', async () => {
  const r = await openai.completions.create({
    model, prompt: 'The capital of France is', max_tokens: 7, ignore_eos: true,
  });
  assert.equal(r.object, 'text_completion');
  assert.equal(r.model, model);
  assert.ok(r.choices[0].text.trim().length > 0);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, 7);
  assert.ok(r.usage.prompt_tokens > 0);
  generated += 7;

  const stream = await openai.completions.create({
    model, prompt: 'Once upon a time', max_tokens: 5, ignore_eos: true, stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.text;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.ok(text.trim().length > 0);
  assert.equal(finish, 'length');
  assert.equal(usage?.completion_tokens, 5);
  generated += 5;
});

test('openai: models.list()', async () => {
  const ids = [];
  for await (const m of openai.models.list()) {
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
    assert.equal(typeof m.owned_by, 'string');
    ids.push(m.id);
  }
  assert.deepEqual(ids, [model]);
});

test('openai: unknown model is NotFoundError (404, model_not_found)', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model: 'no-such-model', messages, max_tokens: 4 }),
    (e) => {
      assert.ok(e instanceof OpenAI.NotFoundError, `got ${e.constructor.name}: ${e.message}`);
      assert.equal(e.status, 404);
      assert.equal(e.code, 'model_not_found');
      assert.equal(e.param, 'model');
      assert.equal(e.type, 'invalid_request_error');
      assert.match(e.message, /no-such-model/);
      return true;
    });
});

test('openai: a bad parameter is BadRequestError (400) naming it', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model, messages, temperature: 'hot' }),
    (e) => {
      assert.ok(e instanceof OpenAI.BadRequestError, `got ${e.constructor.name}: ${e.message}`);
      assert.equal(e.status, 400);
      assert.equal(e.param, 'temperature');
      assert.equal(e.type, 'invalid_request_error');
      return true;
    });
  await assert.rejects(
    openai.chat.completions.create({ model, messages, max_tokens: -1 }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400);
  // An argument the server does not know is refused by name (as OpenAI does), not ignored.
  await assert.rejects(
    openai.chat.completions.create({ model, messages, frobnicate: true }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /frobnicate/.test(e.message));
});

test('openai: a stream the client aborts ends cleanly for the SDK', async () => {
  const stream = await openai.chat.completions.create({
    model, messages, max_tokens: 2000, ignore_eos: true, stream: true,
  });
  let pieces = 0;
  for await (const chunk of stream) {
    for (const c of chunk.choices) if (c.delta.content) pieces += 1;
    if (pieces === 3) break;  // breaking out of the loop aborts the request
  }
  assert.equal(pieces, 3);
  aborted += 1;
});

test('ollama: chat, not streamed', async () => {
  const r = await ollama.chat({ model, messages, stream: false, options: { num_predict: 10 } });
  assert.equal(r.model, model);
  assert.equal(r.message.role, 'assistant');
  assert.ok(r.message.content.trim().length > 0);
  assert.equal(r.done, true);
  assert.ok(['stop', 'length'].includes(r.done_reason), `done_reason ${r.done_reason}`);
  assert.ok(r.eval_count >= 1 && r.eval_count <= 10, `eval_count ${r.eval_count}`);
  assert.equal(r.done_reason, r.eval_count === 10 ? 'length' : 'stop');
  assert.ok(r.prompt_eval_count > 0);
  assert.ok(r.total_duration > 0 && r.eval_duration >= 0 && r.total_duration >= r.eval_duration);
  assert.ok(!Number.isNaN(Date.parse(r.created_at)), `created_at ${r.created_at}`);
  generated += r.eval_count;
});

test('ollama: chat streamed (async iterator)', async () => {
  const stream = await ollama.chat({ model, messages, stream: true, options: { num_predict: 12 } });
  let text = '';
  let parts = 0;
  let last = null;
  for await (const part of stream) {
    assert.equal(last?.done ?? false, false, 'nothing after the done part');
    if (!part.done) {
      assert.equal(part.message.role, 'assistant');
      text += part.message.content;
      parts += 1;
    }
    last = part;
  }
  assert.ok(last?.done, 'the stream ends with done: true');
  assert.ok(['stop', 'length'].includes(last.done_reason));
  assert.ok(last.eval_count >= 1 && last.eval_count <= 12);
  assert.equal(parts, last.eval_count, 'one part per token');
  assert.ok(text.trim().length > 0);
  assert.ok(last.prompt_eval_count > 0 && last.total_duration > 0);
  generated += last.eval_count;
});

test('ollama: generate, whole and streamed', async () => {
  const r = await ollama.generate({ model, prompt: 'Why is the sky blue?', options: { num_predict: 6 } });
  assert.equal(r.model, model);
  assert.ok(r.response.trim().length > 0);
  assert.equal(r.done, true);
  assert.ok(['stop', 'length'].includes(r.done_reason));
  assert.ok(r.eval_count >= 1 && r.eval_count <= 6);
  assert.ok(r.prompt_eval_count > 0);
  generated += r.eval_count;

  const stream = await ollama.generate({
    model, prompt: 'Why is the sky blue?', stream: true, options: { num_predict: 5 },
  });
  let text = '';
  let last = null;
  for await (const part of stream) {
    text += part.response;
    last = part;
  }
  assert.ok(last?.done);
  assert.ok(text.trim().length > 0);
  generated += last.eval_count;
});

test('ollama: list (tags), show, ps, version', async () => {
  const tags = await ollama.list();
  assert.equal(tags.models.length, 1);
  const m = tags.models[0];
  assert.equal(m.name, model);
  assert.equal(m.model, model);
  assert.equal(typeof m.size, 'number');
  assert.equal(typeof m.digest, 'string');
  assert.ok(m.details && typeof m.details.family === 'string' && m.details.family.length > 0);
  assert.ok(Array.isArray(m.details.families));
  assert.ok(!Number.isNaN(Date.parse(m.modified_at)));

  const show = await ollama.show({ model });
  assert.equal(typeof show.modelfile, 'string');
  assert.equal(typeof show.template, 'string');
  assert.ok(show.details && show.details.family === m.details.family);
  assert.ok(show.model_info && typeof show.model_info === 'object');
  assert.ok(Array.isArray(show.capabilities) && show.capabilities.includes('completion'));

  const ps = await ollama.ps();
  assert.equal(ps.models.length, 1);
  assert.equal(ps.models[0].name, model);
  assert.equal(typeof ps.models[0].size_vram, 'number');
  assert.ok(!Number.isNaN(Date.parse(ps.models[0].expires_at)));

  const v = await ollama.version();
  assert.match(v.version, /^\d+\.\d+\.\d+/);
});

test('ollama: errors are ResponseError with the status and the server message', async () => {
  await assert.rejects(
    ollama.chat({ model: 'no-such-model', messages, stream: false }),
    (e) => {
      assert.equal(e.name, 'ResponseError', `got ${e.name}: ${e.message}`);
      assert.equal(e.status_code, 404);
      assert.match(e.error, /no-such-model/);
      assert.match(e.error, /not found/);
      return true;
    });
  await assert.rejects(
    ollama.show({ model: 'no-such-model' }),
    (e) => e.name === 'ResponseError' && e.status_code === 404);
  // A streamed request that fails before it starts is an HTTP error too, not a broken stream.
  await assert.rejects(
    ollama.generate({ model: 'no-such-model', prompt: 'x', stream: true }),
    (e) => e.name === 'ResponseError' && e.status_code === 404);
});

test('ollama: abort() ends a stream in flight', async () => {
  const stream = await ollama.chat({
    model, messages, stream: true, options: { num_predict: 2000 },
  });
  let parts = 0;
  await assert.rejects(async () => {
    for await (const part of stream) {
      parts += 1;
      if (parts === 3) stream.abort();
    }
  }, (e) => e.name === 'AbortError');
  assert.ok(parts >= 3);
  aborted += 1;
});

// Prometheus text, parsed just enough: series name, labels, value.
function parseMetrics(text) {
  const samples = [];
  const types = new Map();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name, type);
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[3] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, key: `${m[1]}{${m[3] ?? ''}}`, value: Number(m[4]) });
  }
  return { samples, types };
}

test('metrics: the traffic above is counted, histograms are consistent', async () => {
  // Aborted requests leave the engine when their step ends: give them a moment.
  let parsed;
  let reasons;
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    parsed = parseMetrics(await res.text());
    reasons = {};
    for (const s of parsed.samples) {
      if (s.name === 'vllm:request_success_total') reasons[s.labels.finished_reason] = s.value;
    }
    if ((reasons.abort ?? 0) >= aborted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const { samples, types } = parsed;
  const keys = new Set();
  for (const s of samples) {
    assert.ok(!keys.has(s.key), `series ${s.key} appears once`);
    keys.add(s.key);
    assert.ok(Number.isFinite(s.value) || s.value === Infinity, `${s.key} = ${s.value}`);
  }
  assert.ok((reasons.abort ?? 0) >= aborted, `aborted streams counted: ${JSON.stringify(reasons)}`);
  assert.ok((reasons.length ?? 0) > 0 && (reasons.stop ?? 0) >= 0);
  const one = (name) => samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
  // Aborted streams generated tokens the tests did not count: >=.
  assert.ok(one('vllm:generation_tokens_total') >= generated,
    `generation_tokens_total ${one('vllm:generation_tokens_total')} >= ${generated}`);
  assert.ok(one('vllm:prompt_tokens_total') > 0);
  assert.equal(one('vllm:num_requests_running'), 0, 'nothing left running');

  // Every histogram: buckets cumulative, the +Inf bucket equal to _count, _sum present.
  let histograms = 0;
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    histograms += 1;
    const series = new Map();
    for (const s of samples) {
      if (s.name !== `${name}_bucket`) continue;
      const { le, ...rest } = s.labels;
      const id = JSON.stringify(rest);
      if (!series.has(id)) series.set(id, []);
      series.get(id).push([le === '+Inf' ? Infinity : Number(le), s.value]);
    }
    assert.ok(series.size > 0, `${name} has buckets`);
    for (const [id, buckets] of series) {
      for (let i = 1; i < buckets.length; i++) {
        assert.ok(buckets[i][0] > buckets[i - 1][0], `${name}${id}: le ascending`);
        assert.ok(buckets[i][1] >= buckets[i - 1][1], `${name}${id}: buckets cumulative`);
      }
      assert.equal(buckets.at(-1)[0], Infinity, `${name}${id}: ends with le="+Inf"`);
      const labels = JSON.parse(id);
      const match = (s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
        Object.keys(s.labels).length === Object.keys(labels).length;
      const count = samples.find((s) => s.name === `${name}_count` && match(s));
      const sum = samples.find((s) => s.name === `${name}_sum` && match(s));
      assert.ok(count && sum, `${name}${id}: _count and _sum`);
      assert.equal(buckets.at(-1)[1], count.value, `${name}${id}: +Inf bucket = _count`);
    }
  }
  assert.ok(histograms >= 5, `${histograms} histograms`);
  const ttft = samples.find((s) => s.name === 'vllm:time_to_first_token_seconds_count');
  assert.ok(ttft.value > 0, 'TTFT observed');
});
