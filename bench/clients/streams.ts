// The pacing client: a separate process that opens N streaming /api/chat requests at once, spread
// round-robin over the given servers, and timestamps every NDJSON line as it arrives. Prints one
// JSON object (PacingResult) on stdout.
//
//   node --import tsx bench/clients/streams.ts '{"urls":[...],"streams":100,"tokens":20,"intervalMs":20}'
//
// A line's arrival time is when the chunk that completed it was read from the socket. The gaps are
// those between consecutive token lines of a stream (tokens - 1 per stream); the final `done` line
// follows the last token immediately (it is written in the same tick), so its gap is not a token
// gap and is left out. TTFT is from the moment the request was issued to the first token line.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mean, percentiles } from '../lib/stats.js';

interface Args {
  urls: string[];
  streams: number;
  tokens: number;
  intervalMs: number;
  timeoutMs?: number;
  model?: string;
  /**
   * 'raw' (default): a plain TCP socket per stream that writes the request by hand and scans the
   * bytes for line ends; 'http': node:http with a keep-alive agent. Both are correct clients for
   * this one response shape; 'raw' costs a fraction of the CPU, so on a small machine the client
   * does not become the bottleneck it is measuring.
   */
  client?: 'raw' | 'http';
}

export interface PacingResult {
  streams: number;
  failed: number;
  failures: Record<string, number>;
  gaps: number;
  meanGapMs: number;
  p50AbsErrMs: number;
  p99AbsErrMs: number;
  maxAbsErrMs: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  wallMs: number;
  /** p99 event-loop delay of this client: if it is large, the client itself is late. */
  clientLoopDelayP99Ms: number;
  /** CPU time this client used while the streams ran. */
  clientCpuMs: number;
}

interface StreamLog {
  issuedAt: number;
  tokenTimes: number[];
  done: boolean;
  failure: string | null;
}

const args = JSON.parse(process.argv[2]) as Args;
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const body = JSON.stringify({ model: args.model ?? 'llama3.2:latest', messages: [{ role: 'user', content: 'hi' }] });

function openStream(url: string, log: StreamLog): Promise<void> {
  return new Promise((resolve) => {
    const fail = (why: string) => {
      log.failure ??= why;
      resolve();
    };
    log.issuedAt = performance.now();
    const req = request(`${url}/api/chat`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(`status ${res.statusCode}`);
      }
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.includes('"done":true')) log.done = true;
          else if (line.length) log.tokenTimes.push(at);
        }
      });
      res.once('end', () => {
        if (!log.done) fail('no done line');
        else if (log.tokenTimes.length !== args.tokens) fail(`got ${log.tokenTimes.length} tokens`);
        resolve();
      });
      res.once('error', (e) => fail(`response ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    req.once('error', (e) => fail(`request ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    req.end(body);
  });
}

const END_OF_CHUNKED = '\r\n0\r\n\r\n';

/** Same measurement over a raw socket: request by hand, NDJSON lines found by their `}\n` ends. */
function openRawStream(url: string, log: StreamLog): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (why: string | null) => {
      if (settled) return;
      settled = true;
      if (why) log.failure ??= why;
      socket.destroy();
      resolve();
    };
    log.issuedAt = performance.now();
    const socket = connect({ host: hostname, port: Number(port), noDelay: true });
    socket.setEncoding('latin1');
    socket.write(`POST /api/chat HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    let head = '';
    let inBody = false;
    let carry = '';
    socket.on('data', (chunk: string) => {
      const at = performance.now();
      if (!inBody) {
        head += chunk;
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!head.startsWith('HTTP/1.1 200')) return finish(`status ${head.slice(9, 12)}`);
        inBody = true;
        chunk = head.slice(end + 4);
      }
      // `carry` is what followed the last line end: a partial line or the chunked terminator.
      const text = carry + chunk;
      let from = 0;
      let nl: number;
      while ((nl = text.indexOf('}\n', from)) !== -1) {
        if (text.slice(from, nl).includes('"done":true')) log.done = true;
        else log.tokenTimes.push(at);
        from = nl + 2;
      }
      carry = text.slice(from);
      if (carry.includes(END_OF_CHUNKED)) {
        if (!log.done) return finish('no done line');
        return finish(log.tokenTimes.length !== args.tokens ? `got ${log.tokenTimes.length} tokens` : null);
      }
    });
    socket.once('error', (e) => finish(`socket ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    socket.once('close', () => finish('connection closed before the end'));
  });
}

async function main(): Promise<void> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const logs: StreamLog[] = Array.from({ length: args.streams }, () => ({ issuedAt: 0, tokenTimes: [], done: false, failure: null }));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const open = args.client === 'http' ? openStream : openRawStream;
  const all = Promise.all(logs.map((log, i) => open(args.urls[i % args.urls.length], log)));
  const timeoutMs = args.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  agent.destroy();

  const gaps: number[] = [];
  const ttfts: number[] = [];
  const failures: Record<string, number> = {};
  for (const log of logs) {
    const failure = log.failure ?? (log.done ? null : `unfinished after ${timeoutMs} ms`);
    if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
    if (log.tokenTimes.length) ttfts.push(log.tokenTimes[0] - log.issuedAt);
    for (let i = 1; i < log.tokenTimes.length; i++) gaps.push(log.tokenTimes[i] - log.tokenTimes[i - 1]);
  }
  const errs = gaps.map((g) => Math.abs(g - args.intervalMs));
  const [p50, p99, max] = percentiles(errs, [50, 99, 100]);
  const [t50, t99] = percentiles(ttfts, [50, 99]);
  const result: PacingResult = {
    streams: args.streams,
    failed: Object.values(failures).reduce((a, b) => a + b, 0),
    failures,
    gaps: gaps.length,
    meanGapMs: mean(gaps),
    p50AbsErrMs: p50,
    p99AbsErrMs: p99,
    maxAbsErrMs: max,
    ttftP50Ms: t50,
    ttftP99Ms: t99,
    wallMs,
    clientLoopDelayP99Ms: loop.percentile(99) / 1e6,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

void main();
