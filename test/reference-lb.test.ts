// The reference load balancer, run as a real child process in front of small real node:http
// backends on port 0. Every wait is for an event (a log line, a chunk, a socket close) under a
// deadline, and every process and server is closed in test.after.each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { DEFECT_NAMES } from '../examples/reference-lb/defects.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = 'examples/reference-lb/main.ts';
const cleanups: Array<() => unknown> = [];

test.after.each(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

// ---------- helpers ----------

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

type FakeBackend = { url: string; name: string; chats: string[] };

const ndjson = (o: object): string => `${JSON.stringify(o)}\n`;

/** A tiny Ollama: `/`, `/api/tags` with the given models, and a two-line NDJSON `/api/chat`. */
async function backend(name: string, models: string[], chat?: Handler): Promise<FakeBackend> {
  const chats: string[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url === '/') return void res.end('Ollama is running');
    if (req.url === '/api/tags') {
      const entries = models.map((m) => ({ name: m, model: m, modified_at: '2025-01-01T00:00:00Z', size: 1, digest: 'x', details: {} }));
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ models: entries }));
    }
    if (req.method === 'POST' && req.url === '/api/chat') {
      let asked = '';
      try {
        asked = String(JSON.parse(body.toString()).model);
      } catch {
        return void res.writeHead(400).end('{"error":"unexpected EOF"}'); // like Ollama on a cut body
      }
      chats.push(asked);
      if (chat) return chat(req, res, body);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(ndjson({ backend: name, model: asked, message: { role: 'assistant', content: 'hi' }, done: false }));
      return void res.end(ndjson({ backend: name, model: asked, done: true, done_reason: 'stop' }));
    }
    res.writeHead(404).end('404 page not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, name, chats };
}

/** A URL nobody listens on: a real ECONNREFUSED. */
async function refusedUrl(): Promise<string> {
  const s = http.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

type Lb = {
  url: string;
  lines: string[];
  waitForLine(re: RegExp, from?: number): Promise<string>;
  stop(): Promise<{ exitCode?: number; signal?: string }>;
};

// REFERENCE_LB_DEFECT=NAME runs every balancer with that defect: a mutation check of these tests
// (a race-* defect only the balancers started with --race, the only ones it applies to).
const INJECTED = process.env.REFERENCE_LB_DEFECT;

async function startLb(args: string[]): Promise<Lb> {
  const inject = INJECTED !== undefined && (!INJECTED.startsWith('race-') || args.includes('--race'));
  const child = execa('node', ['--import', 'tsx', MAIN, '--port', '0', ...args, ...(inject ? ['--defect', INJECTED] : [])], {
    cwd: root,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    forceKillAfterDelay: 3000,
  });
  let stopped: Promise<{ exitCode?: number; signal?: string }> | undefined;
  const stop = () => {
    if (stopped === undefined) {
      child.kill('SIGTERM');
      stopped = child.then((r) => ({ exitCode: r.exitCode, signal: r.signal }));
    }
    return stopped;
  };
  cleanups.push(stop);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  child.stdout!.on('data', (c: Buffer) => {
    const parts = (partial + c.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    waiters.forEach((w) => w());
  });
  const exited = child.then(() => {
    throw new Error(`reference-lb exited early; stderr: ${stderr}`);
  });
  exited.catch(() => {});
  const waitForLine = (re: RegExp, from = 0): Promise<string> => {
    const found = new Promise<string>((resolve) => {
      const check = () => {
        const hit = lines.slice(from).find((l) => re.test(l));
        if (hit === undefined) return;
        waiters.delete(check);
        resolve(hit);
      };
      waiters.add(check);
      check();
    });
    return within(Promise.race([found, exited]), 10_000, `a log line matching ${re}\n--- log:\n${lines.join('\n')}`);
  };
  const listening = await waitForLine(/^listening on http:\/\/\S+$/);
  return { url: listening.slice('listening on '.length), lines, waitForLine, stop };
}

type Reply = { status: number; headers: http.IncomingHttpHeaders; text: string; ended: boolean; error?: string };

/** Reads a response to its end or its breakage; `ended` is true only for a complete message. */
function readAll(res: http.IncomingMessage): Promise<Reply> {
  return new Promise((resolve) => {
    let text = '';
    let ended = false;
    let error: string | undefined;
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => (ended = true));
    res.on('error', (e) => (error = e.message));
    res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ended, error }));
  });
}

function send(base: string, method: string, path: string, body?: string | Buffer): Promise<Reply> {
  return within(
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method, agent: false }, (res) => void readAll(res).then(resolve));
      req.on('error', reject);
      req.end(body);
    }),
    10_000,
    `${method} ${path}`,
  );
}

const chatBody = (model: string, content = 'hello') =>
  JSON.stringify({ model, messages: [{ role: 'user', content }], stream: true });

// ---------- tests ----------

test('streams each chunk to the client before the backend has ended', async () => {
  const release = deferred();
  let backendEnded = false;
  const a = await backend('a', ['llama3:latest'], async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(ndjson({ n: 1, done: false }));
    await release.promise;
    backendEnded = true;
    res.end(ndjson({ n: 2, done: true }));
  });
  const lb = await startLb(['--backend', a.url]);
  const firstChunk = deferred<string>();
  const reply = new Promise<Reply>((resolve, reject) => {
    const req = http.request(`${lb.url}/api/chat`, { method: 'POST', agent: false }, (res) => {
      res.once('data', (c: Buffer) => firstChunk.resolve(c.toString()));
      void readAll(res).then(resolve);
    });
    req.on('error', reject);
    req.end(chatBody('llama3'));
  });
  reply.catch(() => {}); // awaited below; if the test fails first, its later rejection is no crash
  const first = await within(firstChunk.promise, 5000, 'the first chunk');
  assert.is(backendEnded, false, 'the first chunk must arrive while the backend is still generating');
  assert.is(first, ndjson({ n: 1, done: false }));
  release.resolve();
  const r = await within(reply, 5000, 'the end of the stream');
  assert.is(r.ended, true);
  assert.is(r.text, ndjson({ n: 1, done: false }) + ndjson({ n: 2, done: true }));
  assert.is(r.headers['content-length'], undefined, 'a stream must stay chunked');
});

test('a 10 MB request body reaches the backend intact', async () => {
  const a = await backend('a', ['llama3:latest'], (_req, res, body) => {
    res.end(JSON.stringify({ size: body.length, sha: createHash('sha256').update(body).digest('hex') }));
  });
  const lb = await startLb(['--backend', a.url]);
  const big = Buffer.from(JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'x'.repeat(10.5 * 2 ** 20) }] }));
  const r = await send(lb.url, 'POST', '/api/chat', big);
  assert.is(r.status, 200);
  assert.equal(JSON.parse(r.text), { size: big.length, sha: createHash('sha256').update(big).digest('hex') });
});

test('retries a refused port on the next backend and marks it unhealthy', async () => {
  const refused = await refusedUrl();
  const good = await backend('good', ['llama3:latest']);
  const lb = await startLb(['--backend', refused, '--backend', good.url]);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 200);
  assert.match(r.text, '"backend":"good"');
  await lb.waitForLine(new RegExp(`^route POST /api/chat -> ${refused} \\(attempt 1\\)$`));
  await lb.waitForLine(new RegExp(`^backend ${refused} unhealthy: ECONNREFUSED$`));
  await lb.waitForLine(new RegExp(`^route POST /api/chat -> ${good.url} \\(attempt 2\\)$`));
  const mark = lb.lines.length;
  const again = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(again.status, 200);
  await lb.waitForLine(new RegExp(`^route POST /api/chat -> ${good.url} \\(attempt 1\\)$`), mark);
});

test('with --defect no-retry the refused port is final: 502', async () => {
  const refused = await refusedUrl();
  const good = await backend('good', ['llama3:latest']);
  const lb = await startLb(['--backend', refused, '--backend', good.url, '--defect', 'no-retry']);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 502);
  assert.equal(JSON.parse(r.text), { error: 'no backend available: ECONNREFUSED' });
  assert.equal(good.chats, []);
});

test('with every backend down the client gets a 502 at once, request after request', async () => {
  const down1 = await refusedUrl();
  const down2 = await refusedUrl();
  const lb = await startLb(['--backend', down1, '--backend', down2]);
  for (let i = 0; i < 3; i++) {
    // Both are in cooldown after the first request; they are still tried, never waited for.
    const r = await within(send(lb.url, 'POST', '/api/chat', chatBody('llama3')), 2000, `answer ${i + 1}`);
    assert.is(r.status, 502);
    assert.equal(JSON.parse(r.text), { error: 'no backend available: ECONNREFUSED' });
  }
});

test('retries a 503 on another backend; the last 503 passes through unchanged', async () => {
  const busy: Handler = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"error":"server busy, please try again.  maximum pending requests exceeded"}');
  };
  const a = await backend('a', ['llama3:latest'], busy);
  const b = await backend('b', ['llama3:latest']);
  const lb = await startLb(['--backend', a.url, '--backend', b.url]);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 200);
  assert.match(r.text, '"backend":"b"');
  assert.is(a.chats.length, 1, 'the 503 backend was tried first');

  const c = await backend('c', ['llama3:latest'], busy);
  const lb2 = await startLb(['--backend', a.url, '--backend', c.url]);
  const last = await send(lb2.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(last.status, 503);
  assert.is(last.text, '{"error":"server busy, please try again.  maximum pending requests exceeded"}');
  assert.is(a.chats.length + c.chats.length, 3, 'each backend tried exactly once for the second request');
});

test('retries on another backend when the first says nothing within --timeout-ms', async () => {
  const silent = await backend('silent', ['llama3:latest'], () => {}); // never answers
  const b = await backend('b', ['llama3:latest']);
  const lb = await startLb(['--backend', silent.url, '--backend', b.url, '--timeout-ms', '300']);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 200);
  assert.match(r.text, '"backend":"b"');
  assert.is(silent.chats.length, 1);
  await lb.waitForLine(new RegExp(`^backend ${silent.url} unhealthy: inactivity timeout`));
});

test('routes by model and aggregates /api/tags and /v1/models', async () => {
  const a = await backend('a', ['llama3:latest', 'shared:latest']);
  const b = await backend('b', ['qwen2:7b', 'shared:latest']);
  const lb = await startLb(['--backend', a.url, '--backend', b.url]);
  await lb.waitForLine(new RegExp(`^backend ${a.url} models: llama3:latest, shared:latest$`));
  await lb.waitForLine(new RegExp(`^backend ${b.url} models: qwen2:7b, shared:latest$`));

  const tags = await send(lb.url, 'GET', '/api/tags');
  assert.is(tags.status, 200);
  const names = (JSON.parse(tags.text).models as { name: string }[]).map((m) => m.name).sort();
  assert.equal(names, ['llama3:latest', 'qwen2:7b', 'shared:latest']);

  const v1 = JSON.parse((await send(lb.url, 'GET', '/v1/models')).text);
  assert.is(v1.object, 'list');
  assert.equal(v1.data.map((m: { id: string }) => m.id).sort(), names);
  assert.equal(v1.data[0], { id: v1.data[0].id, object: 'model', created: 1735689600, owned_by: 'library' });

  for (let i = 0; i < 4; i++) {
    assert.match((await send(lb.url, 'POST', '/api/chat', chatBody('llama3', `q${i}`))).text, '"backend":"a"');
    assert.match((await send(lb.url, 'POST', '/api/chat', chatBody('QWEN2:7b', `q${i}`))).text, '"backend":"b"');
  }
  assert.equal(b.chats.filter((m) => m === 'llama3'), []);
  assert.equal(a.chats.filter((m) => m === 'QWEN2:7b'), []);

  const missing = await send(lb.url, 'POST', '/api/chat', chatBody('missing'));
  assert.is(missing.status, 404);
  assert.equal(JSON.parse(missing.text), { error: "model 'missing' not found" });
});

test('a repeated conversation goes back to the backend that served it', async () => {
  const a = await backend('a', ['llama3:latest']);
  const b = await backend('b', ['llama3:latest']);
  const lb = await startLb(['--backend', a.url, '--backend', b.url]);
  const served: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'same conversation'));
    served.push(JSON.parse(r.text.split('\n')[0]!).backend);
  }
  assert.equal(new Set(served).size, 1, `one backend for one conversation, got ${served.join(',')}`);
  const other = await send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'another conversation'));
  assert.is.not(JSON.parse(other.text.split('\n')[0]!).backend, served[0], 'a new conversation spreads (round-robin)');
});

test('a client abort closes the upstream socket at once', async () => {
  const upstreamClosed = deferred();
  const a = await backend('a', ['llama3:latest'], (req, res) => {
    req.socket.once('close', () => upstreamClosed.resolve());
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(ndjson({ n: 1, done: false })); // ...and never ends, like a long generation
  });
  const lb = await startLb(['--backend', a.url]);
  const gotChunk = deferred();
  const req = http.request(`${lb.url}/api/chat`, { method: 'POST', agent: false }, (res) => {
    res.once('data', () => gotChunk.resolve());
  });
  req.on('error', () => {});
  req.end(chatBody('llama3'));
  await within(gotChunk.promise, 5000, 'the first chunk');
  req.destroy();
  await within(upstreamClosed.promise, 3000, 'the balancer to close the upstream socket');
  await lb.waitForLine(/^abort POST \/api\/chat -> .* client went away$/);
});

/** A backend that sends one NDJSON line and then drops the connection. */
const dropsMidStream: Handler = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.write(ndjson({ n: 1, done: false }), () => req.socket.destroy());
};

test('a mid-stream backend failure breaks the client stream (no fabricated end)', async () => {
  const a = await backend('a', ['llama3:latest'], dropsMidStream);
  const lb = await startLb(['--backend', a.url]);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 200);
  assert.is(r.ended, false, 'the client must see a broken stream, not a complete one');
  assert.is(r.text, ndjson({ n: 1, done: false }), 'what the backend sent still arrives, and nothing more');
  await lb.waitForLine(new RegExp(`^backend ${a.url} unhealthy: mid-stream`));
});

test('with --defect fake-done the same failure looks like a clean end', async () => {
  const a = await backend('a', ['llama3:latest'], dropsMidStream);
  const lb = await startLb(['--backend', a.url, '--defect', 'fake-done']);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.ended, true);
  assert.match(r.text, '"done":true');
});

test('with --defect buffer-streams the response waits for the end and gets a Content-Length', async () => {
  const a = await backend('a', ['llama3:latest']);
  const lb = await startLb(['--backend', a.url, '--defect', 'buffer-streams']);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 200);
  assert.is(r.headers['content-length'], String(Buffer.byteLength(r.text)));
});

test('in-band NDJSON error lines pass through unchanged, with no done line added', async () => {
  const a = await backend('a', ['llama3:latest'], (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(ndjson({ n: 1, done: false }));
    res.end(ndjson({ error: 'an error was encountered while running the model' }));
  });
  const lb = await startLb(['--backend', a.url]);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.ended, true);
  assert.is(r.text, ndjson({ n: 1, done: false }) + ndjson({ error: 'an error was encountered while running the model' }));
});

test('a busy backend still gets the next request (the backend queues, not the balancer)', async () => {
  const release = deferred();
  const a = await backend('a', ['llama3:latest'], async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(ndjson({ n: 1, done: false }));
    await release.promise;
    res.end(ndjson({ done: true }));
  });
  const lb = await startLb(['--backend', a.url]);
  const first = send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'one'));
  first.catch(() => {});
  await lb.waitForLine(/^route POST \/api\/chat -> .* \(attempt 1\)$/);
  const second = send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'two'));
  second.catch(() => {});
  await lb.waitForLine(/^route POST \/api\/chat -> /, lb.lines.findIndex((l) => l.startsWith('route')) + 1);
  release.resolve();
  const [r1, r2] = await Promise.all([first, second]);
  assert.is(r1.status, 200);
  assert.is(r2.status, 200);
  assert.is(a.chats.length, 2);
});

test('a failed backend gets a trial request after its cooldown and becomes healthy again', async () => {
  let failures = 1;
  const a = await backend('a', ['llama3:latest'], (_req, res) => {
    if (failures-- > 0) return void res.writeHead(500).end('{"error":"llama runner process has terminated"}');
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end(ndjson({ backend: 'a', done: true }));
  });
  const b = await backend('b', ['llama3:latest']);
  const lb = await startLb(['--backend', a.url, '--backend', b.url]);
  const r1 = await send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'one'));
  assert.match(r1.text, '"backend":"b"');
  await lb.waitForLine(new RegExp(`^backend ${a.url} unhealthy: HTTP 500$`));
  await lb.waitForLine(new RegExp(`^backend ${a.url} half-open: `)); // cooldown over (or probe ok)
  // Round-robin now points at a, the half-open backend: it gets the trial request.
  const r2 = await send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'two'));
  assert.match(r2.text, '"backend":"a"');
  await lb.waitForLine(new RegExp(`^backend ${a.url} healthy: request succeeded$`));
});

test('--backends-file: backends added and removed at runtime', async () => {
  const a = await backend('a', ['llama3:latest']);
  const b = await backend('b', ['llama3:latest']);
  const dir = mkdtempSync(join(tmpdir(), 'reference-lb-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'backends');
  writeFileSync(file, `# the fleet\n${a.url}\n`);
  const lb = await startLb(['--backends-file', file]);
  assert.match((await send(lb.url, 'POST', '/api/chat', chatBody('llama3'))).text, '"backend":"a"');
  writeFileSync(file, `${b.url} # replaces a\n`);
  await lb.waitForLine(new RegExp(`^backend ${b.url} added$`));
  await lb.waitForLine(new RegExp(`^backend ${a.url} removed$`));
  for (let i = 0; i < 3; i++) {
    assert.match((await send(lb.url, 'POST', '/api/chat', chatBody('llama3', `q${i}`))).text, '"backend":"b"');
  }
});

test('SIGTERM closes open streams and exits 0', async () => {
  const a = await backend('a', ['llama3:latest'], (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(ndjson({ n: 1, done: false })); // never ends
  });
  const lb = await startLb(['--backend', a.url]);
  const opened = deferred<http.IncomingMessage>();
  const req = http.request(`${lb.url}/api/chat`, { method: 'POST', agent: false }, opened.resolve);
  req.on('error', () => {});
  req.end(chatBody('llama3'));
  const res = await within(opened.promise, 5000, 'the response head');
  const reply = readAll(res);
  const result = await within(lb.stop(), 5000, 'the balancer to exit');
  assert.is(result.exitCode, 0);
  assert.is((await within(reply, 3000, 'the client stream to close')).ended, false);
});

// ---------- racing (--race N) ----------

/** A backend whose head goes out at once but whose first token waits for `release`; it records its socket closing. */
function headFirst(release: Promise<void>, closed: { resolve: () => void }): Handler {
  return async (req, res) => {
    req.socket.once('close', () => closed.resolve());
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.flushHeaders();
    await release;
    if (!res.destroyed) res.end(ndjson({ backend: 'head-first', done: true }));
  };
}

test('--race 2: the first token wins, not the first head; the loser is cancelled at once', async () => {
  const release = deferred();
  const loserClosed = deferred();
  const slowToken = await backend('slow-token', ['llama3:latest'], headFirst(release.promise, loserClosed));
  const fast = await backend('fast', ['llama3:latest'], (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(ndjson({ backend: 'fast', message: { content: 'hi' }, done: false }));
      res.end(ndjson({ backend: 'fast', done: true }));
    }, 200); // its head comes well after the other's
  });
  cleanups.push(() => release.resolve());
  const lb = await startLb(['--race', '2', '--backend', slowToken.url, '--backend', fast.url]);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 200);
  assert.equal(r.text.trim().split('\n').map((l) => JSON.parse(l).backend), ['fast', 'fast'], "exactly the winner's stream");
  assert.is(r.headers['x-ollama-lb-backend'], fast.url);
  await within(loserClosed.promise, 2000, "the loser's socket to close");
  await lb.waitForLine(new RegExp(`^race POST /api/chat: ${fast.url} won; losers cancelled: ${slowToken.url}$`));
  assert.is(slowToken.chats.length, 1);
});

test('--race 2: an in-band error line is not a token; a racer failing before its token is left out of the next race', async () => {
  const broken = await backend('broken', ['llama3:latest'], (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end(ndjson({ error: 'llama runner process has terminated' }));
  });
  const good = await backend('good', ['llama3:latest'], (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(ndjson({ backend: 'good', done: true }));
    }, 100);
  });
  const lb = await startLb(['--race', '2', '--backend', broken.url, '--backend', good.url]);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'one'));
  assert.match(r.text, '"backend":"good"');
  assert.not.match(r.text, 'terminated');
  await lb.waitForLine(new RegExp(`^race POST /api/chat: ${broken.url} out: no token before the end of the response$`));
  await lb.waitForLine(new RegExp(`^backend ${broken.url} unhealthy: no token before the end of the response$`));
  const r2 = await send(lb.url, 'POST', '/api/chat', chatBody('llama3', 'two'));
  assert.match(r2.text, '"backend":"good"');
  assert.is(broken.chats.length, 1, 'the unhealthy backend is not raced during its cooldown');
  assert.is(good.chats.length, 2);
});

test('--race 2: when no racer sends a token, the last answer reaches the client unchanged', async () => {
  const busy: Handler = (_req, res) => void res.writeHead(503, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":"server busy"}');
  const a = await backend('a', ['llama3:latest'], busy);
  const b = await backend('b', ['llama3:latest'], busy);
  const lb = await startLb(['--race', '2', '--backend', a.url, '--backend', b.url]);
  const r = await send(lb.url, 'POST', '/api/chat', chatBody('llama3'));
  assert.is(r.status, 503);
  assert.is(r.text, '{"error":"server busy"}');
  assert.is(a.chats.length + b.chats.length, 2, 'one race, each backend once');
});

test('--race 2: a non-streamed chat is not raced (its first byte would come only at the end)', async () => {
  const a = await backend('a', ['llama3:latest']);
  const b = await backend('b', ['llama3:latest']);
  const lb = await startLb(['--race', '2', '--backend', a.url, '--backend', b.url]);
  const body = JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }], stream: false });
  const r = await send(lb.url, 'POST', '/api/chat', body);
  assert.is(r.status, 200);
  assert.is(a.chats.length + b.chats.length, 1);
  await lb.waitForLine(/^route POST \/api\/chat -> \S+ \(attempt 1\)$/);
});

test('--race 1, and a race-* defect without --race, exit 2 with one line', async () => {
  for (const args of [['--race', '1'], ['--defect', 'race-no-cancel']]) {
    const r = await execa('node', ['--import', 'tsx', MAIN, '--port', '0', '--backend', 'http://127.0.0.1:1', ...args], { cwd: root, reject: false, timeout: 20_000 });
    assert.is(r.exitCode, 2, args.join(' '));
    assert.is(String(r.stderr).trim().split('\n').length, 1, String(r.stderr));
    assert.match(String(r.stderr), '--race');
  }
});

test('an unknown --defect exits 2 with one line listing the valid names', async () => {
  const r = await execa('node', ['--import', 'tsx', MAIN, '--port', '0', '--backend', 'http://127.0.0.1:1', '--defect', 'nope'], {
    cwd: root,
    reject: false,
    timeout: 20_000,
  });
  assert.is(r.exitCode, 2);
  assert.is(r.stdout, '');
  const err = String(r.stderr).trim();
  assert.is(err.split('\n').length, 1, err);
  assert.match(err, "unknown defect 'nope'");
  for (const name of DEFECT_NAMES) assert.match(err, name);
});

test.run();
