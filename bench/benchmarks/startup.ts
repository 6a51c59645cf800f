// 3. Start-up: from spawning `node dist/simulator/cli.js` to every server port answering
// GET /api/version, for 1, 10 and 100 servers. Median of a few runs.
import { cpuMsOf } from '../lib/rss.js';
import { runToEnd, spawnTracked } from '../lib/procs.js';
import { ROOT, startSim } from '../lib/sim.js';
import { fmt, type Benchmark, type Row } from '../lib/types.js';

const GOAL_MS = 1000;

/** Spawn-to-exit time of a short node command: what start-up costs before any port is bound. */
async function timeToExit(args: string[]): Promise<number> {
  const t0 = performance.now();
  await runToEnd(spawnTracked(process.execPath, args, { cwd: ROOT }), 30_000, `node ${args.join(' ')}`);
  return performance.now() - t0;
}

export const startup: Benchmark = {
  name: 'startup',
  timeoutMs: 90_000,
  async run(ctx) {
    const nodeMs = await timeToExit(['-e', '0']);
    const cliMs = await timeToExit([ctx.cli, '--version']);
    const rows: Row[] = [{
      bench: 'startup',
      case: 'reference: node -e 0 / cli.js --version',
      result: `${fmt(nodeMs, 0)} ms / ${fmt(cliMs, 0)} ms (Node itself / loading the CLI's modules, no port)`,
      goal: '',
      met: null,
      figures: [{ name: 'cli.js --version ms', value: cliMs, higherIsBetter: false }],
      data: { nodeMs, cliVersionMs: cliMs },
    }];
    const repeats = ctx.quick ? 1 : 3;
    for (const servers of [1, 10, 100]) {
      ctx.log(`startup: ${servers} servers`);
      const times: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const sim = await startSim({ servers, cli: ctx.cli });
        times.push(sim.readyMs);
        cpu.push(cpuMsOf(sim.pid));
        await sim.stop();
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      rows.push({
        bench: 'startup',
        case: `${servers} server${servers === 1 ? '' : 's'} (dist/simulator/cli.js)`,
        result: `${fmt(median, 0)} ms to all ports answering (median of ${repeats}: ${times.map((t) => fmt(t, 0)).join(', ')}); CPU ${fmt(Math.min(...cpu), 0)} ms`,
        goal: servers === 100 ? `< ${GOAL_MS} ms` : '',
        met: servers === 100 ? median < GOAL_MS : null,
        figures: [{ name: 'ms to ready', value: median, higherIsBetter: false }],
        data: { servers, medianMs: median, runsMs: times, cpuMsToReady: cpu },
      });
    }
    return rows;
  },
};
