// Failover before the first response byte: two of three backends fail in one way, the third is
// fine. Every client request must still succeed, and the journal must show the failed attempt and
// the successful one on another server. Shared by the failover-* scenarios (one fault each).
import type { JournalRecord } from '../../simulator/index.js';
import type { Scenario, ScenarioContext } from '../../runner/types.js';
import { eventually, expect } from './assert.js';
import { chat, completedWithDone, describe } from './client.js';
import { attemptsOf, marker, settled, summarize } from './journal.js';

export interface FailoverCase {
  name: string;
  description: string;
  /** The behavior the failing backends get. */
  fault: Record<string, unknown>;
  /** True for a failed attempt's journal record; null when the fault never reaches HTTP (refused). */
  failedRecord: ((r: JournalRecord) => boolean) | null;
  /** Sent this many sequential requests at most (stops earlier once a failover shows in the journal). */
  requests?: number;
  tags?: string[];
}

export function failoverScenario(c: FailoverCase): Scenario {
  return {
    name: c.name,
    description: c.description,
    tags: ['conformance', 'failover', ...(c.tags ?? [])],
    needs: (t) => (t.retriesBeforeFirstByte ? null : 'needs retriesBeforeFirstByte'),
    fleet: { servers: 3 },
    run: (ctx) => runFailover(ctx, c),
  };
}

async function runFailover(ctx: ScenarioContext, c: FailoverCase): Promise<void> {
  const [a, b, good] = ctx.fleet.ports as [number, number, number];
  ctx.fleet.setBehavior([a, b], c.fault);
  if (c.failedRecord === null) {
    await eventually(() => !ctx.fleet.server(a).listening && !ctx.fleet.server(b).listening, 2000, 'the failing listeners to close (bound 2000 ms)');
  }
  const requests = c.requests ?? 6;
  const bound = ctx.target.timeoutMs;
  let failovers = 0;
  for (let i = 1; i <= requests; i++) {
    const since = ctx.fleet.cursor;
    const mark = marker(`failover-${i}`);
    const ex = await chat(ctx.lbUrl, `hello ${mark}`, { numPredict: 5, signal: ctx.signal, timeoutMs: bound * 4 });
    await settled(ctx.fleet, since, bound);
    const attempts = attemptsOf(ctx.fleet, mark, since);
    expect(completedWithDone(ex),
      `request ${i}: two of three backends fail (${JSON.stringify(c.fault)}); the balancer should retry on :${good} before the first byte, but the client got ${describe(ex)}; journal: ${summarize(attempts)}`);
    const served = attempts.filter((r) => r.outcome === 'completed' && r.status === 200);
    expect(served.length === 1 && served[0]!.server === good,
      `request ${i}: exactly one attempt should complete, on the healthy :${good}; journal: ${summarize(attempts)}`);
    if (c.failedRecord === null) continue;
    const failed = attempts.filter((r) => r.server !== good && c.failedRecord!(r));
    expect(failed.length === attempts.length - 1,
      `request ${i}: every other attempt should be the injected fault on :${a} or :${b}; journal: ${summarize(attempts)}`);
    if (failed.length > 0) {
      // A racer sends all its attempts at once: only a balancer that retries one at a time has an order.
      if (!ctx.target.traits.racesRequests) {
        expect(failed.every((f) => f.arrivedAt <= served[0]!.arrivedAt), `request ${i}: the failed attempt should come before the successful one; journal: ${summarize(attempts)}`);
      }
      failovers++;
      break;
    }
  }
  if (c.failedRecord !== null) {
    expect(failovers > 0, `in ${requests} requests the balancer never sent one to a failing backend (:${a}, :${b}), so no failover could be observed`);
  }
}
