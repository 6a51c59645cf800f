// What every benchmark hands back: rows for the printed table, plus the raw figures for --json.

export interface Row {
  bench: string;
  case: string;
  /** The figures, formatted for the table. */
  result: string;
  goal: string;
  /** null: no goal for this row, or the row could not be measured. */
  met: boolean | null;
  data: Record<string, unknown>;
  /** The row's headline figures, for `--compare` (before/after and their ratio). */
  figures?: Figure[];
}

export interface Figure {
  name: string;
  value: number;
  /** Whether a larger value is the better one (req/s) or a smaller (CPU per request). */
  higherIsBetter: boolean;
}

export interface BenchContext {
  quick: boolean;
  /** Where the simulator's CPU profiles go when --profile is given (else null). */
  profileDir: string | null;
  log(message: string): void;
  /** The simulator build under measurement: dist/simulator/cli.js of the work tree, or of `--compare REF`. */
  cli: string;
  /** '' for the work tree; the ref's name under --compare (it suffixes profile names). */
  tag: string;
}

export interface Benchmark {
  name: string;
  /** Upper bound of the whole benchmark; past it the row reads "not available: timed out". */
  timeoutMs: number;
  /** False when it does not start the simulator build (ctx.cli): --compare then runs it once. */
  usesBuild?: boolean;
  run(ctx: BenchContext): Promise<Row[]>;
}

/** The profile file of a benchmark for this build: `NAME.cpuprofile`, or `NAME-TAG.cpuprofile`. */
export function profileArgs(ctx: BenchContext, name: string): string[] {
  if (!ctx.profileDir) return [];
  const file = `${name}${ctx.tag ? `-${ctx.tag.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}.cpuprofile`;
  return ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir, '--cpu-prof-name', file];
}

export const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
