// The heartbeat a node agent posts, in seed 002's shape: node_id, ipv4, ipv6, port, models (the
// installed ones, as /api/tags names them), metadata, load {cpu, memory} derived from the server's
// state, and active_jobs. An advertise control replaces fields with lies.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isPlainObject, validate, ValidationError, type Schema } from '../schema.js';
import type { SimServer } from '../server.js';

export interface Load {
  cpu: number;
  memory: number;
}

/** What an agent advertises instead of the truth (POST /agent `advertise`). */
export interface Advertise {
  /** Models it claims on top of the installed ones. */
  extra_models?: string[];
  /** A fixed load to report, e.g. {cpu: 0, memory: 0} while busy. */
  load?: Load;
  /** A fixed active_jobs to report. */
  active_jobs?: number;
}

const ADVERTISE_SCHEMA: Schema = {
  extra_models: { kind: 'string[]', doc: 'models it claims on top of the installed ones' },
  load: { kind: 'any', doc: 'a fixed {"cpu", "memory"} (0..1) to report' },
  active_jobs: { kind: 'int', min: 0, doc: 'a fixed active_jobs to report' },
};

const LOAD_SCHEMA: Schema = {
  cpu: { kind: 'number', min: 0, max: 1, doc: 'CPU utilisation 0..1' },
  memory: { kind: 'number', min: 0, max: 1, doc: 'memory utilisation 0..1' },
};

/** Validates an `advertise` object; null (or {}) means honest. Throws ValidationError naming the field. */
export function parseAdvertise(input: unknown): Advertise | null {
  if (input === null) return null;
  const a = validate<Advertise>(input, ADVERTISE_SCHEMA, 'advertise');
  if (a.load !== undefined) {
    if (!isPlainObject(a.load)) throw new ValidationError(`advertise: field 'load' must be an object like {"cpu": 0, "memory": 0}, got ${JSON.stringify(a.load)}`, 'load');
    const load = validate<Partial<Load>>(a.load, LOAD_SCHEMA, 'advertise.load');
    if (load.cpu === undefined || load.memory === undefined) throw new ValidationError("advertise.load: give both 'cpu' and 'memory' (0..1)", 'load');
    a.load = { cpu: load.cpu, memory: load.memory };
  }
  return Object.keys(a).length === 0 ? null : a;
}

/** The addresses the heartbeat advertises: the bind address, or for a wildcard bind this machine's first external one. */
function addresses(host: string): { ipv4: string | null; ipv6: string | null } {
  if (host === '0.0.0.0' || host === '::') {
    const external = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal);
    const v4 = external.find((i) => i!.family === 'IPv4')?.address ?? '127.0.0.1';
    const v6 = host === '::' ? external.find((i) => i!.family === 'IPv6')?.address ?? null : null;
    return { ipv4: v4, ipv6: v6 };
  }
  return isIP(host) === 6 ? { ipv4: null, ipv6: host } : { ipv4: host, ipv6: null };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** The server's real load: busy slots over slots, loaded models over the models it may hold. */
export function measuredLoad(server: SimServer): Load {
  return {
    cpu: round(server.slots.busySlots / server.slots.numParallel),
    memory: round(server.residency.list().length / server.settings.max_loaded_models),
  };
}

/** The heartbeat body, and the fields the advertise control replaced. */
export function heartbeatPayload(server: SimServer, nodeId: string, advertise: Advertise | null): { payload: Record<string, unknown>; overridden: string[] } {
  const installed = [...server.models.values()].map((m) => m.name);
  const extra = (advertise?.extra_models ?? []).filter((m) => !installed.includes(m));
  const overridden = [
    ...(extra.length > 0 ? ['models'] : []),
    ...(advertise?.load !== undefined ? ['load'] : []),
    ...(advertise?.active_jobs !== undefined ? ['active_jobs'] : []),
  ];
  const payload = {
    node_id: nodeId,
    ...addresses(server.fleet.host),
    port: server.port,
    models: [...installed, ...extra],
    metadata: { hostname: server.name },
    load: advertise?.load ?? measuredLoad(server),
    active_jobs: advertise?.active_jobs ?? server.activeJobs,
  };
  return { payload, overridden };
}
