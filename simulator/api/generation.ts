// The one generation pipeline behind every model endpoint (native, OpenAI, Anthropic): wait for the
// model to load, wait for a slot, evaluate the prompt (the cached prefix is free), then emit tokens
// at absolute deadlines. The final stats are measured from the same clock that paced the bytes.
// A Formatter turns pieces into the endpoint's wire format; the behavior's cut decides how it ends.
// The runner side (model, slot, pacing) takes any RunnerClient, so a job of the job API (jobs/),
// which has no HTTP response, runs through the same residency, queue and clock with its own Delivery.
import { callAt, msToNs, now, sleepUntil } from '../engine/clock.js';
import type { ModelSpec } from '../engine/models.js';
import type { Piece, Reply } from '../engine/reply.js';
import { QueueFullError } from '../engine/scheduler.js';
import { cutsCompleteBody } from '../cuts/registry.js';
import type { Chunk, CutResult, StreamFormat } from '../cuts/types.js';
import type { Effect } from '../behaviors/types.js';
import type { JournalRecord } from '../journal/record.js';
import type { JournalWriter } from '../journal/writer.js';
import type { SimServer } from '../server.js';
import type { Exchange, Headers } from './exchange.js';

export interface Stats {
  totalNs: number;
  loadNs: number;
  promptEvalCount: number;
  promptEvalNs: number;
  evalCount: number;
  evalNs: number;
}

export interface Outcome {
  reply: Reply;
  /** Pieces actually generated (all of them unless the stream was cut). */
  pieces: Piece[];
  stats: Stats;
  doneReason: 'stop' | 'length';
}

/** An endpoint's wire format. Each method returns the records (lines or SSE events) to write. */
export interface Formatter extends StreamFormat {
  piece(piece: Piece, index: number): string[];
  final(outcome: Outcome): string[];
  /** The non-streamed response. */
  body(outcome: Outcome): { headers: Headers; body: string };
}

export interface GenerationJob {
  modelKey: string;
  spec: ModelSpec;
  keepAliveMs?: number;
  promptTokens: string[];
  reply: Reply;
  stream: boolean;
}

/**
 * Who a generation runs for: an HTTP exchange (Exchange has every member), or a job of the job API,
 * which has no response. The runner's bookkeeping (model, slot, pacing, journal) needs no more.
 */
export interface RunnerClient {
  readonly server: SimServer;
  /** The behavior's modifiers: timing overrides, the cut. */
  readonly effect: Extract<Effect, { kind: 'serve' }>;
  /** Aborts when the client is gone (the connection closed, the job was cancelled or timed out). */
  readonly signal: AbortSignal;
  readonly closed: boolean;
  /** A cut keeps it open and silent (stall): the runner slot stays taken until it closes. */
  readonly held: boolean;
  /** performance-clock ms of its arrival (total_duration counts from here). */
  readonly arrived: number;
  readonly journal: JournalWriter;
  readonly record: JournalRecord;
}

/** Milliseconds between tokens at the effective speed. */
function speeds(client: RunnerClient): { interval: number; promptRate: number } {
  const s = client.server.settings;
  const t = client.effect.timing ?? {};
  return { interval: 1000 / (t.tokensPerSec ?? s.tokens_per_sec), promptRate: t.promptTokensPerSec ?? s.prompt_tokens_per_sec };
}

function writeRecords(ex: Exchange, records: string[], tokens = 0): void {
  if (records.length) ex.write(records.length === 1 ? records[0] : records.join(''), records.length, tokens);
}

function chunkOf(records: string[], tokens: number): Chunk {
  return { text: records.join(''), records: records.length, tokens };
}

/**
 * Runs `work` the way Ollama runs any inference: attached to the model (loading it when cold) and
 * holding one of the server's slots (queueing for it in FIFO order; 503 "server busy" past
 * max_queue). Both are released when `work` ends or, for a response left stalled, when its
 * connection closes (a frozen machine keeps its slot). `work` gets the load wait and the time the
 * slot was granted; it is not called if the client left while waiting.
 */
export async function withRunner(ex: Exchange, modelKey: string, spec: ModelSpec, keepAliveMs: number | undefined, work: (loadMs: number, slotAt: number) => Promise<void>): Promise<void> {
  const refused = await holdRunner(ex, modelKey, spec, keepAliveMs, work);
  if (refused) {
    ex.fault('busy');
    ex.sendError(503, refused.message);
  }
}

/** withRunner for any client: resolves with the QueueFullError when the queue is full (the client answers it), else null. */
export async function holdRunner(client: RunnerClient, modelKey: string, spec: ModelSpec, keepAliveMs: number | undefined, work: (loadMs: number, slotAt: number) => Promise<void>): Promise<QueueFullError | null> {
  const server = client.server;
  const lease = await server.residency.acquire(modelKey, spec, keepAliveMs, client.effect.timing?.loadMs);
  let release: (() => void) | null = null;
  try {
    if (client.closed) return null;
    try {
      release = server.slots.tryAcquire() ?? (await server.slots.acquire(client.signal));
    } catch (e) {
      if (!(e instanceof QueueFullError)) throw e;
      return e;
    }
    if (!release || client.closed) return null;
    const slotAt = now();
    client.journal.started(client.record);
    await work(lease.loadMs, slotAt);
    return null;
  } finally {
    const done = () => {
      release?.();
      lease.release();
    };
    if (client.held && !client.closed) client.signal.addEventListener('abort', done, { once: true });
    else done();
  }
}

/** What a generation hands its pieces to: the lines of a response, or a job's result. */
export interface Delivery {
  /** Piece `i` is due; false ends the generation there (a cut took the response). */
  piece(piece: Piece, i: number): boolean | Promise<boolean>;
  /** Every piece was delivered. */
  final(outcome: Outcome): void | Promise<void>;
}

export async function runGeneration(ex: Exchange, job: GenerationJob, fmt: Formatter): Promise<void> {
  await withRunner(ex, job.modelKey, job.spec, job.keepAliveMs, (loadMs, slotAt) => generate(ex, job, loadMs, slotAt, httpDelivery(ex, job, fmt)));
}

/** One generation on a runner the client holds: prompt evaluation, then the paced pieces. */
export async function generate(client: RunnerClient, job: GenerationJob, loadMs: number, slotAt: number, delivery: Delivery): Promise<void> {
  const server = client.server;
  const emitted = { count: 0 };
  if (job.stream) server.activeStreams++;
  try {
    const outcome = await pace(client, job, loadMs, slotAt, emitted, delivery);
    if (outcome) await delivery.final(outcome);
  } finally {
    if (job.stream) server.activeStreams--;
    // The slot's cache holds what the runner evaluated, even if the client left early.
    server.kv.store(job.modelKey, [...job.promptTokens, ...job.reply.tokens.slice(0, emitted.count)]);
  }
}

/**
 * sleepUntil for a runner's client, without a promise or an AbortSignal when the deadline has
 * already passed (generation faster than the clock, as in a throughput test): false if it left.
 */
function until(client: RunnerClient, deadline: number): boolean | Promise<boolean> {
  return deadline > now() ? sleepUntil(deadline, client.signal) : !client.closed;
}

/**
 * Evaluates the prompt past the cached prefix, then hands each piece over at its absolute deadline.
 * Resolves with the outcome, or null when the client left or the delivery stopped early.
 */
async function pace(client: RunnerClient, job: GenerationJob, loadMs: number, slotAt: number, emitted: { count: number }, delivery: Delivery): Promise<Outcome | null> {
  const { interval, promptRate } = speeds(client);
  const cached = client.server.kv.match(job.modelKey, job.promptTokens);
  const promptEvalCount = Math.max(1, job.promptTokens.length - cached);
  const promptDone = slotAt + (promptEvalCount / promptRate) * 1000;
  if (!(await until(client, promptDone))) return null;
  const genStart = now();
  const lastTokenAt = await deliverPaced(client, job.reply.pieces, genStart, interval, emitted, delivery);
  if (lastTokenAt === null) return null;
  return {
    reply: job.reply,
    pieces: job.reply.pieces,
    doneReason: job.reply.doneReason,
    stats: {
      loadNs: msToNs(loadMs),
      promptEvalCount,
      promptEvalNs: msToNs(genStart - slotAt),
      evalCount: emitted.count,
      evalNs: msToNs(lastTokenAt - genStart),
      totalNs: msToNs(now() - client.arrived),
    },
  };
}

/**
 * Hands each piece over at its absolute deadline (genStart + tokens so far × interval); resolves
 * with the time of the last one, or null when the client left or the delivery stopped early.
 * One promise per generation, not per token: the loop waits with callAt (the millisecond's shared
 * timer, the same `step` each time), and pieces already due go out in the same tick.
 */
function deliverPaced(client: RunnerClient, pieces: Piece[], genStart: number, interval: number, emitted: { count: number }, delivery: Delivery): Promise<number | null> {
  let i = 0;
  let lastTokenAt = genStart;
  return new Promise((resolve, reject) => {
    const delivered = (ok: boolean): boolean => {
      if (!ok) resolve(null);
      else {
        emitted.count += pieces[i++].tokens;
        lastTokenAt = now();
      }
      return ok;
    };
    const loop = (): void => {
      // closed, not signal.aborted: the signal is made on first use, and an instant generation never waits.
      while (!client.closed) {
        if (i === pieces.length) return resolve(lastTokenAt);
        const due = genStart + (emitted.count + pieces[i].tokens) * interval;
        if (due > now()) return callAt(due, step, client.signal);
        // A plain boolean on the per-token path: a promise only for a cut or a congested socket.
        const ok = delivery.piece(pieces[i], i);
        if (ok === true || ok === false) {
          if (!delivered(ok)) return;
          continue;
        }
        void ok.then((done) => delivered(done) && step(), reject);
        return;
      }
      resolve(null);
    };
    // Called from timers: a throw rejects the generation (as an await would), it must not escape.
    const step = (): void => {
      try {
        loop();
      } catch (e) {
        reject(e);
      }
    };
    step();
  });
}

/** The response's side of a generation: lines (or one body) in the endpoint's format, and the behavior's cut where it is due. */
function httpDelivery(ex: Exchange, job: GenerationJob, fmt: Formatter): Delivery {
  const write = (piece: Piece, i: number) => {
    if (!job.stream) return;
    if (i === 0) ex.head(200, fmt.streamHeaders);
    writeRecords(ex, fmt.piece(piece, i), piece.tokens);
  };
  const cutBefore = async (piece: Piece, i: number): Promise<boolean> => {
    const taken = await takeCut(ex, job, fmt, i, () => chunkOf(fmt.piece(piece, i), piece.tokens));
    if (taken === 'stop') return false;
    if (taken !== 'written') write(piece, i);
    return true;
  };
  return {
    piece: (piece, i) => {
      if (ex.cut?.afterTokens === i) return cutBefore(piece, i);
      write(piece, i);
      // A client that reads slower than the stream: the next token waits for the socket, as
      // Ollama's blocked write holds its runner, instead of queueing the rest of the reply here.
      return ex.congested ? ex.drained().then(() => !ex.closed) : true;
    },
    final: async (outcome) => {
      const cut = ex.cut;
      const count = outcome.pieces.length;
      if (cut?.afterTokens !== undefined && cut.afterTokens >= count && cut.afterTokens !== Infinity) {
        // The cut lands where the final chunk would be.
        const taken = await takeCut(ex, job, fmt, count, () => ({ text: fmt.final(outcome).join(''), records: 1, tokens: 0 }));
        if (taken === 'stop') return;
        if (taken === 'written') return ex.end();
      }
      if (job.stream) {
        if (count === 0) ex.head(200, fmt.streamHeaders);
        ex.end(fmt.final(outcome).join(''), 1);
      } else {
        ex.journal.bodyTokens(ex.record, outcome.stats.evalCount);
        const { headers, body } = fmt.body(outcome);
        ex.send(200, headers, body);
      }
    },
  };
}

/**
 * The behavior's cut, due before chunk `at` (a token's, or the final one): its streamed form, or on
 * a non-streamed request its whole form, in place of a body made of the pieces before `at` (a cut
 * that takes the complete body waits for it: ex.send takes the cut).
 */
function takeCut(ex: Exchange, job: GenerationJob, fmt: Formatter, at: number, next: () => Chunk): CutResult | Promise<CutResult> {
  if (job.stream) return ex.cutStream(fmt, next);
  if (cutsCompleteBody(ex.cut!)) return 'continue';
  ex.cutWhole(() => fmt.body({ reply: job.reply, pieces: job.reply.pieces.slice(0, at), doneReason: job.reply.doneReason, stats: emptyStats() }));
  return 'stop';
}

function emptyStats(): Stats {
  return { totalNs: 0, loadNs: 0, promptEvalCount: 0, promptEvalNs: 0, evalCount: 0, evalNs: 0 };
}
