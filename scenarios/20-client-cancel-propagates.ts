// A client that goes away mid-stream must stop the generation on the backend: a balancer that keeps
// reading the upstream keeps a GPU busy for nobody.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, describe } from './lib/client.js';
import { marker, summarize, waitForRecord } from './lib/journal.js';

const LINES_BEFORE_LEAVING = 3;
// 400 tokens at 20 tokens/s: the generation would run ~20 s if nobody stopped it.
const TOKENS = 400;

const scenario: Scenario = {
  name: 'client-cancel-propagates',
  description: 'the client aborts mid-stream; the backend journal records client_aborted within the balancer timeout',
  tags: ['conformance', 'cancellation'],
  needs: (t) => (t.cancelsUpstream ? null : 'needs cancelsUpstream'),
  fleet: { servers: 2, defaults: { tokens_per_sec: 20, num_tokens: TOKENS } },
  async run(ctx) {
    const bound = ctx.target.timeoutMs;
    const since = ctx.fleet.cursor;
    const mark = marker('cancel');
    const ex = await chat(ctx.lbUrl, `please write a long story ${mark}`, { abortAfterLines: LINES_BEFORE_LEAVING, signal: ctx.signal });
    const leftAt = Date.now();
    expect(ex.status === 200 && ex.ending === 'aborted-by-client' && ex.lines.length >= LINES_BEFORE_LEAVING,
      `the client should have read ${LINES_BEFORE_LEAVING} streamed lines before leaving; got ${describe(ex)}`);

    const attempt = await waitForRecord(ctx.fleet, (r) => r.path === '/api/chat' && r.body.includes(mark), bound,
      `the backend attempt ending after the client left (a balancer that keeps generating for nobody fails)`, since);
    expect(attempt.outcome === 'client_aborted',
      `the backend attempt should end client_aborted; it ended ${attempt.outcome}${attempt.fault ? `/${attempt.fault}` : ''} (${summarize([attempt])})`);
    const lag = (attempt.endedAt ?? Infinity) - leftAt;
    expect(lag <= bound, `the backend stopped ${Math.round(lag)} ms after the client left; the bound is ${bound} ms (the balancer timeout)`);
    expect((attempt.abortedAfterTokens ?? TOKENS) < TOKENS,
      `the backend wrote ${attempt.abortedAfterTokens} of ${TOKENS} tokens before the abort reached it`);
  },
};

export default scenario;
