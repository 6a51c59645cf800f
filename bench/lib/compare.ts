// `npm run bench -- --compare REF`: the simulator of git ref REF, built in a temporary directory,
// measured in the same run as the work tree's, and the rows of both set side by side.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToEnd, spawnTracked } from './procs.js';
import { ROOT } from './sim.js';
import { fmt, type Row } from './types.js';

export interface RefBuild {
  ref: string;
  commit: string;
  cli: string;
  remove(): void;
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/**
 * REF's tree (`git archive`, no worktree to register) in a temporary directory, built with the
 * work tree's tsc. node_modules is the work tree's (a symlink) when the lockfiles agree, else
 * `npm ci` from npm's cache.
 */
export async function buildRef(ref: string, log: (m: string) => void): Promise<RefBuild> {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--compare: ${ref} is not a commit of this repository (a branch, tag or commit id)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-bench-ref-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    execFileSync('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${dir}"`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const lock = (d: string) => (existsSync(join(d, 'package-lock.json')) ? readFileSync(join(d, 'package-lock.json'), 'utf8') : '');
    if (lock(dir) === lock(ROOT)) {
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    } else {
      log(`compare: ${ref} has other dependencies: npm ci --prefer-offline`);
      await runToEnd(spawnTracked('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir }), 300_000, 'npm ci');
    }
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const cli = join(dir, 'dist', 'simulator', 'cli.js');
    try {
      await runToEnd(spawnTracked(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir }), 180_000, `tsc (${ref})`);
    } catch (e) {
      if (!existsSync(cli)) throw e; // type errors elsewhere do not stop tsc from emitting
    }
    return { ref, commit: commit.slice(0, 10), cli, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

interface Side {
  rows: Row[][];
}

/** The mean of each figure over the rounds, by figure name. */
function meanFigures(rows: Row[]): Map<string, { value: number; higherIsBetter: boolean }> {
  const out = new Map<string, { value: number; higherIsBetter: boolean }>();
  for (const r of rows) for (const f of r.figures ?? []) {
    const prev = out.get(f.name);
    out.set(f.name, { value: (prev?.value ?? 0) + f.value / rows.length, higherIsBetter: f.higherIsBetter });
  }
  return out;
}

/**
 * One row per case: the mean figures of REF (before) and of the work tree (after) over the
 * rounds, and after ÷ before, with `better`/`worse` by the figure's direction. A row without
 * figures shows the two results of the last round.
 */
export function compareRows(before: Side, after: Side, ref: string): Row[] {
  const byCase = (side: Side) => {
    const m = new Map<string, Row[]>();
    for (const round of side.rows) for (const r of round) m.set(`${r.bench}\u0000${r.case}`, [...(m.get(`${r.bench}\u0000${r.case}`) ?? []), r]);
    return m;
  };
  const b = byCase(before);
  const a = byCase(after);
  const rows: Row[] = [];
  for (const [key, afterRows] of a) {
    const beforeRows = b.get(key) ?? [];
    const last = afterRows[afterRows.length - 1];
    const fa = meanFigures(afterRows);
    const fb = meanFigures(beforeRows);
    const parts: string[] = [];
    const data: Record<string, unknown> = {};
    for (const [name, f] of fa) {
      const was = fb.get(name);
      if (!was) continue;
      const ratio = f.value / was.value;
      const better = f.higherIsBetter ? ratio > 1 : ratio < 1;
      parts.push(`${name} ${fmt(was.value, was.value < 10 ? 2 : 0)} -> ${fmt(f.value, f.value < 10 ? 2 : 0)} (${fmt(ratio, 2)}x${ratio === 1 ? '' : better ? ', better' : ', worse'})`);
      data[name] = { before: was.value, after: f.value, ratio };
    }
    const result = parts.length ? parts.join('; ') : `before: ${beforeRows[beforeRows.length - 1]?.result ?? 'n/a'} | after: ${last.result}`;
    rows.push({ bench: last.bench, case: `${last.case} [${ref} -> work tree, ${afterRows.length} round(s)]`, result, goal: last.goal, met: last.met, data: { ...data, before: beforeRows, after: afterRows } });
  }
  return rows;
}
