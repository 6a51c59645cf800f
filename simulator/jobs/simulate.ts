// A job with `simulate`: dummyLLM's scripted modes. No model, no slot, no behavior: the script says
// what happens, after `latency_ms` of running.
//
//   ok       running, then ok after latency_ms (text: ok_text, or seeded prose)
//   slow     the same after SLOW_FACTOR x latency_ms
//   fail     running, then fail (SIM_FAIL, fail_message) after latency_ms
//   hang     running until cancelled or timed out (timeout_ms)
//   flaky    a seeded draw (FLAKY_WEIGHTS): ok, fail or stall (running until cancelled or timed out)
//   timeout  running, then timeout (TIMEOUT) after latency_ms
//
// flaky's draw comes from the job's `seed` alone (same seed, same outcome, on any server, in any
// run), or without one from (fleet seed, server, job number): never from a shared random stream.
import { sleep } from '../engine/clock.js';
import { rngFor } from '../engine/random.js';
import { proseTokens } from '../engine/text.js';
import { tokenize } from '../engine/tokenizer.js';
import type { SimServer } from '../server.js';
import type { Job } from './job.js';
import type { Simulate } from './request.js';

export const SLOW_FACTOR = 6;
export const FLAKY_WEIGHTS = { ok: 0.5, fail: 0.3, stall: 0.2 } as const;
export const DEFAULT_FAIL_MESSAGE = 'simulated error';
export const FLAKY_FAIL_MESSAGE = 'simulated flaky failure';

type FlakyOutcome = keyof typeof FLAKY_WEIGHTS;

/** What flaky does for this job. */
export function flakyDraw(sim: Simulate, fleetSeed: number, serverKey: string, jobSeq: number): FlakyOutcome {
  const rng = sim.seed !== null ? rngFor('job-flaky', sim.seed) : rngFor('job-flaky', fleetSeed, serverKey, jobSeq);
  let r = rng();
  for (const [outcome, weight] of Object.entries(FLAKY_WEIGHTS) as Array<[FlakyOutcome, number]>) {
    r -= weight;
    if (r < 0) return outcome;
  }
  return 'ok';
}

function okResult(server: SimServer, job: Job, sim: Simulate): Job['result'] & {} {
  const { args } = job.request;
  const text = sim.okText ?? proseTokens(rngFor('job-text', server.fleet.seed, job.request.op, JSON.stringify(args)), server.settings.num_tokens).join('');
  const promptTokens = args.messages.reduce((n, m) => n + tokenize(m.content).length, 0);
  return { text, usage: { prompt_tokens: promptTokens, completion_tokens: tokenize(text).length } };
}

export async function runSimulated(server: SimServer, job: Job, sim: Simulate): Promise<void> {
  const outcome = sim.mode === 'flaky' ? flakyDraw(sim, server.fleet.seed, server.drawKey, job.seq) : sim.mode;
  if (!job.start()) return;
  server.journal.started(job.record);
  const after = (ms: number) => sleep(ms, job.signal);
  switch (outcome) {
    case 'hang':
    case 'stall':
      return; // running until cancelled or timed out
    case 'timeout':
      if (await after(sim.latencyMs)) job.timeOut('simulated timeout');
      return;
    case 'fail':
      if (await after(sim.latencyMs)) job.fail(sim.failMessage ?? (sim.mode === 'flaky' ? FLAKY_FAIL_MESSAGE : DEFAULT_FAIL_MESSAGE), 'sim_fail');
      return;
    case 'ok':
    case 'slow':
      if (await after(outcome === 'slow' ? sim.latencyMs * SLOW_FACTOR : sim.latencyMs)) job.succeed(okResult(server, job, sim));
  }
}
