// The load generator: autocannon against one URL, in its own process. Prints one JSON object
// (LoadResult) on stdout.
//
//   node --import tsx bench/clients/load.ts '{"url":"http://127.0.0.1:1234/api/tags","durationSec":5}'
//
// Either durationSec or amount (a fixed number of requests) bounds the run.
import autocannon from 'autocannon';

interface Args {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  connections?: number;
  pipelining?: number;
  durationSec?: number;
  amount?: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  durationMs: number;
}

const args = JSON.parse(process.argv[2]) as Args;

const result = await autocannon({
  url: args.url,
  method: args.method ?? 'GET',
  body: args.body,
  headers: args.body ? { 'content-type': 'application/json' } : undefined,
  connections: args.connections ?? 50,
  pipelining: args.pipelining ?? 1,
  ...(args.amount ? { amount: args.amount } : { duration: args.durationSec ?? 5 }),
  timeout: 10,
});
const out: LoadResult = {
  requests: result.requests.total,
  rps: result.requests.total / (result.duration / 1),
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  latencyP50Ms: result.latency.p50,
  latencyP99Ms: result.latency.p99,
  durationMs: result.duration * 1000,
};
process.stdout.write(JSON.stringify(out) + '\n');
