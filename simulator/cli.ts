#!/usr/bin/env node
// `ollama-sim`: boot a fleet of simulated Ollama servers plus the control API, print one line per
// listening URL, serve until SIGINT/SIGTERM/SIGHUP or until the process that started it goes away
// (lifecycle/parent-watch.ts). Bad input: one line naming the problem, exit 2, and nothing left
// listening. `ollama-sim wait` blocks until a simulator started in the background is ready.
import { readFileSync } from 'node:fs';
import { writePidFile, writePortFile } from './cli/run-files.js';
import { parseTimeout, waitUntilReady } from './cli/wait.js';
import { hideBin, yargs } from './cli/yargs.js';
import { DEFAULT_MAX_BODY_BYTES, loadConfigFile, type FleetFile, type ServerOverrides } from './config.js';
import { PRESET_NAMES } from './engine/models.js';
import type { Fleet } from './fleet.js';
import { checkWorkers, type WorkerFleet } from './hosts/worker-fleet.js';
import { watchParent } from './lifecycle/parent-watch.js';
import { startFleet } from './start.js';

const DEFAULT_CONTROL_PORT = 11500;
const DEFAULT_SERVER_PORTS = '11501,11502,11503';
const EXIT_WAIT_TIMEOUT = 1;
const EXIT_USAGE = 2;
const EXIT_CRASH = 1;

class UsageError extends Error {}

/** "11501,11502" or "11501-11510" or a mix; ports 1..65535 at most once each, 0 (a free port) as often as wanted. */
export function parsePorts(spec: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    const [lo, hi] = range ? [Number(range[1]), Number(range[2])] : [Number(part), Number(part)];
    if (!/^\d+(-\d+)?$/.test(part) || (lo < 1 && part !== '0') || hi > 65535 || lo > hi) {
      throw new UsageError(`--server-ports: bad port or range "${part}" (ports are 1-65535, or 0 for a free port; ranges look like 11501-11510)`);
    }
    for (let p = lo; p <= hi; p++) ports.push(p);
  }
  if (ports.length === 0) throw new UsageError('--server-ports: no ports given');
  const dup = ports.find((p, i) => p !== 0 && ports.indexOf(p) !== i);
  if (dup !== undefined) throw new UsageError(`--server-ports: port ${dup} is listed twice`);
  return ports;
}

/** The package's version, found from dist/simulator/ (built) or simulator/ (run from source). */
function version(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'ollama-sim') return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return 'unknown';
}

function failOnBadArgs(msg: string, err: Error | undefined): never {
  throw new UsageError(err?.message ?? msg);
}

function parseServeArgs(argv: string[]) {
  return yargs(argv)
    .scriptName('ollama-sim')
    .usage('$0 [options]\n\nBoots simulated Ollama servers and a control API that changes their behavior at run time. Serves until SIGINT, SIGTERM or SIGHUP, or until the process that started it exits (through npx, npm exec and npm run too).')
    .command('wait', 'wait until a simulator started in the background is ready (see ollama-sim wait --help)')
    .option('control-port', { type: 'number', describe: 'control API port (0 = any free port)', defaultDescription: String(DEFAULT_CONTROL_PORT) })
    .option('server-ports', { type: 'string', describe: 'simulated server ports: a list and/or ranges, e.g. 11501,11502 or 11501-11510; 0 = any free port (0,0 = two)', defaultDescription: DEFAULT_SERVER_PORTS })
    .option('host', { type: 'string', describe: 'bind address of every server and the control API', defaultDescription: '127.0.0.1' })
    .option('seed', { type: 'number', describe: 'seed for generated text, ids and probabilistic faults', defaultDescription: '0' })
    .option('models', { type: 'string', describe: `comma-separated models every server has installed (presets: ${PRESET_NAMES.join(', ')})` })
    .option('config', { type: 'string', describe: 'JSON or YAML file: seed, host, control_port, defaults and per-server settings' })
    .option('hub-url', { type: 'string', describe: 'node-agent mode for every server: the hub they register with (heartbeats to URL/nodes/heartbeat, jobs on POST /execute)' })
    .option('node-id', { type: 'string', describe: 'node agents: the node_id in their heartbeats; {port} expands to each server\'s port', defaultDescription: 'node-{port}' })
    .option('heartbeat-interval', { type: 'string', describe: 'node agents: time between heartbeats, e.g. 30s, 250ms, or seconds', defaultDescription: '30s' })
    .option('workers', { type: 'number', describe: 'spread the servers over N worker threads (a core each) for large fleets; the control API still steers one fleet. 0 or 1: one thread', defaultDescription: '0' })
    .option('max-body-bytes', { type: 'number', describe: 'largest request body a server reads; a larger one gets 413 naming the limit', defaultDescription: `${DEFAULT_MAX_BODY_BYTES} (32 MiB)` })
    .option('pid-file', { type: 'string', describe: 'write the process id to FILE at start (removed on exit): kill "$(cat FILE)" stops it' })
    .option('port-file', { type: 'string', describe: 'write the pid, the control URL and every server\'s port and URL as JSON to FILE once everything listens (removed on exit)' })
    .option('outlive-parent', { type: 'boolean', default: false, describe: 'keep serving after the process that started it exits (stop it with the pid from --pid-file)' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .strict()
    .version(version())
    .help()
    .alias('h', 'help')
    .fail(failOnBadArgs)
    .parseSync();
}

function parseWaitArgs(argv: string[]) {
  return yargs(argv)
    .scriptName('ollama-sim wait')
    .usage('$0 [--control URL | --port-file FILE] [--timeout 30s]\n\nWaits until a simulator started in the background answers GET /status on its control API with every server listening. Exit 0 when ready (one line: the control URL and the servers), 1 after the timeout (one line: what was missing), 2 for bad flags.')
    .option('control', { type: 'string', describe: 'control API URL', defaultDescription: `http://127.0.0.1:${DEFAULT_CONTROL_PORT}` })
    .option('port-file', { type: 'string', describe: 'read the control URL from the --port-file the simulator writes (for --control-port 0)' })
    .option('timeout', { type: 'string', default: '30s', describe: 'give up after this long: 30s, 500ms, 2m, or a number of seconds' })
    .conflicts('control', 'port-file')
    .strict()
    .version(false)
    .help()
    .alias('h', 'help')
    .fail(failOnBadArgs)
    .parseSync();
}

async function fleetOptions(args: ReturnType<typeof parseServeArgs>) {
  const file: FleetFile = args.config ? await loadConfigFile(args.config) : {};
  const defaults: ServerOverrides = { ...file.defaults };
  if (args.models !== undefined) {
    const models = args.models.split(',').map((m) => m.trim()).filter(Boolean);
    if (models.length === 0) throw new UsageError('--models: give at least one model name');
    defaults.models = models;
  }
  if (args['hub-url'] !== undefined) defaults.hub_url = args['hub-url'];
  if (args['node-id'] !== undefined) defaults.node_id = args['node-id'];
  const interval = args['heartbeat-interval'];
  if (interval !== undefined) defaults.heartbeat_interval = /^\d+(\.\d+)?$/.test(interval) ? Number(interval) : interval;
  if (args['max-body-bytes'] !== undefined) {
    if (!Number.isInteger(args['max-body-bytes']) || args['max-body-bytes'] < 1) throw new UsageError(`--max-body-bytes must be a whole number of bytes >= 1, got ${args['max-body-bytes']}`);
    defaults.max_body_bytes = args['max-body-bytes'];
  }
  if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new UsageError('--seed must be an integer');
  const controlPort = args['control-port'] ?? file.control_port ?? DEFAULT_CONTROL_PORT;
  if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535) throw new UsageError(`--control-port: bad port ${args['control-port']}`);
  // Ports from the flag win; without it, the config's servers (or the default three ports).
  const fileServers = file.servers ?? [];
  const servers: ServerOverrides[] =
    args['server-ports'] !== undefined || fileServers.length === 0
      ? parsePorts(args['server-ports'] ?? DEFAULT_SERVER_PORTS).map((port) => ({ ...(fileServers.find((s) => s.port === port && port !== 0) ?? {}), port }))
      : fileServers;
  if (controlPort !== 0 && servers.some((s) => s.port === controlPort)) {
    throw new UsageError(`--control-port ${controlPort} is also in the server ports; pick another control port`);
  }
  const workers = checkWorkers(args.workers ?? file.workers ?? 0, args.workers !== undefined ? '--workers' : `--config ${args.config} 'workers'`);
  return { host: args.host ?? file.host ?? '127.0.0.1', controlPort, servers, defaults, seed: args.seed ?? file.seed ?? 0, workers };
}

function startupError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  const msg = err.code === 'EADDRINUSE' ? `port ${err.port} is already in use (${err.address}:${err.port})`
    : err.code === 'EACCES' ? `no permission to listen on port ${err.port}`
    : err.code === 'EADDRNOTAVAIL' ? `cannot bind address ${err.address}: not an address of this machine`
    : err.message;
  return msg.split('\n')[0];
}

async function serve(argv: string[]): Promise<void> {
  let fleet: Fleet | WorkerFleet | null = null;
  let quiet = false;
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    if (!quiet) console.log(`${why}: stopping`);
    await fleet?.stop();
    process.exit(0);
  };
  // Before anything listens: a signal that arrives while the servers start (or right after the
  // URL lines, which a script may react to at once) must find the handler, not Node's default.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  let args: ReturnType<typeof parseServeArgs>;
  try {
    args = parseServeArgs(argv);
    quiet = args.quiet;
    if (!args['outlive-parent']) watchParent((why) => void stop(why));
    if (args['pid-file'] !== undefined) writePidFile(args['pid-file']);
    const options = await fleetOptions(args);
    fleet = await startFleet(options);
    // A worker thread that dies takes its servers with it: say which, and stop (never serve half a fleet).
    fleet.on('crash', (e: Error) => {
      console.error(e.message);
      void fleet?.stop().finally(() => process.exit(EXIT_CRASH));
    });
    if (args['port-file'] !== undefined) writePortFile(args['port-file'], fleet);
  } catch (e) {
    console.error(`ollama-sim: ${startupError(e)}`);
    process.exit(EXIT_USAGE);
  }
  if (!quiet) {
    console.log(`Control API: ${fleet.controlUrl}`);
    for (const url of fleet.urls) console.log(`Ollama server: ${url}`);
  }
}

async function waitCommand(argv: string[]): Promise<void> {
  let opts;
  try {
    const args = parseWaitArgs(argv);
    opts = { control: args.control, portFile: args['port-file'], timeoutMs: parseTimeout(args.timeout) };
  } catch (e) {
    console.error(`ollama-sim wait: ${(e as Error).message.split('\n')[0]}`);
    process.exit(EXIT_USAGE);
  }
  try {
    const ready = await waitUntilReady(opts);
    console.log(`ready: control API ${ready.controlUrl}, ${ready.servers.length} server(s): ${ready.servers.join(' ')}`);
    process.exit(0);
  } catch (e) {
    console.error(`ollama-sim wait: ${(e as Error).message}`);
    process.exit(EXIT_WAIT_TIMEOUT);
  }
}

const argv = hideBin(process.argv);
void (argv[0] === 'wait' ? waitCommand(argv.slice(1)) : serve(argv));
