// 6. Workers: a large fleet spread over worker threads (--workers N, N = cores). Pacing of 10,000
// concurrent streams over 40 servers, timed by two client processes (half the servers each); and
// the throughput of non-streamed /api/chat with 1 and with N workers, in alternating rounds.
//
// 1 tok/s: at about 85 us of simulator CPU per streamed line, 10,000 streams at 1 tok/s need
// 0.85 of a core, which a 2-core machine can give while the clients use the rest; 5 tok/s would
// need four cores for the simulator alone, so its figures would measure the machine, not pacing.
import { availableParallelism } from 'node:os';
import type { LoadResult } from '../clients/load.js';
import type { PacingResult } from '../clients/streams.js';
import { runClient } from '../lib/client.js';
import { cpuMsOf } from '../lib/rss.js';
import { MODEL, startSim, type Sim } from '../lib/sim.js';
import { fmt, type Benchmark, type Row } from '../lib/types.js';

const SERVERS = 40;
const TOKENS_PER_SEC = 1;
const INTERVAL_MS = 1000 / TOKENS_PER_SEC;
const TOKENS = 6;
const CLIENTS = 2;
const CHAT_BODY = JSON.stringify({ model: MODEL, stream: false, messages: [{ role: 'user', content: 'hi' }] });
const INSTANT = { tokens_per_sec: 1e9, prompt_tokens_per_sec: 1e9 };

/** The streams split over CLIENTS processes, each on its own half of the servers; results joined (p99: the worse client's). */
async function streams(sim: Sim, total: number): Promise<PacingResult> {
  const parts = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => {
    const urls = sim.urls.filter((_, i) => i % CLIENTS === c);
    return runClient<PacingResult>('streams.ts', { urls, streams: Math.round(total / CLIENTS), tokens: TOKENS, intervalMs: INTERVAL_MS, model: MODEL, timeoutMs: 90_000 }, 150_000);
  }));
  const sum = (f: (r: PacingResult) => number) => parts.reduce((a, r) => a + f(r), 0);
  const max = (f: (r: PacingResult) => number) => Math.max(...parts.map(f));
  const failures: Record<string, number> = {};
  for (const r of parts) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
  return {
    streams: sum((r) => r.streams), failed: sum((r) => r.failed), failures, gaps: sum((r) => r.gaps),
    meanGapMs: sum((r) => r.meanGapMs * r.gaps) / sum((r) => r.gaps),
    p50AbsErrMs: max((r) => r.p50AbsErrMs), p99AbsErrMs: max((r) => r.p99AbsErrMs), maxAbsErrMs: max((r) => r.maxAbsErrMs),
    ttftP50Ms: max((r) => r.ttftP50Ms), ttftP99Ms: max((r) => r.ttftP99Ms), wallMs: max((r) => r.wallMs),
    clientLoopDelayP99Ms: max((r) => r.clientLoopDelayP99Ms), clientCpuMs: sum((r) => r.clientCpuMs),
  };
}

/** req/s of non-streamed chat from one autocannon per worker, each on a server of a different worker (entry i lives on worker i mod N). */
async function chatLoad(sim: Sim, clients: number, durationSec: number): Promise<{ rps: number; bad: number; cpuUsPerReq: number }> {
  const cpu0 = cpuMsOf(sim.pid);
  const runs = await Promise.all(Array.from({ length: clients }, (_, i) =>
    runClient<LoadResult>('load.ts', { url: `${sim.urls[i]}/api/chat`, method: 'POST', body: CHAT_BODY, connections: 50, durationSec }, durationSec * 1000 + 30_000)));
  const requests = runs.reduce((a, r) => a + r.requests, 0);
  return { rps: runs.reduce((a, r) => a + r.rps, 0), bad: runs.reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0), cpuUsPerReq: ((cpuMsOf(sim.pid) - cpu0) * 1000) / requests };
}

async function pacingRow(workers: number, total: number): Promise<Row> {
  const sim = await startSim({ servers: SERVERS, workers, defaults: { tokens_per_sec: TOKENS_PER_SEC, num_tokens: TOKENS }, timeoutMs: 60_000 });
  try {
    await streams(sim, 400); // JIT warm-up in every worker
    const cpu0 = cpuMsOf(sim.pid);
    const r = await streams(sim, total);
    const simCpuMs = cpuMsOf(sim.pid) - cpu0;
    const meanOk = Math.abs(r.meanGapMs - INTERVAL_MS) <= INTERVAL_MS * 0.01;
    return {
      bench: 'workers',
      case: `${total} streams / ${SERVERS} servers / ${workers} workers, ${TOKENS_PER_SEC} tok/s`,
      result: `gap ${fmt(r.meanGapMs, 1)} ms, err p50 ${fmt(r.p50AbsErrMs)} p99 ${fmt(r.p99AbsErrMs)} ms, TTFT p99 ${fmt(r.ttftP99Ms, 0)} ms; sim CPU ${fmt((100 * simCpuMs) / r.wallMs, 0)}%${r.failed ? `; ${r.failed} FAILED ${JSON.stringify(r.failures)}` : ''}`,
      goal: 'no failed stream, mean within 1%; p99 reported',
      met: r.failed === 0 && meanOk,
      data: { ...r, simCpuMs, servers: SERVERS, workers, tokensPerSec: TOKENS_PER_SEC, tokens: TOKENS, clients: CLIENTS },
    };
  } finally {
    await sim.stop();
  }
}

async function scalingRow(workers: number, rounds: number, durationSec: number, log: (m: string) => void): Promise<Row> {
  const one = await startSim({ servers: SERVERS, workers: 1, defaults: INSTANT, timeoutMs: 60_000 });
  const many = await startSim({ servers: SERVERS, workers, defaults: INSTANT, timeoutMs: 60_000 });
  try {
    const runs: Record<'one' | 'many', Array<Awaited<ReturnType<typeof chatLoad>>>> = { one: [], many: [] };
    await chatLoad(one, workers, 1);
    await chatLoad(many, workers, 1);
    for (let i = 0; i < rounds; i++) {
      log(`workers: throughput round ${i + 1}/${rounds}`);
      runs.one.push(await chatLoad(one, workers, durationSec));
      runs.many.push(await chatLoad(many, workers, durationSec));
    }
    const avg = (rs: typeof runs.one, f: (r: (typeof runs.one)[number]) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const [rps1, rpsN] = [avg(runs.one, (r) => r.rps), avg(runs.many, (r) => r.rps)];
    const [cpu1, cpuN] = [avg(runs.one, (r) => r.cpuUsPerReq), avg(runs.many, (r) => r.cpuUsPerReq)];
    const bad = [...runs.one, ...runs.many].reduce((a, r) => a + r.bad, 0);
    return {
      bench: 'workers',
      case: `POST /api/chat (stream:false), 1 vs ${workers} workers, ${SERVERS} servers`,
      result: `${fmt(rps1, 0)} -> ${fmt(rpsN, 0)} req/s = ${fmt(rpsN / rps1, 2)}x${bad ? `, ${bad} errors/non-2xx` : ''}; sim CPU ${fmt(cpu1, 0)} vs ${fmt(cpuN, 0)} us/req`,
      goal: 'reported (scales with free cores)',
      met: null,
      data: { rps1, rpsN, ratio: rpsN / rps1, cpuUsPerReq1: cpu1, cpuUsPerReqN: cpuN, workers, clients: workers, connectionsPerClient: 50, durationSec, rounds, runs },
    };
  } finally {
    await one.stop();
    await many.stop();
  }
}

export const workers: Benchmark = {
  name: 'workers',
  // Always the work tree's build: --workers is newer than the refs --compare is meant for.
  usesBuild: false,
  timeoutMs: 300_000,
  async run(ctx) {
    const n = Math.max(2, availableParallelism());
    ctx.log(`workers: ${n} workers`);
    const pacing = await pacingRow(n, ctx.quick ? 2000 : 10_000);
    const scaling = await scalingRow(n, ctx.quick ? 1 : 2, ctx.quick ? 2 : 3, ctx.log);
    return [pacing, scaling];
  },
};
