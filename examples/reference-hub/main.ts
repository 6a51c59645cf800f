// CLI of the reference hub:
//   node --import tsx examples/reference-hub/main.ts --port 0 [--host 127.0.0.1] [--ttl-ms 90000]
//        [--remove-ms 180000] [--max-failures 3] [--node-timeout-ms 120000] [--jobs-per-node 1]
//        [--max-queue 64] [--defect NAME ...]
// Prints `listening on http://HOST:PORT` once it serves (the scenario runner waits for that line),
// then one line per registration, status change, dispatch and failure.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFECT_NAMES, parseDefects } from './defects.js';
import { Hub } from './hub.js';
import { Jobs } from './jobs.js';
import { WaitQueue } from './queue.js';
import { Registry, type Log } from './registry.js';

const USAGE_EXIT = 2;
// Seed 002's defaults: HEARTBEAT_TTL_SECONDS, HEARTBEAT_OFFLINE_SECONDS, NODE_MAX_FAILURES, NODE_REQUEST_TIMEOUT.
const NUMBERS = {
  'ttl-ms': { default: 90_000, describe: 'a node without a heartbeat for this long is offline (gets no jobs)' },
  'remove-ms': { default: 180_000, describe: 'a node without a heartbeat for this long is removed' },
  'max-failures': { default: 3, describe: 'consecutive failed jobs that make a node degraded' },
  'degraded-ms': { default: 30_000, describe: 'how long a degraded node gets no jobs before one trial job' },
  'node-timeout-ms': { default: 120_000, describe: 'a node that sends nothing for this long has failed the job (0: never)' },
  'connect-timeout-ms': { default: 10_000, describe: 'TCP connect timeout to a node' },
  'jobs-per-node': { default: 1, describe: "this hub's jobs one node runs at once; more wait in the queue" },
  'max-queue': { default: 64, describe: 'jobs that may wait for a node; past it, 503 at once' },
  'queue-timeout-ms': { default: 120_000, describe: 'a job that waited this long for a node gets 503' },
} as const;

type Numbers = Record<keyof typeof NUMBERS, number>;

const log: Log = (line) => void process.stdout.write(`${line}\n`);

function usageError(message: string): never {
  process.stderr.write(`reference-hub: ${message}\n`);
  process.exit(USAGE_EXIT);
}

function parseArgs(argv: string[]) {
  let y = yargs(argv)
    .scriptName('reference-hub')
    .option('port', { type: 'number', default: 8000, describe: 'port to listen on (0: the OS chooses)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('defect', { type: 'string', array: true, default: [] as string[], describe: `inject a bug: ${DEFECT_NAMES.join(', ')}` });
  for (const [name, o] of Object.entries(NUMBERS)) y = y.option(name, { type: 'number', default: o.default, describe: o.describe });
  const args = y
    .strict()
    .fail((msg, err) => usageError(msg ?? err?.message ?? 'bad arguments'))
    .help()
    .parseSync() as Record<string, unknown> & { port: number; host: string; defect: string[] };
  const numbers = {} as Numbers;
  for (const name of Object.keys(NUMBERS) as Array<keyof typeof NUMBERS>) {
    const v = args[name] as number;
    const min = name === 'jobs-per-node' || name === 'max-failures' ? 1 : 0;
    if (!Number.isInteger(v) || v < min) usageError(`--${name} must be a whole number >= ${min}`);
    numbers[name] = v;
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) usageError('--port must be a port number (0: any free port)');
  let defects;
  try {
    defects = parseDefects(args.defect);
  } catch (err) {
    usageError((err as Error).message);
  }
  return { port: args.port, host: args.host, defects, ...numbers };
}

function main(): void {
  const o = parseArgs(hideBin(process.argv));
  const registry = new Registry({
    ttlMs: o['ttl-ms'], removeMs: o['remove-ms'], maxFailures: o['max-failures'], degradedMs: o['degraded-ms'],
    jobsPerNode: o['jobs-per-node'], defects: o.defects, log,
  });
  const queue = new WaitQueue(o['max-queue'], o['queue-timeout-ms'], o.defects);
  registry.onChange = () => queue.wake();
  const jobs = new Jobs({ registry, queue, defects: o.defects, log, connectTimeoutMs: o['connect-timeout-ms'], nodeTimeoutMs: o['node-timeout-ms'] });
  const hub = new Hub(registry, jobs, log);
  // Offline is decided on every read from the last heartbeat; the sweep logs it and removes nodes.
  const sweep = setInterval(() => registry.sweep(Date.now()), Math.max(20, Math.min(o['ttl-ms'] / 4, 5000)));

  const server = http.createServer({ noDelay: true, requestTimeout: 0 }, hub.handle);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.once('error', (err) => {
    process.stderr.write(`reference-hub: cannot listen on ${o.host}:${o.port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(o.port, o.host, () => {
    const { port } = server.address() as AddressInfo;
    log(`listening on http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`);
  });

  const shutdown = (signal: string): void => {
    log(`${signal}: shutting down`);
    clearInterval(sweep);
    queue.clear('the hub is shutting down');
    jobs.shutdown();
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref(); // never linger on a stuck socket
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main();
