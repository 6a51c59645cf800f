#!/usr/bin/env node
// `ollama-sim`: boot a fleet of simulated Ollama servers plus the control API, print one line per
// listening URL, serve until SIGINT/SIGTERM. Bad input: one line naming the problem, exit 2, and
// nothing left listening.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadConfigFile, type FleetFile, type ServerOverrides } from './config.js';
import { PRESET_NAMES } from './engine/models.js';
import type { Fleet } from './fleet.js';
import { startFleet } from './start.js';

const DEFAULT_CONTROL_PORT = 11500;
const DEFAULT_SERVER_PORTS = '11501,11502,11503';

class UsageError extends Error {}

/** "11501,11502" or "11501-11510" or a mix; every port 1..65535, no duplicates. */
export function parsePorts(spec: string): number[] {
  const ports: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    const [lo, hi] = range ? [Number(range[1]), Number(range[2])] : [Number(part), Number(part)];
    if (!/^\d+(-\d+)?$/.test(part) || lo < 1 || hi > 65535 || lo > hi) {
      throw new UsageError(`--server-ports: bad port or range "${part}" (ports are 1-65535; ranges look like 11501-11510)`);
    }
    for (let p = lo; p <= hi; p++) ports.push(p);
  }
  if (ports.length === 0) throw new UsageError('--server-ports: no ports given');
  const dup = ports.find((p, i) => ports.indexOf(p) !== i);
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

function parseArgs(argv: string[]) {
  return yargs(argv)
    .scriptName('ollama-sim')
    .usage('$0 [options]\n\nBoots simulated Ollama servers and a control API that changes their behavior at run time.')
    .option('control-port', { type: 'number', describe: `control API port (0 = any free port)`, defaultDescription: String(DEFAULT_CONTROL_PORT) })
    .option('server-ports', { type: 'string', describe: 'simulated server ports: a list and/or ranges, e.g. 11501,11502 or 11501-11510', defaultDescription: DEFAULT_SERVER_PORTS })
    .option('host', { type: 'string', describe: 'bind address of every server and the control API', defaultDescription: '127.0.0.1' })
    .option('seed', { type: 'number', describe: 'seed for generated text, ids and probabilistic faults', defaultDescription: '0' })
    .option('models', { type: 'string', describe: `comma-separated models every server has installed (presets: ${PRESET_NAMES.join(', ')})` })
    .option('config', { type: 'string', describe: 'JSON or YAML file: seed, host, control_port, defaults and per-server settings' })
    .option('hub-url', { type: 'string', describe: 'node-agent mode for every server: the hub they register with (heartbeats to URL/nodes/heartbeat, jobs on POST /execute)' })
    .option('node-id', { type: 'string', describe: 'node agents: the node_id in their heartbeats; {port} expands to each server\'s port', defaultDescription: 'node-{port}' })
    .option('heartbeat-interval', { type: 'string', describe: 'node agents: time between heartbeats, e.g. 30s, 250ms, or seconds', defaultDescription: '30s' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
    .strict()
    .version(version())
    .help()
    .alias('h', 'help')
    .fail((msg, err) => {
      throw new UsageError(err?.message ?? msg);
    })
    .parseSync();
}

async function fleetOptions(args: ReturnType<typeof parseArgs>) {
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
  if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new UsageError('--seed must be an integer');
  const controlPort = args['control-port'] ?? file.control_port ?? DEFAULT_CONTROL_PORT;
  if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535) throw new UsageError(`--control-port: bad port ${args['control-port']}`);
  // Ports from the flag win; without it, the config's servers (or the default three ports).
  const fileServers = file.servers ?? [];
  const servers: ServerOverrides[] =
    args['server-ports'] !== undefined || fileServers.length === 0
      ? parsePorts(args['server-ports'] ?? DEFAULT_SERVER_PORTS).map((port) => ({ ...(fileServers.find((s) => s.port === port) ?? {}), port }))
      : fileServers;
  if (controlPort !== 0 && servers.some((s) => s.port === controlPort)) {
    throw new UsageError(`--control-port ${controlPort} is also in the server ports; pick another control port`);
  }
  return { host: args.host ?? file.host ?? '127.0.0.1', controlPort, servers, defaults, seed: args.seed ?? file.seed ?? 0 };
}

async function main(): Promise<void> {
  let fleet: Fleet;
  let quiet = false;
  try {
    const args = parseArgs(hideBin(process.argv));
    quiet = args.quiet;
    fleet = await startFleet(await fleetOptions(args));
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
    const msg = err.code === 'EADDRINUSE' ? `port ${err.port} is already in use (${err.address}:${err.port})`
      : err.code === 'EACCES' ? `no permission to listen on port ${err.port}`
      : err.code === 'EADDRNOTAVAIL' ? `cannot bind address ${err.address}: not an address of this machine`
      : err.message;
    console.error(`ollama-sim: ${msg.split('\n')[0]}`);
    process.exit(2);
  }
  if (!quiet) {
    console.log(`Control API: ${fleet.controlUrl}`);
    for (const s of fleet.list()) console.log(`Ollama server: ${s.url}`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!quiet) console.log(`${signal}: stopping`);
    await fleet.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
