// Time for the engine. Deadlines are absolute (`performance.now()` milliseconds) so that each token
// is scheduled at start + i * interval and timer lateness never accumulates.
import { performance } from 'node:perf_hooks';

export const now = (): number => performance.now();

/** Wall-clock epoch milliseconds with sub-millisecond precision, for the journal. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

export const msToNs = (ms: number): number => Math.max(0, Math.round(ms * 1e6));

// Short sleeps (the gap between two tokens) share one timer per millisecond: at 1,000 streams the
// loop then wakes at most once a millisecond instead of 50,000 times a second, and no abort listener
// is attached and removed per token (the sleeper learns at wake-up that its client left, at most
// one token interval late).
const SHARED_BELOW_MS = 100;
const buckets = new Map<number, Array<() => void>>();

function wakeAt(deadline: number, wake: () => void): void {
  const slot = Math.ceil(deadline);
  let list = buckets.get(slot);
  if (!list) {
    const due: Array<() => void> = (list = []);
    buckets.set(slot, due);
    setTimeout(() => {
      buckets.delete(slot);
      for (const fn of due) fn();
    }, Math.max(0, slot - now())).unref();
  }
  list.push(wake);
}

// Node fires a timer longer than this at once (TimeoutOverflowWarning, "duration was set to 1").
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Timer {
  cancel(): void;
}

/**
 * Calls fn after `ms`, for any ms: a delay past Node's 24.8-day timer limit is waited out in legs
 * (a keep_alive of 1e21 s must not unload at once); Infinity never fires. Unref'd.
 */
export function after(ms: number, fn: () => void): Timer {
  let timer: NodeJS.Timeout | null = null;
  const arm = (left: number) => {
    if (left === Infinity) return;
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(Math.max(0, left), MAX_TIMER_MS));
    timer.unref();
  };
  arm(ms);
  return { cancel: () => timer && clearTimeout(timer) };
}

/**
 * Calls `fn` at `deadline` (a `now()` value), or as soon as `signal` aborts for a long wait (a
 * short one notices at wake-up, at most SHARED_BELOW_MS late). Short waits share the timer of
 * their millisecond and allocate nothing when `fn` is the same function each time: a stream's
 * token loop waits this way, without a promise per token. Timers are unref'd.
 */
export function callAt(deadline: number, fn: () => void, signal?: AbortSignal): void {
  const delay = deadline - now();
  if (delay < SHARED_BELOW_MS) return wakeAt(deadline, fn);
  const onAbort = () => {
    timer.cancel();
    fn();
  };
  // setTimeout counts from the event loop's cached time, which can be a millisecond or more stale:
  // a timer that fires before the deadline waits out the rest (a job's timeout_ms is a floor).
  const fire = () => {
    const rest = deadline - now();
    if (rest > 0) return void (timer = after(rest, fire));
    signal?.removeEventListener('abort', onAbort);
    fn();
  };
  let timer = after(delay, fire);
  signal?.addEventListener('abort', onAbort, { once: true });
}

/**
 * Resolves at `deadline` (a `now()` value) with true, or with false once the signal has aborted
 * (long sleeps end early on abort; short ones notice at wake-up). Timers are unref'd: a pending
 * sleep never keeps a finished process alive.
 */
export function sleepUntil(deadline: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (deadline <= now()) return Promise.resolve(true);
  return new Promise((resolve) => callAt(deadline, () => resolve(!signal?.aborted), signal));
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
