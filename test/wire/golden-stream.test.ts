// Golden bytes of streamed responses, read on the raw TCP socket: status line, headers, every chunk
// size line and CRLF, the terminating `0\r\n\r\n`, what follows on a kept-alive connection, and how
// the connection ends (open, FIN, RST). They were generated on the streaming path as it was before
// the per-socket write path (issue 10) and pin it: a faster path must send the same bytes.
//
// Chunk boundaries are compared too: the simulator sends one chunk per record group (a token's
// lines, the final line, a cut's record), however it hands them to the kernel, so a client that
// splits on chunks sees what it saw before. TCP segmentation is invisible here (the bytes are
// concatenated as they arrive).
//
// What legitimately varies between runs is masked, narrowly (see MASKS), after the framing was
// decoded and checked; the chunk size lines of the golden text are then recomputed from the masked
// payloads, so a golden file is itself well-formed. The framing check is separate and strict: each
// size line is hex, followed by exactly that many bytes and CRLF (framingOf below).
//
//   UPDATE_GOLDEN=1 npx tsx test/wire/golden-stream.test.ts    rewrites test/wire/golden/*.txt
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../../simulator/index.js';
import type { JournalRecord } from '../../simulator/journal/record.js';
import { RawConnection, request } from '../behaviors/wire.js';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Fast and short, so every case takes a few milliseconds of pacing. */
const SETTINGS = { tokens_per_sec: 2000, prompt_tokens_per_sec: 100_000, load_ms: 0, num_tokens: 5 };
const SEED = 7;

/**
 * What varies from run to run, and only that. Each mask keeps the field's name so the golden text
 * still says what was there.
 */
const MASKS: Array<[RegExp, string]> = [
  // The HTTP Date header: the wall clock.
  [/^Date: .*$/gm, 'Date: <date>'],
  // Native created_at: the wall clock when the line was written.
  [/"created_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/g, '"created_at":"<time>"'],
  // Native durations (ns) on the done line: measured on the real clock.
  [/"(total|load|prompt_eval|eval)_duration":\d+/g, '"$1_duration":<ns>'],
  // OpenAI `created`: unix seconds of the wall clock.
  [/"created":\d+/g, '"created":<unix>'],
  // OpenAI and Anthropic ids hash the server's port, which the OS chooses (port 0).
  [/"id":"(chatcmpl|cmpl)-\d+"/g, '"id":"$1-<port-hash>"'],
  [/"id":"msg_[0-9a-f]{24}"/g, '"id":"msg_<port-hash>"'],
];

const mask = (text: string): string => MASKS.reduce((t, [re, to]) => t.replace(re, to), text);

interface Response {
  head: string;
  /** Chunk payloads as sent (chunked responses), or the one Content-Length body. */
  chunks: string[];
  framing: 'terminated' | 'length' | 'incomplete' | 'broken';
  /** Bytes after the point where the framing broke, as they came. */
  tail: string;
}

/** Splits raw bytes (latin1, one char per byte) into responses, decoding chunked framing strictly. */
function framingOf(raw: string): Response[] {
  const out: Response[] = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at);
    if (headEnd === -1) {
      out.push({ head: '', chunks: [], framing: 'broken', tail: raw.slice(at) });
      break;
    }
    const head = raw.slice(at, headEnd + 4);
    at = headEnd + 4;
    const length = /^Content-Length: (\d+)$/im.exec(head);
    if (!/^Transfer-Encoding: chunked$/im.test(head)) {
      const n = length ? Number(length[1]) : raw.length - at;
      out.push({ head, chunks: [raw.slice(at, at + n)], framing: at + n <= raw.length ? 'length' : 'incomplete', tail: '' });
      at += n;
      continue;
    }
    const r: Response = { head, chunks: [], framing: 'incomplete', tail: '' };
    out.push(r);
    for (;;) {
      const eol = raw.indexOf('\r\n', at);
      if (eol === -1) break;
      const sizeText = raw.slice(at, eol);
      if (!/^[0-9a-f]+$/.test(sizeText)) {
        r.framing = 'broken';
        break;
      }
      const size = parseInt(sizeText, 16);
      const end = eol + 2 + size;
      if (end + 2 > raw.length) break;
      if (raw.slice(end, end + 2) !== '\r\n') {
        r.framing = 'broken';
        break;
      }
      at = end + 2;
      if (size === 0) {
        r.framing = 'terminated';
        break;
      }
      r.chunks.push(raw.slice(eol + 2, end));
    }
    if (r.framing !== 'terminated') {
      r.tail = raw.slice(at);
      break;
    }
  }
  return out;
}

/** The golden text of a response: masked, with chunk sizes recomputed from the masked payloads. */
function render(r: Response): string {
  const body = r.framing === 'length' ? mask(r.chunks.join('')) : r.chunks.map((c) => frame(mask(c))).join('');
  return mask(r.head) + body + (r.framing === 'terminated' ? '0\r\n\r\n' : '') + mask(r.tail);
}

const frame = (payload: string) => `${payload.length.toString(16)}\r\n${payload}\r\n`;

const sha256 = (latin1: string) => createHash('sha256').update(Buffer.from(latin1, 'latin1')).digest('hex');

interface Case {
  name: string;
  /** One or more requests sent one after the other on the same connection. */
  requests: Array<{ path: string; body?: unknown; method?: string }>;
  behavior?: unknown;
  model?: string;
  /** How the exchange ends: every response complete (connection kept alive), or the server closes it. */
  until: 'complete' | 'closed';
  /** Send every request at once (HTTP pipelining): a response waits for the one before it. */
  pipelined?: boolean;
  /** An HTTP/1.0 request: no chunked framing, the body ends with the connection. */
  http10?: boolean;
}

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'test-model', messages: [{ role: 'user', content: 'hello there' }], ...extra });
const openai = (extra: Record<string, unknown> = {}) => ({ model: 'test-model', stream: true, messages: [{ role: 'user', content: 'hello there' }], ...extra });
const anthropic = (extra: Record<string, unknown> = {}) => ({ model: 'test-model', stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'hello there' }], ...extra });
const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

const CASES: Case[] = [
  { name: 'native-chat', requests: [{ path: '/api/chat', body: chat() }], until: 'complete' },
  { name: 'native-chat-think', requests: [{ path: '/api/chat', body: chat({ model: 'qwen3:8b', think: true }) }], until: 'complete' },
  { name: 'native-chat-tools', requests: [{ path: '/api/chat', body: chat({ tools: TOOLS }) }], until: 'complete' },
  { name: 'native-chat-unicode', requests: [{ path: '/api/chat', body: chat({ format: { type: 'object', properties: { city: { enum: ['Zürich "quoted" \\ 東京\n'] } } } }) }], until: 'complete' },
  { name: 'native-generate', requests: [{ path: '/api/generate', body: { model: 'test-model', prompt: 'hello there' } }], until: 'complete' },
  { name: 'native-generate-think', requests: [{ path: '/api/generate', body: { model: 'qwen3:8b', prompt: 'hello there', think: true } }], until: 'complete' },
  { name: 'openai-chat', requests: [{ path: '/v1/chat/completions', body: openai({ stream_options: { include_usage: true } }) }], until: 'complete' },
  { name: 'openai-chat-reasoning-tools', requests: [{ path: '/v1/chat/completions', body: openai({ model: 'qwen3:8b', reasoning_effort: 'low', tools: TOOLS }) }], until: 'complete' },
  { name: 'openai-completions', requests: [{ path: '/v1/completions', body: { model: 'test-model', prompt: 'hello there', stream: true } }], until: 'complete' },
  { name: 'anthropic-messages', requests: [{ path: '/v1/messages', body: anthropic() }], until: 'complete' },
  { name: 'anthropic-messages-thinking', requests: [{ path: '/v1/messages', body: anthropic({ model: 'qwen3:8b', thinking: { type: 'enabled', budget_tokens: 1024 } }) }], until: 'complete' },
  {
    name: 'keep-alive-two-streams-then-version',
    requests: [{ path: '/api/chat', body: chat() }, { path: '/v1/chat/completions', body: openai() }, { method: 'GET', path: '/api/version' }],
    until: 'complete',
  },
  {
    name: 'pipelined-two-streams',
    requests: [{ path: '/api/generate', body: { model: 'test-model', prompt: 'hello there' } }, { path: '/api/chat', body: chat() }],
    until: 'complete',
    pipelined: true,
  },
  { name: 'http10-stream', requests: [{ path: '/api/chat', body: chat() }], until: 'closed', http10: true },
  // Streamed faults.
  { name: 'fault-inband-error-native', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'InBandError', after_tokens: 2 }, until: 'complete' },
  { name: 'fault-inband-error-openai', requests: [{ path: '/v1/chat/completions', body: openai() }], behavior: { type: 'InBandError', after_tokens: 2 }, until: 'complete' },
  { name: 'fault-inband-error-anthropic', requests: [{ path: '/v1/messages', body: anthropic() }], behavior: { type: 'InBandError', after_tokens: 2 }, until: 'complete' },
  { name: 'fault-fail-mid-stream', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'FailMidStream', tokens_before_fail: 3 }, until: 'closed' },
  { name: 'fault-fail-mid-stream-zero', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'FailMidStream', tokens_before_fail: 0 }, until: 'closed' },
  { name: 'fault-truncate', requests: [{ path: '/api/generate', body: { model: 'test-model', prompt: 'hello there' } }], behavior: { type: 'Truncate', after_tokens: 2 }, until: 'complete' },
  { name: 'fault-malformed-json', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'MalformedChunk', after_tokens: 2, kind: 'json' }, until: 'complete' },
  { name: 'fault-malformed-framing', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'MalformedChunk', after_tokens: 2, kind: 'framing' }, until: 'closed' },
  { name: 'fault-short-content-length', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'ShortContentLength', after_tokens: 2, short_by: 8 }, until: 'closed' },
  { name: 'fault-reset-after-tokens', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'Reset', on: 'tokens', after_tokens: 2 }, until: 'closed' },
  { name: 'fault-reset-on-headers', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'Reset', on: 'headers' }, until: 'closed' },
  { name: 'fault-abrupt-close', requests: [{ path: '/api/chat', body: chat() }], behavior: { type: 'AbruptClose', bytes_before_close: 270 }, until: 'closed' },
  // Trickle slices the body (bytes_per_sec / 20 per slice, one chunk each); Anthropic's stream has
  // no field of varying length, so the slice boundaries fall at the same bytes in every run.
  { name: 'trickle', requests: [{ path: '/v1/messages', body: anthropic() }], behavior: { type: 'Trickle', bytes_per_sec: 4000 }, until: 'complete' },
];

/** How the server left the connection when the exchange was over. */
function ending(s: { ended: boolean; error: string | null; closed: boolean }): string {
  if (s.error) return `error ${s.error}`;
  if (s.ended) return 'FIN';
  return s.closed ? 'closed' : 'open';
}

function complete(raw: string, count: number): boolean {
  const rs = framingOf(raw);
  return rs.length === count && rs.every((r) => r.framing === 'terminated' || r.framing === 'length');
}

async function exchange(fleet: Fleet, c: Case): Promise<{ raw: string; end: string; records: JournalRecord[] }> {
  const port = fleet.ports[0];
  if (c.behavior) fleet.setBehavior(port, c.behavior);
  const conn = new RawConnection(port);
  try {
    // One request at a time unless pipelined: each waits for the previous response to complete.
    const texts = c.requests.map(({ path, body, method = 'POST' }) => request(method, path, body).replace(' HTTP/1.1\r\n', c.http10 ? ' HTTP/1.0\r\n' : ' HTTP/1.1\r\n'));
    if (c.pipelined) conn.send(texts.join(''));
    for (let i = 0; i < c.requests.length; i++) {
      if (!c.pipelined) conn.send(texts[i]);
      if (c.until === 'complete') await conn.until((s) => complete(s.text, i + 1), 10_000, `response ${i + 1} of ${c.name}`);
    }
    const seen = c.until === 'closed' ? await conn.untilClosed(10_000) : conn.seen;
    const records: JournalRecord[] = [];
    for (let i = 0; i < c.requests.length; i++) records.push(await fleet.waitForRecord((r) => r.seq === i + 1, 10_000));
    return { raw: seen.text, end: ending(seen), records };
  } finally {
    conn.destroy();
  }
}

/**
 * The journal's view of what left, without what varies: times, and bytesWritten and the hash, which
 * follow the masked fields' lengths (they are checked against the bytes received instead).
 */
const journalLine = (r: JournalRecord) =>
  JSON.stringify({ path: r.path, status: r.status, outcome: r.outcome, fault: r.fault, linesWritten: r.linesWritten, tokensWritten: r.tokensWritten });

function golden(c: Case, responses: Response[], end: string, records: JournalRecord[]): string {
  const meta = [
    `# ${c.name}: ${c.requests.map((r) => `${r.method ?? 'POST'} ${r.path}`).join(', ')}${c.behavior ? ` with ${JSON.stringify(c.behavior)}` : ''}`,
    `connection: ${end}`,
    `framing: ${responses.map((r) => r.framing).join(', ')}`,
    ...records.map((r) => `journal: ${journalLine(r)}`),
    '----',
  ];
  return meta.join('\n') + '\n' + responses.map(render).join('');
}

for (const c of CASES) {
  test(`golden stream bytes: ${c.name}`, async () => {
    const fleet = await startFleet({ servers: 1, seed: SEED, controlPort: null, defaults: SETTINGS });
    try {
      const { raw, end, records } = await exchange(fleet, c);
      const responses = framingOf(raw);
      // The journal counts exactly the well-formed body bytes the client got, and hashes them.
      for (let i = 0; i < records.length; i++) {
        const payload = responses[i]?.chunks.join('') ?? '';
        assert.is(records[i].bytesWritten, payload.length, `bytesWritten of response ${i + 1}`);
        assert.is(records[i].writtenSha256, payload.length ? sha256(payload) : '', `writtenSha256 of response ${i + 1}`);
      }
      const text = golden(c, responses, end, records);
      const file = join(GOLDEN_DIR, `${c.name}.txt`);
      if (UPDATE || !existsSync(file)) {
        assert.ok(UPDATE, `${file} is missing: run with UPDATE_GOLDEN=1 to write it`);
        mkdirSync(GOLDEN_DIR, { recursive: true });
        writeFileSync(file, text, 'latin1');
        return;
      }
      assert.fixture(text, readFileSync(file, 'latin1'), `bytes of ${c.name} differ from ${file}`);
    } finally {
      await fleet.stop();
    }
  });
}

test('the framing check fails on what it must', () => {
  assert.is(framingOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')[0].framing, 'terminated');
  assert.is(framingOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n')[0].framing, 'broken', 'a size line that lies');
  assert.is(framingOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n')[0].framing, 'broken', 'a size line that is not hex');
  assert.is(framingOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n')[0].framing, 'incomplete', 'no terminating chunk');
  assert.is(mask('"created_at":"2026-12-02T07:05:33.157Z","total_duration":27575986'), '"created_at":"<time>","total_duration":<ns>');
});

test.run();
