// A backend that says "not now" (503 server busy, 429 with Retry-After) before the first byte: a
// balancer that retries (retriesBeforeFirstByte) must serve the request elsewhere; any other must
// pass the answer through unchanged (status, error text, Retry-After), not turn it into a 502.
import type { Scenario, ScenarioContext } from '../../runner/types.js';
import { expect } from './assert.js';
import { chat, completedWithDone, describe, jsonLines } from './client.js';
import { attemptsOf, marker, settled, summarize } from './journal.js';

export interface OverloadCase {
  name: string;
  description: string;
  fault: Record<string, unknown>;
  status: number;
  /** The error text the client must see when the answer is passed through. */
  message: string;
  /** The Retry-After the client must see when the answer is passed through. */
  retryAfter?: string;
}

const REQUESTS = 6;

export function overloadScenario(c: OverloadCase): Scenario {
  return {
    name: c.name,
    description: c.description,
    tags: ['conformance', 'overload'],
    fleet: { servers: 3 },
    run: (ctx) => (ctx.target.traits.retriesBeforeFirstByte ? retried(ctx, c) : passedThrough(ctx, c)),
  };
}

/** Two of three backends refuse with the status: every request ends up served by the third. */
async function retried(ctx: ScenarioContext, c: OverloadCase): Promise<void> {
  const [a, b, good] = ctx.fleet.ports as [number, number, number];
  ctx.fleet.setBehavior([a, b], c.fault);
  const bound = ctx.target.timeoutMs;
  for (let i = 1; i <= REQUESTS; i++) {
    const since = ctx.fleet.cursor;
    const mark = marker(`overload-${i}`);
    const ex = await chat(ctx.lbUrl, `hello ${mark}`, { numPredict: 5, signal: ctx.signal, timeoutMs: bound * 4 });
    await settled(ctx.fleet, since, bound);
    const attempts = attemptsOf(ctx.fleet, mark, since);
    expect(completedWithDone(ex),
      `request ${i}: :${a} and :${b} answer ${c.status}; a balancer that retries before the first byte should serve it on :${good}, but the client got ${describe(ex)}; journal: ${summarize(attempts)}`);
    const refused = attempts.filter((r) => r.status === c.status);
    const served = attempts.filter((r) => r.outcome === 'completed' && r.status === 200);
    expect(served.length === 1 && served[0]!.server === good, `request ${i}: exactly one attempt should complete, on :${good}; journal: ${summarize(attempts)}`);
    if (refused.length > 0) return; // the journal shows the refusal and the retry elsewhere
  }
  expect(false, `in ${REQUESTS} requests the balancer never sent one to :${a} or :${b} (answering ${c.status}), so no retry could be observed`);
}

/** Every backend refuses: the client must get the backend's answer unchanged. */
async function passedThrough(ctx: ScenarioContext, c: OverloadCase): Promise<void> {
  ctx.fleet.setBehavior('all', c.fault);
  const since = ctx.fleet.cursor;
  const mark = marker('overload');
  const ex = await chat(ctx.lbUrl, `hello ${mark}`, { signal: ctx.signal, timeoutMs: ctx.target.timeoutMs * 4 });
  await settled(ctx.fleet, since, ctx.target.timeoutMs);
  const attempts = attemptsOf(ctx.fleet, mark, since);
  expect(attempts.some((r) => r.status === c.status), `the backend should have answered ${c.status}; journal: ${summarize(attempts)}`);
  expect(ex.status === c.status, `every backend answers ${c.status}; the client should get ${c.status} unchanged, got ${describe(ex)}`);
  const error = jsonLines(ex)[0]?.error;
  expect(typeof error === 'string' && error.includes(c.message), `the client should get the backend's error text ${JSON.stringify(c.message)}; got ${describe(ex)}`);
  if (c.retryAfter !== undefined) {
    expect(ex.headers['retry-after'] === c.retryAfter, `the client should get Retry-After: ${c.retryAfter} as the backend sent it; got ${JSON.stringify(ex.headers['retry-after'] ?? null)}`);
  }
}
