// The timing model, measured on the socket: pacing against absolute deadlines, prompt evaluation
// with the KV cache, model loading, slots and the queue, and final stats that equal what was sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startFleet, type Fleet, type ServerOverrides } from '../../simulator/index.js';

let fleet: Fleet | null = null;
test.after.each(async () => {
  await fleet?.stop();
  fleet = null;
});

async function start(settings: ServerOverrides): Promise<string> {
  fleet = await startFleet({ servers: [{ port: 0, ...settings }], controlPort: null, seed: 3 });
  return fleet.urls[0];
}

interface Timed {
  lines: Array<Record<string, unknown>>;
  /** Arrival of each line, ms since the request was sent. */
  at: number[];
  status: number;
}

/**
 * Streams /api/chat and timestamps every NDJSON line as it arrives. node:http's 'data' events fire
 * as bytes arrive; a fetch reader would stamp lines when it gets round to reading them.
 */
function chat(url: string, body: Record<string, unknown>, abortAfter?: number): Promise<Timed> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/chat`, { method: 'POST', agent: false }, (res) => {
      const out: Timed = { lines: [], at: [], status: res.statusCode ?? 0 };
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = performance.now() - t0;
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) !== -1) {
          out.lines.push(JSON.parse(pending.slice(0, nl)));
          out.at.push(now);
          pending = pending.slice(nl + 1);
          if (abortAfter !== undefined && out.lines.length >= abortAfter) {
            req.destroy();
            return resolve(out);
          }
        }
      });
      res.on('end', () => resolve(out));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'llama3.2', stream: true, ...body }));
  });
}

const hello = (content = 'Hello there, how are you?') => ({ messages: [{ role: 'user', content }] });

test('20 tokens at 50 tok/s take 400 ms from first to last paced token, not 20 x (20 + lateness)', async () => {
  const url = await start({ tokens_per_sec: 50, num_tokens: 20, load_ms: 0 });
  const r = await chat(url, hello());
  const tokens = r.at.slice(0, 20);
  assert.is(r.lines.length, 21);
  // Token i is due at start + (i + 1) * 20 ms, so first-to-last spans 19 intervals = 380 ms.
  const span = tokens[19] - tokens[0];
  assert.ok(span >= 370 && span < 430, `first-to-last token span ${span.toFixed(1)} ms, expected ~380 ms`);
  const final = r.lines[20];
  const evalMs = (final.eval_duration as number) / 1e6;
  assert.ok(evalMs >= 395 && evalMs < 450, `eval_duration ${evalMs} ms for 20 tokens at 50 tok/s`);
  assert.is(final.eval_count, 20);
});

test('final stats equal what went over the socket, streaming and not', async () => {
  const url = await start({ tokens_per_sec: 100, num_tokens: 12, load_ms: 150, prompt_tokens_per_sec: 1000 });
  const t0 = performance.now();
  const r = await chat(url, hello('One two three four five six seven eight nine ten'));
  const wall = performance.now() - t0;
  const final = r.lines.at(-1)!;
  assert.is(final.done, true);
  assert.is(final.eval_count, r.lines.length - 1);
  const ms = (k: string) => (final[k] as number) / 1e6;
  // Cold model: the load shows in load_duration, and total covers load + prompt + generation.
  assert.ok(ms('load_duration') >= 145 && ms('load_duration') < 250, `load_duration ${ms('load_duration')}`);
  assert.ok(ms('total_duration') <= wall + 1, `total_duration ${ms('total_duration')} > client wall time ${wall}`);
  assert.ok(ms('total_duration') >= ms('load_duration') + ms('prompt_eval_duration') + ms('eval_duration') - 1);
  assert.ok(r.at.at(-1)! - ms('total_duration') < 150, `total ${ms('total_duration')} ms vs the last line at ${r.at.at(-1)} ms`);
  // Warm model, non-streamed: no load, same shape of stats.
  const res = await fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', stream: false, ...hello('Something else entirely') }) });
  const body = (await res.json()) as Record<string, number>;
  assert.ok(body.load_duration / 1e6 < 20, `warm load_duration ${body.load_duration / 1e6} ms`);
  assert.is(body.eval_count, 12);
  assert.ok(body.eval_duration / 1e6 >= 115 && body.eval_duration / 1e6 < 200);
});

test('the second identical chat has a smaller TTFT: the cached prefix is free', async () => {
  const url = await start({ prompt_tokens_per_sec: 200, load_ms: 0, tokens_per_sec: 200, num_tokens: 3 });
  const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  const first = await chat(url, hello(long));
  const second = await chat(url, hello(long));
  const f = first.lines.at(-1)!;
  const s = second.lines.at(-1)!;
  assert.ok((s.prompt_eval_count as number) < (f.prompt_eval_count as number) / 10, `prompt_eval_count ${f.prompt_eval_count} then ${s.prompt_eval_count}`);
  assert.ok(first.at[0] - second.at[0] > 150, `TTFT ${first.at[0].toFixed(0)} ms then ${second.at[0].toFixed(0)} ms`);
  // A different conversation does not hit the cache.
  const other = await chat(url, hello(`different ${long}`));
  assert.ok((other.lines.at(-1)!.prompt_eval_count as number) > 60);
});

test('one slot: a queued request starts after the first ends; past max_queue, 503 server busy', async () => {
  const url = await start({ num_parallel: 1, max_queue: 1, tokens_per_sec: 100, num_tokens: 10, load_ms: 0 });
  const a = chat(url, hello('first'));
  const b = chat(url, hello('second'));
  // Wait until both are in (one generating, one queued) before the third arrives.
  const server = fleet!.list()[0];
  const deadline = Date.now() + 2000;
  while (server.slots.queueLength < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const c = await fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', ...hello('third') }) });
  assert.is(c.status, 503);
  assert.equal(await c.json(), { error: 'server busy, please try again.  maximum pending requests exceeded' });
  const [ra, rb] = await Promise.all([a, b]);
  const records = fleet!.journal({}).filter((r) => r.path === '/api/chat');
  const [ja, jb] = [records[0], records[1]];
  assert.ok(jb.startedAt! >= ja.endedAt! - 2, `second started ${jb.startedAt! - ja.endedAt!} ms before the first ended`);
  assert.ok(rb.at[0] > ra.at.at(-1)!, 'the queued request produced a token before the first finished');
});

test('a client that disconnects frees its slot at once and generation stops', async () => {
  const url = await start({ num_parallel: 1, tokens_per_sec: 50, num_tokens: 500, load_ms: 0 });
  const aborted = await chat(url, hello('long one'), 3);
  assert.is(aborted.lines.length, 3);
  const record = await fleet!.waitForRecord((r) => r.outcome === 'client_aborted', 2000);
  assert.ok(record.abortedAfterTokens! >= 3 && record.abortedAfterTokens! < 10, `aborted after ${record.abortedAfterTokens} tokens`);
  const t0 = performance.now();
  const next = await chat(url, hello('next'), 1);
  // 500 tokens at 50 tok/s would hold the slot for 10 s.
  assert.ok(next.at[0] < 1000, `the next request waited ${(performance.now() - t0).toFixed(0)} ms for the slot`);
});

test('model residency: keep_alive 0 unloads, negative keeps forever, max_loaded_models evicts the LRU', async () => {
  const url = await start({ max_loaded_models: 1, load_ms: 100, tokens_per_sec: 500, num_tokens: 2 });
  const ps = async () => ((await (await fetch(`${url}/api/ps`)).json()) as { models: Array<{ name: string; expires_at: string }> }).models;
  await chat(url, { ...hello(), keep_alive: -1 });
  let loaded = await ps();
  assert.equal(loaded.map((m) => m.name), ['llama3.2:latest']);
  assert.ok(new Date(loaded[0].expires_at).getFullYear() > 2200, `keep_alive -1 expires_at ${loaded[0].expires_at}`);
  // A warm model pays no load time.
  const warm = await chat(url, hello('again'));
  assert.ok((warm.lines.at(-1)!.load_duration as number) / 1e6 < 20);
  // Loading a second model evicts the first (max_loaded_models 1) and pays the load.
  const other = await chat(url, { ...hello(), model: 'qwen3:8b', think: false });
  assert.ok((other.lines.at(-1)!.load_duration as number) / 1e6 >= 95);
  loaded = await ps();
  assert.equal(loaded.map((m) => m.name), ['qwen3:8b']);
  const expires = new Date(loaded[0].expires_at).getTime() - Date.now();
  assert.ok(expires > 4.5 * 60_000 && expires <= 5 * 60_000 + 1000, `default keep-alive: expires in ${expires} ms`);
  // keep_alive 0: unloaded when the request ends.
  await chat(url, { ...hello(), model: 'qwen3:8b', think: false, keep_alive: 0 });
  assert.equal(await ps(), []);
});

test.run();
