// How values read on the page: numbers, durations, behaviors and request outcomes.

export const fmtInt = (n) => Number(n ?? 0).toLocaleString('en-US');

export const fmtRate = (n) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n ?? 0).toFixed(1));

export function fmtMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Wall-clock time of an epoch-ms timestamp, with milliseconds: 14:03:07.412 */
export function clock(epochMs) {
  const d = new Date(epochMs);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const value = (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

/** A behavior as /status describes it: {type, ...params, remaining?, then?} -> "type a=1 b=2". */
export function behaviorLine(b) {
  const { type, remaining, then, ...rest } = b;
  const params = Object.entries(rest).map(([k, v]) => `${k}=${value(v)}`);
  return [type, ...params].join(' ');
}

/** "2 left, then Normal → Hang" for a behavior with times or a sequence; '' otherwise. */
export function behaviorNext(b) {
  const parts = [];
  if (b.remaining !== undefined) parts.push(`${b.remaining} left`);
  if (Array.isArray(b.then) && b.then.length) parts.push(`then ${b.then.map((s) => s.type).join(' → ')}`);
  return parts.join(', ');
}

/**
 * The outcome of a journal record as the page colours and labels it:
 * ok (2xx/3xx), error (an error status the server chose, e.g. an unknown model), fault (a behavior
 * broke the response: its kind), aborted (the client left first), progress (not ended).
 */
export function outcomeOf(r) {
  if (r.outcome === 'in_progress') return { key: 'progress', label: 'in progress' };
  if (r.outcome === 'client_aborted') return { key: 'aborted', label: 'client aborted' };
  // A fault's status is worth showing only when the behavior chose it (HttpError 502), not the 200 a cut stream began with.
  if (r.outcome === 'fault') return { key: 'fault', label: `fault: ${r.fault ?? 'unknown'}${r.status >= 400 ? ` ${r.status}` : ''}` };
  if (r.status !== null && r.status >= 400) return { key: 'error', label: `HTTP ${r.status}` };
  return { key: 'ok', label: `ok ${r.status ?? ''}`.trim() };
}

export const OUTCOME_LEGEND = [
  ['ok', 'ok'],
  ['error', 'error status'],
  ['fault', 'fault (behavior)'],
  ['aborted', 'client aborted'],
  ['progress', 'in progress'],
];

/** Wall time a record took (or has taken so far). */
export const durationOf = (r, now) => (r.endedAt ?? now) - r.arrivedAt;

/** "#12 · POST /api/chat · llama3.2 · FailMidStream · fault: fin · 812 ms" (no duration while it runs) */
export function recordSummary(r) {
  const took = r.endedAt === null ? null : fmtMs(r.endedAt - r.arrivedAt);
  return [`#${r.id}`, `${r.method} ${r.path}`, r.model, r.behavior !== 'Normal' ? r.behavior : null, outcomeOf(r).label, took]
    .filter(Boolean)
    .join(' · ');
}
