// The progress responder of pull, push and create (Ollama's streamResponse / waitForStream): NDJSON
// progress lines, or with stream:false one final object; the pacing of a simulated transfer.
import { now, sleepUntil } from '../../engine/clock.js';
import type { Exchange } from '../exchange.js';

/** How long a simulated pull (or push) takes from first to last progress line. */
export const PULL_DURATION_MS = 300;

const PROGRESS_JSON = { 'Content-Type': 'application/json' };

export interface Progress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** A failure inside a progress job; Ollama sends it as the stream's error (default status 500). */
export class ProgressError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

export type Steps = AsyncGenerator<Progress, void, void>;

/**
 * Streams the steps as NDJSON, or with stream:false waits and answers with the last one. An error
 * before any line is a plain HTTP error (Content-Type `application/json`, no charset); after
 * lines went out it is a final `{"error":...}` line on the 200 stream.
 */
export async function respondProgress(ex: Exchange, stream: boolean, steps: Steps): Promise<void> {
  ex.journal.streaming(ex.record, stream);
  let last: Progress = { status: '' };
  try {
    for await (const p of steps) {
      if (ex.closed) return;
      last = p;
      if (stream) {
        ex.head(200, { 'Content-Type': 'application/x-ndjson' });
        ex.write(JSON.stringify(p) + '\n');
      }
    }
  } catch (e) {
    if (!(e instanceof ProgressError)) throw e;
    if (ex.headersSent) return ex.end(JSON.stringify({ error: e.message }) + '\n');
    return ex.send(e.status, PROGRESS_JSON, JSON.stringify({ error: e.message }));
  }
  if (ex.closed) return;
  if (stream) ex.end();
  else ex.send(200, PROGRESS_JSON, JSON.stringify(last));
}

/** Deadlines for `count` paced steps spread over `durationMs`: step i is due at start + i * gap. */
export function pacer(count: number, durationMs: number, signal: AbortSignal): () => Promise<boolean> {
  const start = now();
  const gap = durationMs / Math.max(1, count);
  let i = 0;
  return () => sleepUntil(start + ++i * gap, signal);
}
