// 2. Throughput: requests per second of non-streaming /api/chat, GET /api/tags and GET /api/version from autocannon,
// against the simulator and, in the same run, against a minimal node:http server answering the
// same bytes. Rounds alternate simulator and baseline so machine noise hits both alike.
import { join } from 'node:path';
import type { LoadResult } from '../clients/load.js';
import { runClient } from '../lib/client.js';
import { fetchText, waitAllAnswering } from '../lib/http.js';
import { freePort } from '../lib/ports.js';
import { spawnTracked, stopChild } from '../lib/procs.js';
import { cpuMsOf } from '../lib/rss.js';
import { MODEL, ROOT, startSim } from '../lib/sim.js';
import { fmt, profileArgs, type Benchmark, type Row } from '../lib/types.js';

const GOAL_RATIO = 0.8;
const CHAT_BODY = JSON.stringify({ model: MODEL, stream: false, messages: [{ role: 'user', content: 'hi' }] });
/** Generation as fast as the clock allows: the row measures the HTTP path, not the paced tokens. */
const INSTANT = { tokens_per_sec: 1e9, prompt_tokens_per_sec: 1e9 };

interface Endpoint {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  /** Goal ratio to the baseline (GOAL_RATIO unless given). */
  goal?: number;
}

const ENDPOINTS: Endpoint[] = [
  { label: 'POST /api/chat (stream:false)', method: 'POST', path: '/api/chat', body: CHAT_BODY },
  { label: 'GET /api/tags', method: 'GET', path: '/api/tags', goal: 0.9 },
  { label: 'GET /api/version', method: 'GET', path: '/api/version', goal: 0.9 },
];

async function capture(url: string, e: Endpoint) {
  const r = await fetchText(url + e.path, { method: e.method, body: e.body });
  return { status: r.status, contentType: String(r.headers['content-type']), body: r.body };
}

export const throughput: Benchmark = {
  name: 'throughput',
  timeoutMs: 120_000,
  async run(ctx) {
    const sim = await startSim({ servers: 1, defaults: INSTANT, nodeArgs: profileArgs(ctx, 'throughput'), cli: ctx.cli });
    const basePort = await freePort();
    const responses: Record<string, unknown> = {};
    for (const e of ENDPOINTS) responses[`${e.method} ${e.path}`] = await capture(sim.urls[0], e);
    const base = spawnTracked(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'servers', 'baseline.ts'), JSON.stringify({ port: basePort, responses })], { cwd: ROOT, stdio: 'ignore' });
    const rows: Row[] = [];
    try {
      await waitAllAnswering([basePort], performance.now() + 15_000, '/api/tags');
      const rounds = ctx.quick ? 1 : 2;
      const durationSec = ctx.quick ? 2 : 3;
      // CPU time of the server per request: unlike req/s, it hardly changes when other processes
      // compete for the cores, so the ratio stays meaningful on a busy machine.
      const load = async (pid: number, url: string, e: Endpoint) => {
        const cpu0 = cpuMsOf(pid);
        const r = await runClient<LoadResult>('load.ts', { url: url + e.path, method: e.method, body: e.body, connections: 50, durationSec }, durationSec * 1000 + 30_000);
        return { ...r, serverCpuUsPerReq: ((cpuMsOf(pid) - cpu0) * 1000) / r.requests };
      };
      for (const e of ENDPOINTS) {
        const simRuns: Array<LoadResult & { serverCpuUsPerReq: number }> = [];
        const baseRuns: Array<LoadResult & { serverCpuUsPerReq: number }> = [];
        // One short warm-up each, then alternate.
        await runClient<LoadResult>('load.ts', { url: sim.urls[0] + e.path, method: e.method, body: e.body, amount: 5000 }, 30_000);
        await runClient<LoadResult>('load.ts', { url: `http://127.0.0.1:${basePort}${e.path}`, method: e.method, body: e.body, amount: 5000 }, 30_000);
        for (let i = 0; i < rounds; i++) {
          ctx.log(`throughput: ${e.label} round ${i + 1}/${rounds}`);
          simRuns.push(await load(sim.pid, sim.urls[0], e));
          baseRuns.push(await load(base.pid!, `http://127.0.0.1:${basePort}`, e));
        }
        const rps = (runs: LoadResult[]) => runs.reduce((a, r) => a + r.rps, 0) / runs.length;
        const simRps = rps(simRuns);
        const baseRps = rps(baseRuns);
        const ratio = simRps / baseRps;
        const cpu = (runs: typeof simRuns) => runs.reduce((a, r) => a + r.serverCpuUsPerReq, 0) / runs.length;
        const simCpu = cpu(simRuns);
        const baseCpu = cpu(baseRuns);
        const bad = [...simRuns, ...baseRuns].reduce((a, r) => a + r.non2xx + r.errors + r.timeouts, 0);
        rows.push({
          bench: 'throughput',
          case: e.label,
          result: `${fmt(simRps, 0)} req/s vs baseline ${fmt(baseRps, 0)} = ${fmt(ratio, 2)}x${bad ? `, ${bad} errors/non-2xx` : ''}; server CPU ${fmt(simCpu, 0)} vs ${fmt(baseCpu, 0)} us/req = ${fmt(baseCpu / simCpu, 2)}x`,
          goal: `>= ${e.goal ?? GOAL_RATIO}x baseline`,
          met: bad === 0 && ratio >= (e.goal ?? GOAL_RATIO),
          figures: [
            { name: 'req/s', value: simRps, higherIsBetter: true },
            { name: 'x baseline', value: ratio, higherIsBetter: true },
            { name: 'CPU us/req', value: simCpu, higherIsBetter: false },
          ],
          data: { simRps, baseRps, ratio, simCpuUsPerReq: simCpu, baseCpuUsPerReq: baseCpu, cpuRatio: baseCpu / simCpu, connections: 50, durationSec, rounds, sim: simRuns, baseline: baseRuns },
        });
      }
    } finally {
      await stopChild(base);
      await sim.stop();
    }
    return rows;
  },
};
