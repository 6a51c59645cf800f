// The expected verdict of every scenario against the real balancers (nginx, HAProxy and the two
// Rust ollama_load_balancers built from vendor/rust-lbs), read from
// scenarios/verdicts.json: the one source of truth for the README's table
// (scripts/verdicts-table.ts) and for test/scenarios/real-balancers.test.ts, which checks that the
// pack still gives these verdicts.
import { readFileSync } from 'node:fs';
import type { ScenarioResult } from '../../runner/types.js';

export const REAL_BALANCERS = ['nginx', 'haproxy', 'ollama-load-balancer', 'ollama-load-balancer-f3'] as const;
export type RealBalancer = (typeof REAL_BALANCERS)[number];

export type VerdictStatus = ScenarioResult['verdict']['status'];
const STATUSES: readonly VerdictStatus[] = ['passed', 'failed', 'skipped'];

/** One scenario's expected verdict; `why` explains every failure and skip. */
export interface ExpectedVerdict {
  verdict: VerdictStatus;
  why?: string;
}

export type VerdictTable = Record<RealBalancer, Map<string, ExpectedVerdict>>;

export const VERDICTS_FILE = new URL('../verdicts.json', import.meta.url);

/** Reads and checks scenarios/verdicts.json; a malformed entry throws, naming it. */
export function loadVerdicts(file: URL | string = VERDICTS_FILE): VerdictTable {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const table = {} as VerdictTable;
  for (const target of REAL_BALANCERS) {
    const entries = raw[target];
    if (typeof entries !== 'object' || entries === null) throw new Error(`verdicts.json: "${target}" must be an object of scenario verdicts`);
    table[target] = new Map(Object.entries(entries).map(([scenario, v]) => [scenario, parseEntry(`${target}.${scenario}`, v)]));
  }
  const extra = Object.keys(raw).filter((k) => !(REAL_BALANCERS as readonly string[]).includes(k));
  if (extra.length > 0) throw new Error(`verdicts.json: unknown target(s) ${extra.join(', ')}; allowed: ${REAL_BALANCERS.join(', ')}`);
  return table;
}

function parseEntry(where: string, v: unknown): ExpectedVerdict {
  const entry = (typeof v === 'string' ? { verdict: v } : v) as { verdict?: unknown; why?: unknown } | null;
  const verdict = entry?.verdict as VerdictStatus;
  if (!STATUSES.includes(verdict)) throw new Error(`verdicts.json: ${where} must be one of ${STATUSES.join(', ')} (or {"verdict", "why"}), got ${JSON.stringify(v)}`);
  if (verdict !== 'passed' && !(typeof entry?.why === 'string' && entry.why.trim())) {
    throw new Error(`verdicts.json: ${where} is ${verdict}, so it needs a "why" explaining it`);
  }
  return { verdict, ...(typeof entry?.why === 'string' ? { why: entry.why } : {}) };
}
