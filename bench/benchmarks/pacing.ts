// 1. Pacing accuracy: N concurrent streaming /api/chat requests at 50 tok/s, 20 tokens, spread over
// several servers of one simulator process, timed by a separate client process.
import type { PacingResult } from '../clients/streams.js';
import { runClient } from '../lib/client.js';
import { cpuMsOf } from '../lib/rss.js';
import { startSim } from '../lib/sim.js';
import { fmt, profileArgs, type Benchmark, type Row } from '../lib/types.js';

const INTERVAL_MS = 20;
const TOKENS = 20;
const SERVERS = 4;
const WARMUP_STREAMS = 200;

function verdict(streams: number, r: PacingResult): { goal: string; met: boolean | null } {
  const meanOk = Math.abs(r.meanGapMs - INTERVAL_MS) <= INTERVAL_MS * 0.01;
  if (streams === 4000) return { goal: 'no stream fails', met: r.failed === 0 };
  if (streams === 1000) return { goal: 'mean within 1%, p99 err <= 5 ms', met: r.failed === 0 && meanOk && r.p99AbsErrMs <= 5 };
  return { goal: 'mean within 1% (19.8-20.2 ms)', met: r.failed === 0 && meanOk };
}

/** Simulator CPU per streamed NDJSON line: each stream writes its token lines and one done line. */
const cpuUsPerLine = (simCpuMs: number, streams: number) => (1000 * simCpuMs) / (streams * (TOKENS + 1));

export const pacing: Benchmark = {
  name: 'pacing',
  timeoutMs: 240_000,
  async run(ctx) {
    const sim = await startSim({ servers: SERVERS, nodeArgs: profileArgs(ctx, 'pacing'), cli: ctx.cli });
    const rows: Row[] = [];
    try {
      const stream = (streams: number) => runClient<PacingResult>('streams.ts', { urls: sim.urls, streams, tokens: TOKENS, intervalMs: INTERVAL_MS, timeoutMs: 30_000 }, 60_000);
      // JIT warm-up, so that the 1-stream row measures pacing, not the first compile.
      await stream(WARMUP_STREAMS);
      for (const streams of [1, 100, 1000, 4000]) {
        ctx.log(`pacing: ${streams} streams`);
        const cpu0 = cpuMsOf(sim.pid);
        const r = await stream(streams);
        const simCpuMs = cpuMsOf(sim.pid) - cpu0;
        const { goal, met } = verdict(streams, r);
        const perLine = cpuUsPerLine(simCpuMs, streams);
        rows.push({
          bench: 'pacing',
          case: `${streams} stream${streams === 1 ? '' : 's'} / ${SERVERS} servers`,
          result: `gap ${fmt(r.meanGapMs, 2)} ms, err p50 ${fmt(r.p50AbsErrMs)} p99 ${fmt(r.p99AbsErrMs)} ms, TTFT p50 ${fmt(r.ttftP50Ms)} p99 ${fmt(r.ttftP99Ms)} ms; sim CPU ${fmt((100 * simCpuMs) / r.wallMs, 0)}%, ${fmt(perLine, 0)} µs/line${r.failed ? `; ${r.failed} FAILED` : ''}`,
          goal,
          met,
          figures: [
            { name: 'p99 err ms', value: r.p99AbsErrMs, higherIsBetter: false },
            { name: 'µs/line', value: perLine, higherIsBetter: false },
          ],
          data: { ...r, simCpuMs, cpuUsPerLine: perLine, servers: SERVERS, intervalMs: INTERVAL_MS, tokens: TOKENS },
        });
      }
    } finally {
      await sim.stop();
    }
    return rows;
  },
};
