// `ollama-sim wait`: blocks until a simulator started in the background is ready, so a CI script
// never sleeps and hopes (what wait-on and Testcontainers' wait strategies do for a service).
// Ready = the control API answers GET /status and every server in it listens. With --port-file the
// control URL comes from the file the simulator writes once it listens (for --control-port 0).
import { readFileSync } from 'node:fs';
import { parseDuration } from '../schema.js';
import type { PortFile } from './run-files.js';

const POLL_MS = 100;
const TRY_MS = 1000;

export interface WaitOptions {
  control?: string;
  portFile?: string;
  timeoutMs: number;
}

export interface Ready {
  controlUrl: string;
  servers: string[];
}

/** "30s", "1m30s", "500ms", or a plain number of seconds; > 0. */
export function parseTimeout(value: string): number {
  let ms = NaN;
  try {
    ms = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) * 1000 : parseDuration(value);
  } catch {
    // not a duration: the message below says what is
  }
  if (!(ms > 0)) throw new Error(`--timeout must be a positive duration like 30s, 500ms or 2m, got ${JSON.stringify(value)}`);
  return ms;
}

/** Where the simulator's control API is, or why it is not known yet. */
function controlUrlFrom(opts: WaitOptions): { url: string } | { notYet: string } {
  if (opts.portFile === undefined) return { url: opts.control ?? 'http://127.0.0.1:11500' };
  let file: PortFile;
  try {
    file = JSON.parse(readFileSync(opts.portFile, 'utf8')) as PortFile;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { notYet: code === 'ENOENT' ? `${opts.portFile} does not exist yet` : `${opts.portFile} is not readable JSON yet` };
  }
  if (typeof file.control_url !== 'string') return { notYet: `${opts.portFile} names no control_url` };
  return { url: file.control_url };
}

/** One look: ready, or what is missing. */
async function check(opts: WaitOptions): Promise<Ready | string> {
  const where = controlUrlFrom(opts);
  if ('notYet' in where) return where.notYet;
  const url = `${where.url.replace(/\/$/, '')}/status`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TRY_MS) });
    if (res.status !== 200) return `GET ${url} answered ${res.status}`;
    const status = (await res.json()) as { servers?: Array<{ url: string; listening: boolean }> };
    const servers = status.servers ?? [];
    const down = servers.filter((s) => !s.listening);
    if (down.length) return `${down.map((s) => s.url).join(', ')} not listening`;
    return { controlUrl: where.url, servers: servers.map((s) => s.url) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return `GET ${url}: ${cause ?? (err as Error).message}`;
  }
}

/** Polls until ready; rejects after the timeout with the last thing that was missing. */
export async function waitUntilReady(opts: WaitOptions): Promise<Ready> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const result = await check(opts);
    if (typeof result !== 'string') return result;
    if (Date.now() + POLL_MS > deadline) throw new Error(`not ready within ${opts.timeoutMs / 1000}s: ${result}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
