// Load test for `vkllm serve` (Node 20, no packages): starts the server itself on
// a loopback port, then
//   1. --clients concurrent streaming completions with mixed prompt and output
//      lengths (ignore_eos, so each must return exactly max_tokens tokens), one of
//      them killed mid-stream (--kill), and reports p50/p99 time to first token,
//      inter-token latency and aggregate tokens/s;
//   2. --sequential requests one after another, and the server's resident memory
//      after the first tenth and at the end (flat: within --rss-slack-mib).
// Exits 1 when a request fails, returns a wrong token count, the killed client's
// slot is not freed, or memory grows.
//   node benchmarks/server/load_test.mjs --vkllm build/tools/vkllm [--clients 64]
//     [--max-tokens 4:32] [--sequential 1000] [--json] -- -m MODEL --parallel 64 ...
// or against a server already running: --url http://127.0.0.1:8080 [--pid PID]
// (the pid, for its resident memory).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const own = split < 0 ? argv : argv.slice(0, split);
const serveArgs = split < 0 ? [] : argv.slice(split + 1);
const opt = (name, fallback) => {
  const i = own.indexOf(name);
  return i < 0 ? fallback : own[i + 1];
};
const bin = opt('--vkllm', 'build/tools/vkllm');
const clients = Number(opt('--clients', 64));
const [minTok, maxTok] = opt('--max-tokens', '4:32').split(':').map(Number);
const sequential = Number(opt('--sequential', 0));
const kill = Number(opt('--kill', 1));
const rssSlack = Number(opt('--rss-slack-mib', 16));
const asJson = own.includes('--json');
const url = opt('--url', '');
const pid = Number(opt('--pid', 0));

function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['serve', '--port', '0', ...serveArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
      const m = err.match(/on http:\/\/127\.0\.0\.1:(\d+)\/v1/);
      if (m) resolve({ proc, base: `http://127.0.0.1:${m[1]}` });
    });
    proc.on('exit', (code) => reject(new Error(`vkllm serve exited ${code}: ${err}`)));
  });
}

const rssMiB = (pid) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) / 1024;
};
const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
// Deterministic mixed lengths: prompt sentences 1..24, outputs minTok..maxTok.
const words = 'the little dog ran to the park and saw a big red ball under the old tree'.split(' ');
const promptOf = (i) => {
  const n = 1 + ((i * 7) % 24);
  let s = '';
  for (let k = 0; k < n; ++k) s += `${words[(i + k) % words.length]} ${words[(i + 3 * k) % words.length]}. `;
  return s;
};
const maxTokensOf = (i) => minTok + ((i * 7) % (maxTok - minTok + 1));

// One streaming completion; `abortAfter` > 0 hangs up after that many chunks.
async function streamOne(base, i, abortAfter = 0) {
  const ac = new AbortController();
  const t0 = performance.now();
  // A client to be killed asks for many tokens, so that it is mid-stream when it goes.
  const maxTokens = abortAfter ? 4 * maxTok : maxTokensOf(i);
  const res = await fetch(`${base}/v1/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      prompt: promptOf(i), max_tokens: maxTokens, ignore_eos: true, temperature: 0,
      stream: true, stream_options: { include_usage: true },
    }),
    signal: ac.signal,
  });
  if (res.status !== 200) throw new Error(`client ${i}: HTTP ${res.status} ${await res.text()}`);
  const times = [];
  let usage = null;
  let chunks = 0;
  let killed = false;
  let buf = '';
  const decoder = new TextDecoder();
  try {
    for await (const part of res.body) {
      buf += decoder.decode(part, { stream: true });
      let at;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, at);
        buf = buf.slice(at + 2);
        if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
        const j = JSON.parse(event.slice(6));
        if (j.usage) usage = j.usage;
        if (j.choices.length && j.choices[0].text) {
          times.push(performance.now());
          if (abortAfter && ++chunks >= abortAfter) {
            killed = true;
            ac.abort();
            return { killed };
          }
        }
      }
    }
  } catch (e) {
    if (!killed) throw e;
  }
  if (killed) return { killed };
  if (abortAfter) throw new Error(`the stream to be killed ended after ${chunks} chunks`);
  return { t0, times, usage, want: maxTokens };
}

async function metric(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = text.match(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

const failures = [];
const server = url ? { base: url, proc: { pid, kill() {}, removeAllListeners() {} } } : await startServer();
const report = { clients, max_tokens: [minTok, maxTok], serve_args: serveArgs.join(' ') };
try {
  // 1. Concurrent streams.
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: clients }, (_, i) =>
    streamOne(server.base, i, i < kill ? 3 : 0).catch((e) => ({ error: e.message }))));
  const wall = (performance.now() - t0) / 1000;
  const ttft = [];
  const itl = [];
  let tokens = 0;
  runs.forEach((r, i) => {
    if (r.error) return failures.push(`client ${i}: ${r.error}`);
    if (r.killed) return;
    if (!r.usage || r.usage.completion_tokens !== r.want)
      failures.push(`client ${i}: ${r.usage?.completion_tokens} tokens, asked for ${r.want}`);
    tokens += r.usage?.completion_tokens ?? 0;
    if (r.times.length) ttft.push(r.times[0] - r.t0);
    for (let k = 1; k < r.times.length; ++k) itl.push(r.times[k] - r.times[k - 1]);
  });
  // The killed clients' slots are free: nothing runs once every other stream ended.
  let running = NaN;
  for (let k = 0; k < 50 && !(running === 0); ++k) {
    running = await metric(server.base, 'vkllm_requests_running');
    if (running !== 0) await new Promise((r) => setTimeout(r, 100));
  }
  if (running !== 0) failures.push(`after the streams, ${running} requests still hold a slot`);
  Object.assign(report, {
    wall_s: wall, tokens, aggregate_tok_s: tokens / wall,
    ttft_ms: { p50: pct(ttft, 50), p99: pct(ttft, 99) },
    itl_ms: { p50: pct(itl, 50), p99: pct(itl, 99) },
    killed: kill, running_after: running,
  });

  // 2. Requests in sequence: memory stays flat.
  if (sequential > 0) {
    const warm = Math.max(1, Math.floor(sequential / 10));
    let rssWarm = 0;
    const s0 = performance.now();
    for (let i = 0; i < sequential; ++i) {
      const res = await fetch(`${server.base}/v1/completions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: promptOf(i), max_tokens: 1 + (i % 4), ignore_eos: true, stream: i % 2 === 0 }),
      });
      await res.text();
      if (res.status !== 200) failures.push(`sequential ${i}: HTTP ${res.status}`);
      if (i + 1 === warm && server.proc.pid) rssWarm = rssMiB(server.proc.pid);
    }
    const rssEnd = server.proc.pid ? rssMiB(server.proc.pid) : 0;
    report.sequential = { requests: sequential, seconds: (performance.now() - s0) / 1000, rss_mib_after_first_tenth: rssWarm, rss_mib_at_end: rssEnd };
    if (rssEnd > rssWarm + rssSlack) failures.push(`resident memory grew from ${rssWarm.toFixed(1)} to ${rssEnd.toFixed(1)} MiB`);
  }
} finally {
  server.proc.removeAllListeners('exit');
  server.proc.kill('SIGTERM');
}
report.failures = failures;
if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (x) => x.toFixed(1);
  console.log(`${clients} streaming clients (${kill} killed mid-stream), outputs ${minTok}..${maxTok} tokens: ` +
    `${report.tokens} tokens in ${f(report.wall_s)} s = ${f(report.aggregate_tok_s)} tok/s aggregate`);
  console.log(`  TTFT p50 ${f(report.ttft_ms.p50)} ms, p99 ${f(report.ttft_ms.p99)} ms; ` +
    `inter-token p50 ${f(report.itl_ms.p50)} ms, p99 ${f(report.itl_ms.p99)} ms`);
  if (report.sequential)
    console.log(`  ${sequential} sequential requests in ${f(report.sequential.seconds)} s; resident memory ` +
      `${f(report.sequential.rss_mib_after_first_tenth)} MiB after the first tenth, ${f(report.sequential.rss_mib_at_end)} MiB at the end`);
  for (const x of failures) console.log(`FAIL ${x}`);
}
process.exit(failures.length ? 1 : 0);
