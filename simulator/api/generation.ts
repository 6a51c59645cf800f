// The one generation pipeline behind every model endpoint (native, OpenAI, Anthropic): wait for the
// model to load, wait for a slot, evaluate the prompt (the cached prefix is free), then emit tokens
// at absolute deadlines. The final stats are measured from the same clock that paced the bytes.
// A Formatter turns pieces into the endpoint's wire format; the behavior's cut decides how it ends.
import { msToNs, now, sleepUntil } from '../engine/clock.js';
import type { ModelSpec } from '../engine/models.js';
import type { Piece, Reply } from '../engine/reply.js';
import { QueueFullError } from '../engine/scheduler.js';
import { cutsCompleteBody } from '../cuts/registry.js';
import type { Chunk, CutResult, StreamFormat } from '../cuts/types.js';
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

/** Milliseconds between tokens at the effective speed. */
function speeds(ex: Exchange): { interval: number; promptRate: number } {
  const s = ex.server.settings;
  const t = ex.effect.timing ?? {};
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
  const server = ex.server;
  const lease = await server.residency.acquire(modelKey, spec, keepAliveMs, ex.effect.timing?.loadMs);
  let release: (() => void) | null = null;
  try {
    if (ex.closed) return;
    try {
      release = await server.slots.acquire(ex.signal);
    } catch (e) {
      if (!(e instanceof QueueFullError)) throw e;
      ex.fault('busy');
      return ex.sendError(503, e.message);
    }
    if (!release || ex.closed) return;
    const slotAt = now();
    ex.journal.started(ex.record);
    await work(lease.loadMs, slotAt);
  } finally {
    const done = () => {
      release?.();
      lease.release();
    };
    if (ex.held && !ex.closed) ex.res.once('close', done);
    else done();
  }
}

export async function runGeneration(ex: Exchange, job: GenerationJob, fmt: Formatter): Promise<void> {
  const server = ex.server;
  await withRunner(ex, job.modelKey, job.spec, job.keepAliveMs, async (loadMs, slotAt) => {
    const emitted = { count: 0 };
    if (job.stream) server.activeStreams++;
    try {
      await emit(ex, job, fmt, loadMs, slotAt, emitted);
    } finally {
      if (job.stream) server.activeStreams--;
      // The slot's cache holds what the runner evaluated, even if the client left early.
      server.kv.store(job.modelKey, [...job.promptTokens, ...job.reply.tokens.slice(0, emitted.count)]);
    }
  });
}

/** Paces the pieces out and ends the response as the behavior's cut says (or normally). */
async function emit(ex: Exchange, job: GenerationJob, fmt: Formatter, loadMs: number, slotAt: number, emitted: { count: number }): Promise<void> {
  const { interval, promptRate } = speeds(ex);
  const cached = ex.server.kv.match(job.modelKey, job.promptTokens);
  const promptEvalCount = Math.max(1, job.promptTokens.length - cached);
  const promptDone = slotAt + (promptEvalCount / promptRate) * 1000;
  if (!(await sleepUntil(promptDone, ex.signal))) return;
  const genStart = now();
  const cut = ex.cut;
  const pieces = job.reply.pieces;
  let tokensSoFar = 0;
  let lastTokenAt = genStart;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (!(await sleepUntil(genStart + (tokensSoFar + piece.tokens) * interval, ex.signal))) return;
    let written = false;
    if (cut?.afterTokens === i) {
      const taken = await takeCut(ex, job, fmt, i, () => chunkOf(fmt.piece(piece, i), piece.tokens));
      if (taken === 'stop') return;
      written = taken === 'written';
    }
    tokensSoFar += piece.tokens;
    lastTokenAt = now();
    emitted.count = tokensSoFar;
    if (job.stream && !written) {
      if (i === 0) ex.head(200, fmt.streamHeaders);
      writeRecords(ex, fmt.piece(piece, i), piece.tokens);
    }
  }
  const end = now();
  const outcome: Outcome = {
    reply: job.reply,
    pieces,
    doneReason: job.reply.doneReason,
    stats: {
      loadNs: msToNs(loadMs),
      promptEvalCount,
      promptEvalNs: msToNs(genStart - slotAt),
      evalCount: tokensSoFar,
      evalNs: msToNs(lastTokenAt - genStart),
      totalNs: msToNs(end - ex.arrived),
    },
  };
  if (cut?.afterTokens !== undefined && cut.afterTokens >= pieces.length && cut.afterTokens !== Infinity) {
    // The cut lands where the final chunk would be.
    const taken = await takeCut(ex, job, fmt, pieces.length, () => ({ text: fmt.final(outcome).join(''), records: 1, tokens: 0 }));
    if (taken === 'stop') return;
    if (taken === 'written') return ex.end();
  }
  if (job.stream) {
    if (pieces.length === 0) ex.head(200, fmt.streamHeaders);
    ex.end(fmt.final(outcome).join(''), 1);
  } else {
    ex.journal.bodyTokens(ex.record, tokensSoFar);
    const { headers, body } = fmt.body(outcome);
    ex.send(200, headers, body);
  }
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
