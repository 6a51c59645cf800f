// Racing (--race N): one generation request goes to up to N backends at once. The finish line is
// the first content token: a complete NDJSON line that is not an {"error"} line (for any other body,
// the first byte of a 2xx answer). A status line alone is not a token: a backend can answer its head
// at once and then take seconds for its first token. The first racer across the line wins and its
// stream goes to the client from its first byte; every other racer is cancelled at once (its socket
// is closed, so its backend stops generating for nobody). A racer that fails before its first token
// counts against its backend's health; one that was merely slower does not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { describeError } from './backends.js';
import type { Defects } from './defects.js';
import { drainUnread, type Upstream } from './upstream.js';

/** The generation routes raced with --race (POST, streamed); everything else goes to one backend at a time. */
export const RACED_ROUTES = new Set(['/api/chat', '/api/generate']);

/** How one racer's run ended. */
export type Finish =
  | { kind: 'token' } // crossed the finish line
  | { kind: 'answer'; reason: string } // a non-2xx head (held unread), or a 2xx body that ended without a token
  | { kind: 'error'; reason: string }; // failed before its first token (connection, timeout, broken stream)

export class Racer {
  /** Body bytes read while waiting for the first token: the client gets them first if this racer wins. */
  private readonly chunks: Buffer[] = [];
  upRes: IncomingMessage | undefined;
  readonly finish: Promise<Finish>;
  /** Stops reading for the race (removes its listeners); set once the response head is in. */
  private detach: () => void = () => {};
  /** Lost (cancelled or left to run on): a response head that comes later is not read for the race. */
  private lost = false;

  constructor(
    readonly up: Upstream,
    firstHeadWins: boolean,
  ) {
    this.finish = up.response.then(
      (upRes) => this.read(upRes, firstHeadWins),
      (err: unknown) => ({ kind: 'error', reason: up.failure ?? describeError(err) }),
    );
  }

  get prefix(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get status(): number {
    return this.upRes?.statusCode ?? 502;
  }

  /** Lost: close its socket so the backend stops, and say nothing about its health. */
  cancel(): void {
    this.lost = true;
    this.up.cancel('lost the race');
    this.up.judge('neutral');
  }

  /** Lost, but left running (race-no-cancel, race-interleave): read to its end, each chunk to onChunk. */
  runOn(onChunk?: (chunk: Buffer) => void): void {
    this.lost = true;
    this.detach();
    const read = this.prefix;
    if (read.length > 0) onChunk?.(read);
    drainUnread(this.up, onChunk);
  }

  private read(upRes: IncomingMessage, firstHeadWins: boolean): Promise<Finish> {
    this.upRes = upRes;
    if (this.lost) return Promise.resolve({ kind: 'error', reason: 'lost the race' });
    const status = this.status;
    if (status < 200 || status >= 300) {
      if (status >= 500) this.up.judge({ fail: `HTTP ${status}` });
      return Promise.resolve({ kind: 'answer', reason: `HTTP ${status}` });
    }
    if (firstHeadWins) return Promise.resolve({ kind: 'token' });
    const scan = /ndjson/i.test(String(upRes.headers['content-type'] ?? '')) ? firstTokenLine() : () => true;
    return new Promise((resolve) => {
      const onData = (chunk: Buffer): void => {
        this.up.touch();
        this.chunks.push(chunk);
        if (scan(chunk)) done({ kind: 'token' });
      };
      const onEnd = (): void => {
        const reason = 'no token before the end of the response';
        this.up.judge({ fail: reason });
        done({ kind: 'answer', reason });
      };
      const onClose = (): void => {
        if (upRes.complete) return;
        const reason = this.up.failure ?? 'closed before the first token';
        this.up.judge(this.up.cancelled ? 'neutral' : { fail: reason });
        done({ kind: 'error', reason });
      };
      const done = (f: Finish): void => {
        this.detach();
        if (f.kind === 'token') upRes.pause(); // the rest waits for the relay (or the cancel)
        resolve(f);
      };
      this.detach = () => {
        upRes.off('data', onData);
        upRes.off('end', onEnd);
        upRes.off('close', onClose);
      };
      upRes.on('data', onData);
      upRes.on('end', onEnd);
      upRes.on('close', onClose);
    });
  }
}

/** A scanner fed NDJSON chunks: true once a complete line is a JSON object without an "error" key. */
function firstTokenLine(): (chunk: Buffer) => boolean {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  return (chunk) => {
    const lines = (partial + decoder.write(chunk)).split('\n');
    partial = lines.pop()!;
    return lines.some(isTokenLine);
  };
}

function isTokenLine(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    const o = JSON.parse(line) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) && !('error' in o);
  } catch {
    return false;
  }
}

export type RaceOutcome =
  | { kind: 'won'; winner: Racer; losers: Racer[] }
  /** Nobody crossed the line, but someone answered: the last answer (the others are cancelled). */
  | { kind: 'answered'; last: Racer; reason: string }
  | { kind: 'failed'; reason: string };

/** How long a tie lasts for race-sticky-tie: the preferred racer may cross the line this much later and still win. */
const TIE_MS = 500;

/**
 * Waits for the first racer to cross the finish line, or for every racer to fail. With `preferred`
 * (the race-sticky-tie defect), a faster winner waits up to TIE_MS for that racer's first token.
 */
export async function runRace(racers: Racer[], onOut: (r: Racer, reason: string) => void, preferred?: Racer): Promise<RaceOutcome> {
  const pending = new Map(racers.map((r) => [r, r.finish.then((f) => ({ r, f }))]));
  let last: { r: Racer; reason: string } | undefined;
  let lastError = 'no backend to race';
  while (pending.size > 0) {
    const { r, f } = await Promise.race(pending.values());
    pending.delete(r);
    if (f.kind === 'token') {
      const winner = preferred !== undefined && preferred !== r && (await crossesWithin(preferred, TIE_MS)) ? preferred : r;
      return { kind: 'won', winner, losers: racers.filter((o) => o !== winner) };
    }
    onOut(r, f.reason);
    if (f.kind === 'answer') last = { r, reason: f.reason };
    else lastError = f.reason;
  }
  if (last === undefined) return { kind: 'failed', reason: lastError };
  for (const r of racers) if (r !== last.r) r.cancel();
  return { kind: 'answered', last: last.r, reason: last.reason };
}

/** Whether the racer crosses the finish line within `ms` from now. */
async function crossesWithin(racer: Racer, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const crossed = racer.finish.then((f) => f.kind === 'token');
  try {
    return await Promise.race([crossed, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** After the winner's head went to the client: the losers are cancelled (or, with a defect, not). */
export function settleLosers(losers: Racer[], client: ServerResponse, defects: Defects): string {
  if (defects.has('race-interleave')) {
    const write = (chunk: Buffer): void => void (client.writableEnded || client.destroyed || client.write(chunk));
    for (const r of losers) r.runOn(write);
    return 'losers interleaved';
  }
  if (defects.has('race-no-cancel')) {
    for (const r of losers) r.runOn();
    return 'losers left running';
  }
  for (const r of losers) r.cancel();
  return 'losers cancelled';
}
