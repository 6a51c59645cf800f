// `npm run bench`: measures the simulator (each in its own process, timed by separate client
// processes) and prints one table. See the README section "Benchmarks" for what each row means.
//
//   npm run bench [-- --only pacing,throughput] [--quick] [--json FILE] [--profile DIR] [--no-build] [--compare REF]
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { memory } from './benchmarks/memory.js';
import { pacing } from './benchmarks/pacing.js';
import { runner } from './benchmarks/runner.js';
import { startup } from './benchmarks/startup.js';
import { throughput } from './benchmarks/throughput.js';
import { workers } from './benchmarks/workers.js';
import { buildRef, compareRows, type RefBuild } from './lib/compare.js';
import { killAll } from './lib/procs.js';
import { summarizeProfile } from './lib/profile.js';
import { CLI, ensureBuilt } from './lib/sim.js';
import type { Benchmark, BenchContext, Row } from './lib/types.js';

const BENCHMARKS: Benchmark[] = [pacing, throughput, startup, memory, runner, workers];

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      profile: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      compare: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`npm run bench -- [--only ${BENCHMARKS.map((b) => b.name).join(',')}] [--quick] [--json FILE] [--profile DIR] [--no-build] [--compare REF]`);
    process.exit(0);
  }
  const names = BENCHMARKS.map((b) => b.name);
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !names.includes(n)) ?? [];
  if (unknown.length) {
    console.error(`bench: --only: unknown benchmark ${unknown.join(', ')}; choose from ${names.join(', ')}`);
    process.exit(2);
  }
  return { ...values, selected: only ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS };
}

function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAvg1mAtStart: Number(loadavg()[0].toFixed(2)),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

function printTable(rows: Row[]): void {
  const header = ['benchmark', 'case', 'result', 'goal', 'met'];
  const cells = rows.map((r) => [r.bench, r.case, r.result, r.goal, r.met === null ? '' : r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const c of cells) console.log(line(c));
}

function printProfiles(dir: string): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = summarizeProfile(join(dir, file), 15);
    console.log(`\n${file}: simulator busy ${p.busyMs} ms of ${p.totalMs} ms; self time by file:`);
    for (const h of p.files) console.log(`  ${String(h.percent).padStart(5)}%  ${h.name}`);
    console.log('  top functions:');
    for (const h of p.functions) console.log(`  ${String(h.percent).padStart(5)}%  ${h.name}`);
  }
}

async function runBenchmark(b: Benchmark, ctx: BenchContext): Promise<Row[]> {
  ctx.log(`${b.name}${ctx.tag ? ` (${ctx.tag})` : ''} ...`);
  try {
    return await withTimeout(b.run(ctx), b.timeoutMs);
  } catch (e) {
    killAll(); // whatever the failed benchmark left running
    return [{ bench: b.name, case: '', result: `not available: ${(e as Error).message.split('\n')[0]}`, goal: '', met: null, data: { error: String(e) } }];
  }
}

/** REF, then the work tree, `rounds` times (interleaved, so machine noise hits both alike). */
async function compareBenchmark(b: Benchmark, ctx: BenchContext, ref: RefBuild, rounds: number): Promise<Row[]> {
  const before: Row[][] = [];
  const after: Row[][] = [];
  for (let i = 0; i < rounds; i++) {
    before.push(await runBenchmark(b, { ...ctx, cli: ref.cli, tag: ref.ref }));
    after.push(await runBenchmark(b, ctx));
  }
  return compareRows({ rows: before }, { rows: after }, ref.ref);
}

const cleanups: Array<() => void> = [];

async function main(): Promise<void> {
  const opts = options();
  const started = performance.now();
  const info = machine();
  const log = (m: string) => process.stderr.write(`  ${m}\n`);
  console.log(`ollama-sim bench on ${info.cpu}, ${info.cores} cores, ${info.memoryGb} GiB, Node ${info.node}, ${info.platform}; load average ${info.loadAvg1mAtStart}${opts.quick ? ' (--quick)' : ''}`);
  if (info.loadAvg1mAtStart > info.cores / 2) console.log(`warning: the machine is busy (load average ${info.loadAvg1mAtStart} on ${info.cores} cores); timing figures will be worse than on a quiet machine`);
  const build = await ensureBuilt(opts['no-build']);
  log(`dist: ${build}`);
  const profileDir = opts.profile ? resolve(opts.profile) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const ctx: BenchContext = { quick: opts.quick, profileDir, log, cli: CLI, tag: '' };
  let ref: RefBuild | null = null;
  if (opts.compare) {
    ref = await buildRef(opts.compare, log);
    cleanups.push(ref.remove);
    log(`compare: ${opts.compare} = ${ref.commit}, built in ${ref.cli}`);
  }
  const rows: Row[] = [];
  for (const b of opts.selected) {
    if (ref && b.usesBuild !== false) rows.push(...(await compareBenchmark(b, ctx, ref, opts.quick ? 1 : 2)));
    else rows.push(...(await runBenchmark(b, ctx)));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log('');
  printTable(rows);
  console.log(`\n${rows.filter((r) => r.met === true).length} goals met, ${rows.filter((r) => r.met === false).length} not met; ${seconds.toFixed(0)} s`);
  if (profileDir) printProfiles(profileDir);
  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify({ date: new Date().toISOString(), machine: info, quick: opts.quick, build, compare: ref ? { ref: ref.ref, commit: ref.commit } : null, seconds, rows }, null, 2) + '\n');
    log(`wrote ${opts.json}`);
  }
}

process.on('exit', () => {
  killAll();
  for (const cleanup of cleanups) cleanup();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
main().catch((e) => {
  console.error('bench:', e);
  killAll();
  process.exit(1);
});
