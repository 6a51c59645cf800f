// CLI of the reference load balancer:
//   node --import tsx examples/reference-lb/main.ts --port 0 --backend http://127.0.0.1:11501 \
//        --backend http://127.0.0.1:11502 [--host 127.0.0.1] [--timeout-ms 5000] \
//        [--connect-timeout-ms 1000] [--backends-file FILE] [--race N] [--defect NAME ...]
// Prints `listening on http://HOST:PORT` once it serves (the scenario runner waits for that line),
// then one line per routing decision and health change.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hideBin, yargs } from '../../simulator/cli/yargs.js';
import { BackendPool, parseBackendUrl, type Log } from './backends.js';
import { Balancer } from './balancer.js';
import { DEFECT_NAMES, parseDefects, type Defects } from './defects.js';
import { readBackendsFile, watchBackendsFile } from './discovery.js';

const USAGE_EXIT = 2;

type Config = {
  port: number;
  host: string;
  backends: string[];
  backendsFile: string | undefined;
  timeoutMs: number;
  connectTimeoutMs: number;
  raceSize: number;
  defects: Defects;
};

const log: Log = (line) => void process.stdout.write(`${line}\n`);

function usageError(message: string): never {
  process.stderr.write(`reference-lb: ${message}\n`);
  process.exit(USAGE_EXIT);
}

function parseArgs(argv: string[]): Config {
  const args = yargs(argv)
    .scriptName('reference-lb')
    .option('port', { type: 'number', default: 11434, describe: 'port to listen on (0: the OS chooses)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('backend', { type: 'string', array: true, default: [] as string[], describe: 'backend URL (repeatable)' })
    .option('backends-file', { type: 'string', describe: 'file of backend URLs, re-read when it changes' })
    .option('timeout-ms', { type: 'number', default: 5000, describe: 'inactivity timeout (0: none)' })
    .option('connect-timeout-ms', { type: 'number', default: 1000, describe: 'TCP connect timeout (0: none)' })
    .option('race', { type: 'number', default: 0, describe: 'race each streamed POST /api/chat and /api/generate on N >= 2 backends, keep the first to send a token (0: off)' })
    .option('defect', { type: 'string', array: true, default: [] as string[], describe: `inject a bug: ${DEFECT_NAMES.join(', ')}` })
    .strict()
    .fail((msg, err) => usageError(msg ?? err?.message ?? 'bad arguments'))
    .help()
    .parseSync();
  const defects = tryOrExit(() => parseDefects(args.defect));
  const backends = tryOrExit(() => args.backend.map(parseBackendUrl));
  if (backends.length === 0 && args['backends-file'] === undefined) usageError('give --backend URL (repeatable) or --backends-file FILE');
  for (const [name, value] of [['port', args.port], ['timeout-ms', args['timeout-ms']], ['connect-timeout-ms', args['connect-timeout-ms']], ['race', args.race]] as const) {
    if (!Number.isInteger(value) || value < 0) usageError(`--${name} must be a whole number >= 0`);
  }
  if (args.race === 1) usageError('--race 1 is no race: give N >= 2 backends per request, or 0 (off)');
  const raceDefects = [...defects].filter((d) => d.startsWith('race-'));
  if (raceDefects.length > 0 && args.race < 2) usageError(`--defect ${raceDefects.join(', ')} needs --race N (N >= 2)`);
  return {
    port: args.port,
    host: args.host,
    backends,
    backendsFile: args['backends-file'],
    timeoutMs: args['timeout-ms'],
    connectTimeoutMs: args['connect-timeout-ms'],
    raceSize: args.race,
    defects,
  };
}

function tryOrExit<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    return usageError((err as Error).message);
  }
}

async function main(): Promise<void> {
  const config = parseArgs(hideBin(process.argv));
  const pool = new BackendPool(config.defects, log);
  const file = config.backendsFile;
  const merged = (fromFile: string[]): string[] => [...new Set([...config.backends, ...fromFile])];
  pool.setUrls(merged(file === undefined ? [] : readBackendsFile(file, log)));
  const stopWatching =
    file === undefined || config.defects.has('no-discovery')
      ? () => {}
      : watchBackendsFile(file, log, (urls) => pool.setUrls(merged(urls)));
  await pool.start();

  const balancer = new Balancer({ pool, log, defects: config.defects, timeoutMs: config.timeoutMs, connectTimeoutMs: config.connectTimeoutMs, raceSize: config.raceSize });
  const server = http.createServer({ noDelay: true }, balancer.handle);
  server.on('clientError', (_err, socket) => socket.destroy());
  server.once('error', (err) => {
    process.stderr.write(`reference-lb: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    log(`listening on http://${host}:${port}`);
  });

  const shutdown = (signal: string): void => {
    log(`${signal}: shutting down`);
    stopWatching();
    pool.stop();
    balancer.shutdown();
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref(); // never linger on a stuck socket
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
