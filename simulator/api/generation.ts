// The one generation pipeline behind every model endpoint (native, OpenAI, Anthropic): wait for the
// model to load, wait for a slot, evaluate the prompt (the cached prefix is free), then emit tokens
// at absolute deadlines. The final stats are measured from the same clock that paced the bytes.
// A Formatter turns pieces into the endpoint's wire format; the behavior's cut decides how it ends.
import { epochMs, msToNs, now, sleepUntil } from '../engine/clock.js';
import type { ModelSpec } from '../engine/models.js';
import type { Piece, Reply } from '../engine/reply.js';
import { QueueFullError } from '../engine/scheduler.js';
import { sendError } from './errors.js';
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
export interface Formatter {
  streamHeaders: Headers;
  piece(piece: Piece, index: number): string[];
  final(outcome: Outcome): string[];
  /** What the endpoint sends when generation fails after chunks went out. */
  inbandError(message: string): string[];
  /** A record that is not valid JSON, in this format's framing. */
  malformed(): string;
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
  if (records.length) ex.write(records.join(''), records.length, tokens);
}

export async function runGeneration(ex: Exchange, job: GenerationJob, fmt: Formatter): Promise<void> {
  const server = ex.server;
  const lease = await server.residency.acquire(job.modelKey, job.spec, job.keepAliveMs, ex.effect.timing?.loadMs);
  let release: (() => void) | null = null;
  let holdUntilClose = false;
  const emitted: string[] = [];
  try {
    if (ex.closed) return;
    try {
      release = await server.slots.acquire(ex.signal);
    } catch (e) {
      if (!(e instanceof QueueFullError)) throw e;
      ex.fault('busy');
      sendError(ex, ex.envelope, 503, e.message);
      return;
    }
    if (!release || ex.closed) return;
    const slotAt = now();
    ex.record.startedAt = epochMs();
    if (job.stream) server.activeStreams++;
    try {
      holdUntilClose = await emit(ex, job, fmt, lease.loadMs, slotAt, emitted);
    } finally {
      if (job.stream) server.activeStreams--;
    }
  } finally {
    // The slot's cache holds what the runner evaluated, even if the client left early.
    if (release) server.kv.store(job.modelKey, [...job.promptTokens, ...emitted]);
    const done = () => {
      release?.();
      lease.release();
    };
    // A stalled or hung response keeps its slot busy until the connection goes away.
    if (holdUntilClose && !ex.closed) ex.res.once('close', done);
    else done();
  }
}

/** Paces the pieces out; returns true when the response was left stalled (slot stays busy). */
async function emit(ex: Exchange, job: GenerationJob, fmt: Formatter, loadMs: number, slotAt: number, emitted: string[]): Promise<boolean> {
  const { interval, promptRate } = speeds(ex);
  const cached = ex.server.kv.match(job.modelKey, job.promptTokens);
  const promptEvalCount = Math.max(1, job.promptTokens.length - cached);
  const promptDone = slotAt + (promptEvalCount / promptRate) * 1000;
  if (!(await sleepUntil(promptDone, ex.signal))) return false;
  const genStart = now();
  const cut = ex.cut;
  const pieces = job.reply.pieces;
  let tokensSoFar = 0;
  let lastTokenAt = genStart;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (!(await sleepUntil(genStart + (tokensSoFar + piece.tokens) * interval, ex.signal))) return false;
    if (cut?.afterTokens === i) {
      const stop = applyTokenCut(ex, job, fmt, pieces.slice(0, i));
      if (stop !== 'continue') return stop === 'stalled';
    }
    tokensSoFar += piece.tokens;
    lastTokenAt = now();
    emitted.push(...job.reply.tokens.slice(emitted.length, tokensSoFar));
    if (job.stream) {
      if (i === 0) ex.head(200, fmt.streamHeaders);
      writeRecords(ex, fmt.piece(piece, i), piece.tokens);
    }
  }
  if (cut?.afterTokens !== undefined && cut.afterTokens >= pieces.length && cut.afterTokens !== Infinity) {
    // The cut lands where the final chunk would be.
    const stop = applyTokenCut(ex, job, fmt, pieces);
    if (stop !== 'continue') return stop === 'stalled';
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
  if (job.stream) {
    if (pieces.length === 0) ex.head(200, fmt.streamHeaders);
    ex.end(fmt.final(outcome).join(''), 1);
  } else {
    ex.record.tokensWritten = tokensSoFar;
    const { headers, body } = fmt.body(outcome);
    ex.send(200, headers, body);
  }
  return false;
}

/** Applies a token-count cut; 'continue' means the stream goes on (malformed JSON line). */
function applyTokenCut(ex: Exchange, job: GenerationJob, fmt: Formatter, sent: Piece[]): 'stopped' | 'stalled' | 'continue' {
  const cut = ex.cut!;
  if (!job.stream) {
    ex.cutWholeResponse(cut, () => fmt.body({ reply: job.reply, pieces: sent, doneReason: job.reply.doneReason, stats: emptyStats() }));
    return cut.action === 'stall' ? 'stalled' : 'stopped';
  }
  if (!ex.headersSent && (sent.length > 0 || cut.flushHeaders || cut.action !== 'fin' && cut.action !== 'reset' && cut.action !== 'stall')) {
    ex.head(200, fmt.streamHeaders);
    ex.flushHeaders();
  }
  switch (cut.action) {
    case 'inband_error':
      ex.fault('inband_error');
      ex.end(fmt.inbandError(cut.message ?? 'an error was encountered while running the model').join(''), 1);
      return 'stopped';
    case 'truncate':
      ex.fault('truncate');
      ex.end();
      return 'stopped';
    case 'malformed_json':
      ex.fault('malformed_json');
      ex.write(fmt.malformed(), 1);
      return 'continue';
    default:
      ex.applyCut(cut.action, cut.stallMs);
      return cut.action === 'stall' ? 'stalled' : 'stopped';
  }
}

function emptyStats(): Stats {
  return { totalNs: 0, loadNs: 0, promptEvalCount: 0, promptEvalNs: 0, evalCount: 0, evalNs: 0 };
}
