// 15. Graceful shutdown: between requests, one backend closes its listener (idle keep-alive
// connections get a FIN, new connections are refused). While healthy backends remain, no client
// request may fail: the balancer must notice and go elsewhere.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, CHAT, chatUntilServedBy, describeRecords, FAST, recordsOn, setListening } from './lib/classic.js';

const scenario: Scenario = {
  name: 'graceful-shutdown',
  description: 'A backend that closes its listener between requests costs no failed client request while healthy backends remain (journal: it got none).',
  tags: ['classic', 'faults'],
  needs: (t) => (t.retriesBeforeFirstByte ? null : 'needs retriesBeforeFirstByte (a refused connection is retried on another backend)'),
  fleet: { defaults: FAST },
  async run(ctx) {
    const closing = ctx.fleet.ports[0]!;
    const n = ctx.fleet.ports.length;
    // It has just served a request (so a pooling balancer holds a keep-alive connection to it).
    const { record } = await chatUntilServedBy(ctx, (p) => p === closing, { tries: 2 * n, deadlineMs: answerBound(ctx, 2000), content: 'Before shutdown' });
    expect(record, `setup: backend :${closing} received none of ${2 * n} requests before its shutdown`);
    await setListening(ctx, [closing], false);

    const since = ctx.fleet.cursor;
    for (let i = 0; i < 2 * n; i++) {
      const ex = await chat(ctx.lbUrl, `After shutdown ${i}`, { timeoutMs: answerBound(ctx), signal: ctx.signal });
      expect(completedWithDone(ex), `request ${i + 1} after :${closing} closed its listener failed although ${n - 1} healthy backends remain: ${describe(ex)}`);
    }
    const reached = recordsOn(ctx, CHAT, since);
    expect(!reached.some((r) => r.server === closing), `setup: the closed backend :${closing} journaled requests: ${describeRecords(reached)}`);
  },
};

export default scenario;
