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
}

export interface BenchContext {
  quick: boolean;
  /** Where the simulator's CPU profiles go when --profile is given (else null). */
  profileDir: string | null;
  /** `--baseline DIR`: the CLI of another build (DIR/dist/simulator/cli.js) to compare with in the same run. */
  baselineCli: string | null;
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  /** Upper bound of the whole benchmark; past it the row reads "not available: timed out". */
  timeoutMs: number;
  run(ctx: BenchContext): Promise<Row[]>;
}

export const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
