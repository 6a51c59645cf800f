// 5. Runner overhead: wall time of the whole scenario pack against the reference target with
// --jobs 1 and --jobs 4 (`npm run scenarios -- --jobs N --reporter json --out FILE`).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToEnd, spawnTracked } from '../lib/procs.js';
import { ROOT } from '../lib/sim.js';
import { fmt, type Benchmark, type Row } from '../lib/types.js';

const RUNNER_CLI = join(ROOT, 'runner', 'cli.ts');
const PACK_TIMEOUT_MS = 100_000;

/** Counts of verdicts in the json reporter's file, whatever its exact shape. */
function countVerdicts(file: string): { passed: number; failed: number; skipped: number } {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const count = (re: string) => (text.match(new RegExp(`"(status|verdict|outcome|result)"\\s*:\\s*"(${re})"`, 'g')) ?? []).length;
  return { passed: count('pass|passed'), failed: count('fail|failed'), skipped: count('skip|skipped') };
}

async function runPack(jobs: number, dir: string): Promise<Row> {
  const out = join(dir, `jobs-${jobs}.json`);
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, ['--import', 'tsx', RUNNER_CLI, '--jobs', String(jobs), '--reporter', 'json', '--out', out], { cwd: ROOT });
  let error: string | null = null;
  try {
    await runToEnd(child, PACK_TIMEOUT_MS, 'npm run scenarios');
  } catch (e) {
    // A failing scenario makes the runner exit non-zero; the wall time still counts if it reported.
    if (!existsSync(out)) error = (e as Error).message;
  }
  const wallMs = performance.now() - t0;
  if (error) return notAvailable(`--jobs ${jobs}`, error);
  const verdicts = countVerdicts(out);
  return {
    bench: 'runner',
    case: `scenario pack, --jobs ${jobs}`,
    result: `${fmt(wallMs / 1000, 1)} s wall (${verdicts.passed} passed, ${verdicts.failed} failed, ${verdicts.skipped} skipped)`,
    goal: '',
    met: null,
    data: { jobs, wallMs, ...verdicts },
  };
}

export function notAvailable(what: string, reason: string): Row {
  return { bench: 'runner', case: `scenario pack, ${what}`, result: `not available: ${reason.split('\n')[0].slice(0, 160)}`, goal: '', met: null, data: { error: reason } };
}

export const runner: Benchmark = {
  name: 'runner',
  usesBuild: false, // the runner of the work tree, against the reference target
  timeoutMs: 2 * PACK_TIMEOUT_MS + 10_000,
  async run(ctx) {
    if (!existsSync(RUNNER_CLI)) return [notAvailable('--jobs 1 / --jobs 4', 'runner/cli.ts does not exist yet')];
    const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-bench-runner-'));
    try {
      const rows: Row[] = [];
      for (const jobs of [1, 4]) {
        ctx.log(`runner: --jobs ${jobs}`);
        rows.push(await runPack(jobs, dir));
      }
      const [one, four] = rows.map((r) => r.data.wallMs as number | undefined);
      if (one && four) rows[1].result += `; speed-up ${fmt(one / four, 2)}x`;
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
