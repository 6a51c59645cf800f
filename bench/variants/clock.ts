// A diagnostic, not one of the five benchmarks: how late do N concurrent token loops wake up, and
// how much CPU does each wake-up cost, with the simulator's own sleepUntil (simulator/engine/clock.ts:
// one setTimeout plus one AbortSignal listener per token) versus a shared wheel (one timer per
// millisecond bucket for every stream, abort checked after waking). No sockets: this isolates the
// timer cost from the HTTP cost. Prints one JSON object.
//
//   node --import tsx bench/variants/clock.ts '{"loops":1000,"tokens":20,"intervalMs":20,"variant":"sim"}'
import { sleepUntil as simSleepUntil } from '../../simulator/engine/clock.js';
import { mean, percentiles } from '../lib/stats.js';

type Sleep = (deadline: number, signal?: AbortSignal) => Promise<boolean>;

/** All sleepers due in the same millisecond share one bucket and one timer. */
function wheelSleep(): Sleep {
  const buckets = new Map<number, Array<() => void>>();
  let timer: NodeJS.Timeout | null = null;
  let armedFor = Infinity;
  const fire = () => {
    timer = null;
    armedFor = Infinity;
    const t = performance.now();
    for (const [key, wakers] of buckets) {
      if (key > t) continue;
      buckets.delete(key);
      for (const wake of wakers) wake();
    }
    arm();
  };
  const arm = () => {
    let next = Infinity;
    for (const key of buckets.keys()) next = Math.min(next, key);
    if (next === Infinity || next >= armedFor) return;
    if (timer) clearTimeout(timer);
    armedFor = next;
    timer = setTimeout(fire, Math.max(0, next - performance.now()));
  };
  return (deadline, signal) => {
    if (signal?.aborted) return Promise.resolve(false);
    if (deadline <= performance.now()) return Promise.resolve(true);
    const key = Math.ceil(deadline);
    return new Promise((resolve) => {
      const list = buckets.get(key);
      const wake = () => resolve(!signal?.aborted);
      if (list) list.push(wake);
      else buckets.set(key, [wake]);
      arm();
    });
  };
}

const args = JSON.parse(process.argv[2]) as { loops: number; tokens: number; intervalMs: number; variant: 'sim' | 'wheel' };
const sleepUntil: Sleep = args.variant === 'wheel' ? wheelSleep() : simSleepUntil;

async function loop(late: number[]): Promise<void> {
  const aborter = new AbortController(); // one per request, as in api/exchange.ts
  const start = performance.now() + Math.random() * args.intervalMs;
  for (let i = 1; i <= args.tokens; i++) {
    const deadline = start + i * args.intervalMs;
    await sleepUntil(deadline, aborter.signal);
    late.push(performance.now() - deadline);
  }
}

const late: number[] = [];
const cpu0 = process.cpuUsage();
await Promise.all(Array.from({ length: args.loops }, () => loop(late)));
const cpu = process.cpuUsage(cpu0);
const [p50, p99] = percentiles(late, [50, 99]);
process.stdout.write(JSON.stringify({ variant: args.variant, loops: args.loops, wakeups: late.length, lateMeanMs: mean(late), lateP50Ms: p50, lateP99Ms: p99, cpuUsPerWakeup: (cpu.user + cpu.system) / late.length }) + '\n');
