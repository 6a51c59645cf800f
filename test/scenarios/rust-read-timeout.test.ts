// Pins the read timeout of the ollama_load_balancer 1.0.3 build. reqwest 0.11 (Debian's) has no
// ClientBuilder::read_timeout, so vendor/rust-lbs/ollama-load-balancer/02-read-timeout.patch
// re-implements reqwest 0.12's: the response head must arrive within --timeout of sending the
// request, then every body read within --timeout of its start. Every verdict of this binary about
// stalls and hangs rests on that patch, so its semantics are checked here on the real binary,
// started by the runner the way `npm run scenarios -- --target ollama-load-balancer` starts it
// (one backend; --timeout from the scenario's lbTimeoutMs):
//   --timeout 2:  a 4 s wait for the head is a 502; a stall after 3 tokens cuts the stream;
//                 0.8 s between tokens over 4 s completes (per read, not a total deadline)
//   --timeout 10: the same 4 s wait for the head, and 4 s pauses between tokens, complete
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testNeeding } from '../requirements.js';
import { rustLbBin, rustLbRequirement } from '../rust-lbs.js';
import { runScenarios } from '../../runner/harness.js';
import type { Scenario, ScenarioContext } from '../../runner/types.js';
import type { JournalRecord } from '../../simulator/index.js';
import { expect } from '../../scenarios/lib/assert.js';
import { chat, completedWithDone, describe, type Exchange } from '../../scenarios/lib/client.js';

const CLIENT_GIVES_UP_MS = 15_000; // far beyond every delay below: a hang shows as ending 'timeout'
const HEAD_DELAY_MS = 4000;

/** One chat with the backend behaving as given; what the client saw and the backend's journal record. */
async function exchange(ctx: ScenarioContext, behavior: Record<string, unknown>, prompt: string): Promise<{ ex: Exchange; record: JournalRecord }> {
  ctx.fleet.setBehavior('all', behavior);
  const since = ctx.fleet.cursor;
  const ex = await chat(ctx.lbUrl, prompt, { timeoutMs: CLIENT_GIVES_UP_MS, signal: ctx.signal });
  const record = await ctx.fleet.waitForRecord((r) => r.path === '/api/chat', CLIENT_GIVES_UP_MS, since);
  return { ex, record };
}

function scenario(name: string, lbTimeoutMs: number, run: Scenario['run']): Scenario {
  return { name, description: name, tags: ['read-timeout'], fleet: { servers: 1, defaults: { load_ms: 0 } }, lbTimeoutMs, timeoutMs: 60_000, run };
}

const SHORT = scenario('--timeout 2 gives up on a late head and on a silent stream, not on a slow one', 2000, async (ctx) => {
  const late = await exchange(ctx, { type: 'SlowHeaders', delay_ms: HEAD_DELAY_MS }, 'late head');
  expect(late.ex.status === 502 && late.ex.body.includes('operation timed out'), `a head ${HEAD_DELAY_MS} ms late should be a 502 "operation timed out" with --timeout 2; got ${describe(late.ex)}`);
  expect(late.record.outcome === 'client_aborted' && late.record.status === null, `the balancer should hang up on the late backend before its head; journal: ${late.record.outcome}, status ${late.record.status}`);

  const stalled = await exchange(ctx, { type: 'Stall', after_tokens: 3 }, 'stall');
  expect(stalled.ex.status === 200 && stalled.ex.ending === 'error', `a stream silent after 3 tokens should be cut with --timeout 2; got ${describe(stalled.ex)}`);
  expect(stalled.ex.lines.length === 3, `the 3 tokens before the silence should reach the client; got ${describe(stalled.ex)}`);
  // waitForRecord returns ended records only: the record ended because the balancer hung up.
  expect(stalled.record.fault === 'stall' && stalled.record.tokensWritten === 3, `the silent backend's attempt should end (the balancer hangs up) after 3 tokens; journal: ${stalled.record.outcome}/${stalled.record.fault} after ${stalled.record.tokensWritten} tokens`);

  // 5 tokens 0.8 s apart: 4 s in all, longer than the timeout, but no single read waits that long.
  const slow = await exchange(ctx, { type: 'Slow', tokens_per_sec: 1.25, num_tokens: 5 }, 'slow but steady');
  expect(completedWithDone(slow.ex), `tokens 0.8 s apart should pass with --timeout 2 (a deadline per read, not for the whole answer); got ${describe(slow.ex)}`);
});

const LONG = scenario('--timeout 10 waits out a 4 s late head and 4 s pauses between tokens', 10_000, async (ctx) => {
  const late = await exchange(ctx, { type: 'SlowHeaders', delay_ms: HEAD_DELAY_MS }, 'late head');
  expect(completedWithDone(late.ex), `a head ${HEAD_DELAY_MS} ms late should pass with --timeout 10; got ${describe(late.ex)}`);
  const paused = await exchange(ctx, { type: 'Slow', tokens_per_sec: 0.25, num_tokens: 2 }, 'long pauses');
  expect(completedWithDone(paused.ex), `4 s pauses between tokens should pass with --timeout 10; got ${describe(paused.ex)}`);
});

await testNeeding(rustLbRequirement('ollama-load-balancer'), 'ollama_load_balancer 1.0.3 build: --timeout is a deadline for the head and for each read', async () => {
  const results = await runScenarios({ scenarios: [SHORT, LONG], target: 'ollama-load-balancer', lbBin: rustLbBin('ollama-load-balancer'), jobs: 2, handleSignals: false });
  for (const r of results) {
    const v = r.verdict;
    assert.ok(v.status === 'passed', `${r.scenario}: ${v.status === 'failed' ? `${v.reason}\n    ${v.logTail.slice(-6).join('\n    ')}` : v.status}`);
  }
});

test.run();
