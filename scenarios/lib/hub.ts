// Helpers of the hub scenarios: jobs through the hub (seed 002's POST /jobs), the /execute attempts
// a job caused (found by a marker in its prompt), real load on a node from "other users" (direct
// generations that hold its slots), and waits on heartbeat records with a bound the failure states.
import type { HeartbeatRecord, JournalRecord } from '../../simulator/index.js';
import type { ScenarioContext } from '../../runner/types.js';
import { ScenarioFailure } from './assert.js';
import { completedWithDone, send, type Exchange } from './client.js';
import { marker, summarize } from './journal.js';

export const MODEL = 'test-model:latest';

export interface JobOptions {
  model?: string;
  stream?: boolean;
  options?: Record<string, unknown>;
  timeoutMs?: number;
}

export interface Job {
  mark: string;
  ex: Exchange;
}

function hubOf(ctx: ScenarioContext): NonNullable<ScenarioContext['hub']> {
  if (!ctx.hub) throw new Error('a hub scenario ran against a target that is not a hub');
  return ctx.hub;
}

/** POST one job to the hub; its prompt carries a marker that finds its /execute attempts in the journal. */
export async function submitJob(ctx: ScenarioContext, label: string, o: JobOptions = {}): Promise<Job> {
  const hub = hubOf(ctx);
  const mark = marker(label);
  const body = { model: o.model ?? MODEL, prompt: `Say hello ${mark}`, options: o.options ?? { num_predict: 4 }, stream: o.stream ?? false };
  const ex = await send(hub.jobsUrl, { path: hub.jobsUrl, body, timeoutMs: o.timeoutMs ?? ctx.target.timeoutMs * 4, signal: ctx.signal });
  return { mark, ex };
}

export const jobSucceeded = (job: Job): boolean => completedWithDone(job.ex);

/** The /execute attempts of a job, oldest first. */
export function executesOf(ctx: ScenarioContext, mark: string, since = 0): JournalRecord[] {
  return ctx.fleet.journal({ since }).filter((r) => r.path === '/execute' && r.body.includes(mark));
}

/** Every /execute a node got since the cursor. */
export function executesOn(ctx: ScenarioContext, port: number, since: number): JournalRecord[] {
  return ctx.fleet.journal({ since, port }).filter((r) => r.path === '/execute');
}

export const cpuOf = (h: HeartbeatRecord): number => ((h.payload.load as { cpu?: number } | undefined)?.cpu ?? 0);

/** The first heartbeat from `port` since the cursor that the hub answered 2xx and that matches. */
export async function acceptedHeartbeat(ctx: ScenarioContext, port: number, what: string, match: (h: HeartbeatRecord) => boolean = () => true, since = 0): Promise<HeartbeatRecord> {
  const bound = hubOf(ctx).heartbeatMs * 5 + 1000;
  try {
    return await ctx.fleet.waitForHeartbeat((h) => h.server === port && h.status !== null && h.status >= 200 && h.status < 300 && match(h), bound, since);
  } catch (err) {
    throw new ScenarioFailure(`no heartbeat of :${port} ${what} accepted by the hub within ${bound} ms (${(err as Error).message})`);
  }
}

/**
 * Other users of a node: `slots` direct generations (POST /api/generate, made slow: a minute each)
 * that hold its slots for the rest of the scenario (the fleet's teardown cuts them); its jobs on
 * /execute keep their speed. Resolves once the hub accepted a heartbeat of the node that reports the load.
 */
export async function occupySlots(ctx: ScenarioContext, port: number, slots: number): Promise<HeartbeatRecord> {
  const server = ctx.fleet.server(port);
  const since = ctx.fleet.cursor;
  ctx.fleet.setBehavior(port, { type: 'Slow', tokens_per_sec: 5, num_tokens: 300, endpoints: ['/api/generate'] });
  for (let i = 0; i < slots; i++) {
    void send(server.url, { path: '/api/generate', body: { model: MODEL, prompt: `a long story ${i}` }, timeoutMs: 10 * 60_000, signal: ctx.signal });
  }
  const cpu = slots / server.settings.num_parallel;
  return acceptedHeartbeat(ctx, port, `reporting load.cpu >= ${cpu.toFixed(2)} from ${slots} direct generations`, (h) => cpuOf(h) >= cpu - 0.001, since);
}

/** "#id :port status outcome" lines of the /execute attempts, for failure messages. */
export const describeExecutes = (records: readonly JournalRecord[]): string => summarize(records);
