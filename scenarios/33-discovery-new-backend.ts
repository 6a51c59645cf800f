// A backend added while the balancer runs must start serving: fleets grow under load. Served is the
// attempt whose bytes the client got (journal writtenSha256): a racer's loser that ran to its end on
// the new backend does not count.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { servedRecord } from './lib/classic.js';
import { countByServer, marker, portOf, recordsOn } from './lib/journal.js';

// Stated bound: the new backend gets a request within this long after addBackend returns.
const DISCOVERY_BOUND_MS = 5000;

const scenario: Scenario = {
  name: 'discovery-new-backend',
  description: `a backend added at run time serves a request (its bytes reach the client) within ${DISCOVERY_BOUND_MS} ms of being announced`,
  tags: ['conformance', 'discovery'],
  needs: (t) => (t.discovery ? null : 'needs discovery'),
  fleet: { servers: 2 },
  async run(ctx) {
    const url = await ctx.addBackend();
    const port = portOf(url);
    const since = ctx.fleet.cursor;
    const deadline = Date.now() + DISCOVERY_BOUND_MS;
    let sent = 0;
    while (Date.now() < deadline) {
      const before = ctx.fleet.cursor;
      const ex = await chat(ctx.lbUrl, `hello ${marker('discovery')}`, { numPredict: 2, signal: ctx.signal, timeoutMs: ctx.target.timeoutMs * 4 });
      sent++;
      expect(completedWithDone(ex), `request ${sent}: the client should get a complete answer; got ${describe(ex)}`);
      if ((await servedRecord(ctx, before, ex)).server === port) return;
    }
    const chats = recordsOn(ctx.fleet, '/api/chat', since);
    expect(false, `the backend added at run time (${url}) served none of ${sent} requests within ${DISCOVERY_BOUND_MS} ms; the journal shows attempts ${countByServer(chats)}`);
  },
};

export default scenario;
