// Time for the engine. Deadlines are absolute (`performance.now()` milliseconds) so that each token
// is scheduled at start + i * interval and timer lateness never accumulates.
import { performance } from 'node:perf_hooks';

export const now = (): number => performance.now();

/** Wall-clock epoch milliseconds with sub-millisecond precision, for the journal. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export const msToNs = (ms: number): number => Math.max(0, Math.round(ms * 1e6));

/**
 * Resolves at `deadline` (a `now()` value), or early with `false` when the signal aborts. The
 * timer is unref'd: a pending sleep never keeps a finished process alive.
 */
export function sleepUntil(deadline: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  const delay = deadline - now();
  if (delay <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, delay);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<boolean> => sleepUntil(now() + ms, signal);

let isoMs = 0;
let isoText = '';

/** `new Date().toISOString()`, computed once per millisecond: every streamed line carries one. */
export function isoNow(): string {
  const t = Date.now();
  if (t !== isoMs) {
    isoMs = t;
    isoText = new Date(t).toISOString();
  }
  return isoText;
}
