// 4. Mid-stream failure: the backend sends 3 chunks, then closes the connection (FIN) with no done
// line. The client must see a broken stream, never a fabricated `done: true`, and the next request
// must go to another backend.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe, jsonLines } from './lib/client.js';
import { answerBound, CHAT, describeRecord, describeRecords, FAST, nextRecord, recordsOn, servedRecord } from './lib/classic.js';

const TOKENS_BEFORE_FAIL = 3;

const scenario: Scenario = {
  name: 'mid-stream-failure',
  description: `A backend that closes the stream after ${TOKENS_BEFORE_FAIL} chunks (FailMidStream) gives the client a broken stream, never a fabricated done:true, and the next request avoids that backend.`,
  tags: ['classic', 'streaming', 'faults'],
  fleet: { defaults: FAST },
  async run(ctx) {
    // Whichever backend gets the first request fails it, once.
    ctx.fleet.setBehavior('all', { type: 'FailMidStream', tokens_before_fail: TOKENS_BEFORE_FAIL, tokens_per_sec: 100, times: 1 });
    const since = ctx.fleet.cursor;
    const ex = await chat(ctx.lbUrl, 'Test', { timeoutMs: answerBound(ctx), signal: ctx.signal });
    // The attempt that broke (a racer's cancelled losers end first, without a fault).
    const failed = await nextRecord(ctx, since, answerBound(ctx), CHAT, (r) => r.outcome === 'fault');
    ctx.fleet.setBehavior('all', { type: 'Normal' });
    expect(failed.outcome === 'fault' && failed.tokensWritten === TOKENS_BEFORE_FAIL, `setup: expected backend :${failed.server} to break after ${TOKENS_BEFORE_FAIL} tokens, journal says ${describeRecord(failed)}`);
    expect(!jsonLines(ex).some((l) => l.done === true), `the client got a done:true line although backend :${failed.server} broke after ${TOKENS_BEFORE_FAIL} tokens (a fabricated end): ${describe(ex)}`);
    expect(ex.ending !== 'complete', `the client saw a cleanly ended response although backend :${failed.server} broke mid-stream: ${describe(ex)}`);
    expect(ex.ending !== 'timeout', `the client was left hanging after the backend broke: ${describe(ex)}`);

    const next = ctx.fleet.cursor;
    const after = await chat(ctx.lbUrl, 'Test2', { timeoutMs: answerBound(ctx), signal: ctx.signal });
    expect(completedWithDone(after), `the request after the failure did not complete: ${describe(after)}; backends saw: ${describeRecords(recordsOn(ctx, CHAT, next))}`);
    const record = await servedRecord(ctx, next, after);
    expect(record.server !== failed.server, `the request after the failure went to the backend that just failed, :${failed.server}`);
  },
};

export default scenario;
