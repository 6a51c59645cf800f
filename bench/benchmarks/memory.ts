// 4. Memory: peak RSS of the simulator process with 100 idle servers and then with 1,000
// concurrent streams over them; and RSS while a fixed number of GET /api/version requests pass
// through one server whose journal keeps its default bound (it fills after journal_size requests,
// after which RSS must stay flat).
import type { LoadResult } from '../clients/load.js';
import type { PacingResult } from '../clients/streams.js';
import { runClient } from '../lib/client.js';
import { memoryOf } from '../lib/rss.js';
import { startSim } from '../lib/sim.js';
import { round, slope } from '../lib/stats.js';
import { fmt, type Benchmark, type Row } from '../lib/types.js';

const GOAL_MB = 150;
/** Flat: the fitted RSS slope after the first quarter stays below this many MB per 100k requests. */
const FLAT_MB_PER_100K = 1;
/** The soak stops early (and says so) past this, so the whole bench stays bounded on a busy machine. */
const SOAK_BUDGET_MS = 150_000;

async function fleetMemory(ctx: Parameters<Benchmark['run']>[0]): Promise<Row[]> {
  const sim = await startSim({ servers: 100, cli: ctx.cli });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const idle = memoryOf(sim.pid);
    ctx.log('memory: 1000 streams over 100 servers');
    const streams = await runClient<PacingResult>('streams.ts', { urls: sim.urls, streams: 1000, tokens: 20, intervalMs: 20, timeoutMs: 30_000 }, 60_000);
    const loaded = memoryOf(sim.pid);
    return [
      { bench: 'memory', case: '100 servers idle', result: `RSS ${fmt(idle.rssMb, 0)} MB, peak ${fmt(idle.peakMb, 0)} MB`, goal: `< ${GOAL_MB} MB`, met: idle.peakMb < GOAL_MB, figures: [{ name: 'peak MB', value: idle.peakMb, higherIsBetter: false }], data: { ...idle } },
      {
        bench: 'memory',
        case: '100 servers + 1,000 streams',
        result: `peak RSS ${fmt(loaded.peakMb, 0)} MB (after: ${fmt(loaded.rssMb, 0)} MB)${streams.failed ? `, ${streams.failed} streams failed` : ''}`,
        goal: `< ${GOAL_MB} MB`,
        met: loaded.peakMb < GOAL_MB,
        figures: [{ name: 'peak MB', value: loaded.peakMb, higherIsBetter: false }],
        data: { ...loaded, streamsFailed: streams.failed },
      },
    ];
  } finally {
    await sim.stop();
  }
}

async function journalSoak(ctx: Parameters<Benchmark['run']>[0]): Promise<Row> {
  const total = ctx.quick ? 200_000 : 1_000_000;
  const chunk = total / 8;
  const sim = await startSim({ servers: 1, cli: ctx.cli });
  const url = `${sim.urls[0]}/api/version`;
  try {
    const samples: Array<[number, number]> = [[0, memoryOf(sim.pid).rssMb]];
    const t0 = performance.now();
    let failed = 0;
    let done = 0;
    for (; done < total && performance.now() - t0 < SOAK_BUDGET_MS; done += chunk) {
      ctx.log(`memory: journal soak ${done + chunk}/${total}`);
      const r = await runClient<LoadResult>('load.ts', { url, amount: chunk, connections: 20, pipelining: 10 }, 120_000);
      failed += r.non2xx + r.errors + r.timeouts;
      samples.push([done + chunk, memoryOf(sim.pid).rssMb]);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cutShort = done < total ? ` (stopped at ${done.toLocaleString('en-US')} after ${SOAK_BUDGET_MS / 1000} s)` : '';
    const after = samples.filter(([n]) => n >= done / 4);
    const mbPer100k = slope(after) * 100_000;
    const peak = memoryOf(sim.pid).peakMb;
    const at = (n: number) => fmt((samples.find(([x]) => x >= n) ?? samples[samples.length - 1])[1], 0);
    return {
      bench: 'memory',
      case: `${total.toLocaleString('en-US')} x GET /api/version, journal default bound`,
      result: `RSS ${at(0)} -> ${at(total / 4)}/${at(total / 2)}/${at((3 * total) / 4)}/${at(total)} MB at 25/50/75/100%; slope ${fmt(mbPer100k, 2)} MB/100k req (${fmt(done / seconds, 0)} req/s${failed ? `, ${failed} failed` : ''})${cutShort}`,
      goal: `no growth (slope < ${FLAT_MB_PER_100K} MB/100k)`,
      // Below ~500k requests GC swings (+-15 MB) drown the slope: report it, judge nothing.
      // A negative slope is GC giving memory back: not growth.
      met: done < 500_000 ? null : failed === 0 && mbPer100k < FLAT_MB_PER_100K,
      figures: [{ name: 'peak MB', value: peak, higherIsBetter: false }, { name: 'req/s', value: done / seconds, higherIsBetter: true }],
      data: { requests: done, planned: total, samples: samples.map(([n, mb]) => ({ requests: n, rssMb: round(mb, 1) })), mbPer100k, peakMb: peak, reqPerSec: done / seconds, failed },
    };
  } finally {
    await sim.stop();
  }
}

export const memory: Benchmark = {
  name: 'memory',
  timeoutMs: SOAK_BUDGET_MS + 90_000,
  async run(ctx) {
    return [...(await fleetMemory(ctx)), await journalSoak(ctx)];
  },
};
