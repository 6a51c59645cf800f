// A client that goes away mid-stream must stop the generation on the backend: a balancer that keeps
// reading the upstream keeps a GPU busy for nobody. A racing balancer has several attempts per
// request (the journal shows each); none of them may outlive the client: the one streaming to it
// must be aborted, and a loser must not be left running either.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, describe } from './lib/client.js';
import { attemptsEnded, marker, summarize } from './lib/journal.js';

const LINES_BEFORE_LEAVING = 3;
// 400 tokens at 20 tokens/s: the generation would run ~20 s if nobody stopped it.
const TOKENS = 400;

const scenario: Scenario = {
  name: 'client-cancel-propagates',
  description: 'the client aborts mid-stream; every backend attempt of its request (one, or a racer\'s several) is recorded client_aborted within the balancer timeout',
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

    const attempts = await attemptsEnded(ctx.fleet, mark, since, bound,
      'every backend attempt of the request to end after the client left (a balancer that keeps generating for nobody fails)');
    for (const attempt of attempts) {
      expect(attempt.outcome === 'client_aborted',
        `the backend attempt on :${attempt.server} should end client_aborted; it ended ${attempt.outcome}${attempt.fault ? `/${attempt.fault}` : ''} (${summarize(attempts)})`);
      const lag = (attempt.endedAt ?? Infinity) - leftAt;
      expect(lag <= bound, `the backend :${attempt.server} stopped ${Math.round(lag)} ms after the client left; the bound is ${bound} ms (the balancer timeout)`);
      expect((attempt.abortedAfterTokens ?? TOKENS) < TOKENS,
        `the backend :${attempt.server} wrote ${attempt.abortedAfterTokens} of ${TOKENS} tokens before the abort reached it`);
    }
  },
};

export default scenario;
