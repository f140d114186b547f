// `vkllm serve` on the demo model, driven by the official OpenAI client: chat,
// completions, streaming (with usage), log-probabilities, stop strings, errors as
// the client raises them, the API key; greedy output equal to `vkllm run` alone
// and among 8 concurrent requests, streamed or not.
// Run by ctest (tests/server/CMakeLists.txt) as
//   VKLLM_BIN=build/tools/vkllm OPENAI_MODULES=build/node/node_modules node --test this-file
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const bin = process.env.VKLLM_BIN;
const require = createRequire(process.env.OPENAI_MODULES + '/');
const OpenAI = require('openai');
const CTX = '256';

// Starts `vkllm serve` on a free port; resolves to {proc, url} once it listens.
function startServer(extra = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['serve', '--port', '0', '--parallel', '4', '--ctx', CTX, ...extra], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/on http:\/\/127\.0\.0\.1:(\d+)\/v1/);
      if (m) resolve({ proc, url: `http://127.0.0.1:${m[1]}/v1` });
    });
    proc.on('exit', (code) => reject(new Error(`vkllm serve exited ${code}: ${err}`)));
  });
}

function stopServer(s) {
  return new Promise((resolve) => {
    s.proc.removeAllListeners('exit');
    s.proc.on('exit', (code) => resolve(code));
    s.proc.kill('SIGTERM');
  });
}

// What `vkllm run` generates greedily for the same prompt.
function runGreedy(prompt, n, chat = false) {
  const args = ['run', '--json', '--temp', '0', '-n', String(n), '--ctx', CTX, '-p', prompt];
  if (chat) args.push('--chat');
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const prompts = [
  'Once upon a time, there was a little',
  'The dog ran to the park and',
  'Lily and Ben were best friends. One day,',
  'Tom had a red ball.',
  'The sun was shining and the birds',
  'Sara wanted to bake a cake, so she',
  'A big fish lived in the sea.',
  'Mom said, "It is time for bed."',
];
const N = 12;

let server;
let client;
const expected = new Map();

before(async () => {
  server = await startServer();
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0, timeout: 300000 });
  for (const p of prompts) expected.set(p, runGreedy(p, N));
  expected.set('chat:' + prompts[0], runGreedy(prompts[0], N, true));
});

after(async () => {
  if (server) assert.equal(await stopServer(server), 0);
});

async function collect(stream) {
  let text = '';
  let finish = null;
  let usage = null;
  let first = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.text ?? c.delta?.content ?? '';
      if (first === null && c.delta) first = c.delta;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { text, finish, usage, first };
}

test('models lists the served model', async () => {
  const models = await client.models.list();
  assert.equal(models.data.length, 1);
  assert.equal(models.data[0].id, 'demo');
});

test('completion equals vkllm run, streamed or not', async () => {
  const p = prompts[0];
  const want = expected.get(p);
  const r = await client.completions.create({ model: 'demo', prompt: p, max_tokens: N, temperature: 0 });
  assert.equal(r.choices[0].text, want.text);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.equal(r.usage.completion_tokens, N);
  assert.equal(r.usage.prompt_tokens, want.prompt_ids.length);
  const s = await collect(await client.completions.create({
    model: 'demo', prompt: p, max_tokens: N, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  }));
  assert.equal(s.text, want.text);
  assert.equal(s.finish, 'length');
  assert.equal(s.usage.completion_tokens, N);
});

test('chat completion equals vkllm run --chat, streamed or not', async () => {
  const want = expected.get('chat:' + prompts[0]);
  const messages = [{ role: 'user', content: prompts[0] }];
  const r = await client.chat.completions.create({ model: 'demo', messages, max_tokens: N, temperature: 0 });
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.choices[0].message.content, want.text);
  assert.equal(r.choices[0].finish_reason, want.finish_reason === 'eos' ? 'stop' : 'length');
  const s = await collect(await client.chat.completions.create({
    model: 'demo', messages, max_tokens: N, temperature: 0, stream: true,
    stream_options: { include_usage: true },
  }));
  assert.equal(s.text, want.text);
  assert.equal(s.first.role, 'assistant');
  assert.equal(s.usage.completion_tokens, want.ids.length);
});

test('eight concurrent requests each equal vkllm run', async () => {
  const results = await Promise.all(prompts.map(async (p, i) => {
    const args = { model: 'demo', prompt: p, max_tokens: N, temperature: 0 };
    if (i % 2) return (await collect(await client.completions.create({ ...args, stream: true }))).text;
    return (await client.completions.create(args)).choices[0].text;
  }));
  prompts.forEach((p, i) => assert.equal(results[i], expected.get(p).text, p));
});

test('log-probabilities', async () => {
  const r = await client.chat.completions.create({
    model: 'demo', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, temperature: 0,
    logprobs: true, top_logprobs: 3,
  });
  const content = r.choices[0].logprobs.content;
  assert.equal(content.length, r.usage.completion_tokens);
  for (const t of content) {
    assert.ok(t.logprob <= 0);
    assert.equal(t.top_logprobs.length, 3);
    // Greedy: the chosen token is the most likely one.
    assert.equal(t.top_logprobs[0].token, t.token);
    assert.ok(Math.abs(t.top_logprobs[0].logprob - t.logprob) < 1e-6);
  }
  const c = await client.completions.create({ model: 'demo', prompt: 'Once upon', max_tokens: 3, temperature: 0, logprobs: 2 });
  assert.equal(c.choices[0].logprobs.tokens.length, 3);
  assert.equal(Object.keys(c.choices[0].logprobs.top_logprobs[0]).length, 2);
});

test('a stop string ends the text before it', async () => {
  const want = expected.get(prompts[0]).text;  // " goat named Anna. Anna lived ..."
  const r = await client.completions.create({ model: 'demo', prompt: prompts[0], max_tokens: N, temperature: 0, stop: [' Anna lived'] });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.choices[0].text, want.slice(0, want.indexOf(' Anna lived')));
});

test('errors come back as the client raises them', async () => {
  await assert.rejects(
    client.completions.create({ model: 'demo', prompt: 'x', temperature: 'warm' }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /temperature/.test(e.message));
  await assert.rejects(
    client.completions.create({ model: 'demo', prompt: 'x', n: 2 }),
    (e) => e instanceof OpenAI.BadRequestError);
  await assert.rejects(
    client.completions.create({ model: 'other', prompt: 'x' }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
  await assert.rejects(
    client.completions.create({ model: 'demo', prompt: 'the cat sat. '.repeat(100) }),
    (e) => e instanceof OpenAI.BadRequestError && /maximum context length is 256/.test(e.message));
  // Still serving.
  const r = await client.completions.create({ model: 'demo', prompt: 'The', max_tokens: 2 });
  assert.equal(r.usage.completion_tokens, 2);
});

test('an API key is required when set', async () => {
  const keyed = await startServer(['--api-key', 'sekret']);
  try {
    const wrong = new OpenAI({ baseURL: keyed.url, apiKey: 'nope', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
    const right = new OpenAI({ baseURL: keyed.url, apiKey: 'sekret', maxRetries: 0 });
    assert.equal((await right.models.list()).data[0].id, 'demo');
  } finally {
    assert.equal(await stopServer(keyed), 0);
  }
});
