// What the job API is for: testing a task runner's retry, timeout and cancel logic. A small
// job-polling client (the code under test, in a real project) submits a chat job, polls it, retries
// a failed job, gives up on a timed-out one, and cancels upstream when its own deadline passes. The
// server's behaviors script the upstream; the journal says what really happened to each job.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { control, fleetPerTest } from '../behaviors/wire.js';
import { chatJob, eventually, FINAL, JobClient, type JobView } from './support.js';

interface RunReport {
  outcome: 'ok' | 'gave_up_on_timeout' | 'gave_up_on_deadline' | 'out_of_retries';
  text?: string;
  /** The final state of every job submitted, in order. */
  attempts: string[];
  ids: string[];
}

/** The client under test: retry on fail (up to `retries`), give up on timeout, cancel past `deadlineMs`. */
async function runTask(jobs: JobClient, body: Record<string, unknown>, opts: { retries: number; deadlineMs: number; pollMs: number }): Promise<RunReport> {
  const report: RunReport = { outcome: 'out_of_retries', attempts: [], ids: [] };
  const deadline = Date.now() + opts.deadlineMs;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    const id = await jobs.create(body);
    report.ids.push(id);
    let view: JobView = await jobs.get(id);
    while (!FINAL.includes(view.state)) {
      if (Date.now() > deadline) {
        await jobs.cancel(id);
        report.attempts.push('abandoned');
        return { ...report, outcome: 'gave_up_on_deadline' };
      }
      await new Promise((r) => setTimeout(r, opts.pollMs));
      view = await jobs.get(id);
    }
    report.attempts.push(view.state);
    if (view.state === 'ok') return { ...report, outcome: 'ok', text: view.result!.text };
    if (view.state === 'timeout') return { ...report, outcome: 'gave_up_on_timeout' };
  }
  return report;
}

const h = fleetPerTest(test, { defaults: { tokens_per_sec: 200, load_ms: 0, num_tokens: 6, num_parallel: 1 } });
const behave = (steps: unknown[]) => control(h.fleet, 'POST', '/behavior/sequence', { port: h.port, steps });
const jobRecords = () => h.fleet.journal().filter((r) => r.job);

test('two upstream failures, then success: the client retries twice and gets the text; the journal shows three jobs', async () => {
  await behave([{ type: 'HttpError', status_code: 500, message: 'CUDA error', times: 2 }, { type: 'Normal' }]);
  const report = await runTask(new JobClient(h.fleet.urls[0]), chatJob('summarize this'), { retries: 3, deadlineMs: 5000, pollMs: 20 });
  assert.is(report.outcome, 'ok');
  assert.equal(report.attempts, ['fail', 'fail', 'ok']);
  assert.ok(report.text && report.text.length > 0);
  assert.equal(jobRecords().map((r) => [r.job!.id, r.job!.state, r.behavior]), [
    [report.ids[0], 'fail', 'HttpError'],
    [report.ids[1], 'fail', 'HttpError'],
    [report.ids[2], 'ok', 'Normal'],
  ]);
});

test('more failures than retries: the client stops after its last retry', async () => {
  await behave([{ type: 'InBandError', after_tokens: 1 }]);
  const report = await runTask(new JobClient(h.fleet.urls[0]), chatJob(), { retries: 2, deadlineMs: 5000, pollMs: 20 });
  assert.equal([report.outcome, report.attempts], ['out_of_retries', ['fail', 'fail', 'fail']]);
  assert.is(jobRecords().length, 3);
});

test('a server-enforced timeout: the client gives up at once, without a retry', async () => {
  await behave([{ type: 'Hang' }]);
  const report = await runTask(new JobClient(h.fleet.urls[0]), chatJob('x', { timeout_ms: 200 }), { retries: 3, deadlineMs: 5000, pollMs: 20 });
  assert.equal([report.outcome, report.attempts], ['gave_up_on_timeout', ['timeout']]);
  const [record] = jobRecords();
  assert.equal([record.job!.state, record.fault, record.behavior], ['timeout', 'timeout', 'Hang']);
});

test('the client\'s own deadline: it cancels upstream; the journal says the job was cancelled by the client and its slot is free', async () => {
  await behave([{ type: 'Stall', after_tokens: 2 }]);
  const report = await runTask(new JobClient(h.fleet.urls[0]), chatJob(), { retries: 3, deadlineMs: 300, pollMs: 20 });
  assert.equal([report.outcome, report.attempts], ['gave_up_on_deadline', ['abandoned']]);
  const record = await h.fleet.waitForRecord((r) => r.job?.id === report.ids[0], 2000);
  // "Was the job cancelled upstream?"
  assert.equal([record.job!.state, record.outcome, record.abortedAfterTokens], ['cancelled', 'client_aborted', 2]);
  await eventually('the frozen slot is freed', async () => (await control(h.fleet, 'GET', '/status')).json.servers[0].busy_slots, (n) => n === 0, 1000);
});

test.run();
