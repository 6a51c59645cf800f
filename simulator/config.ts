// Server and fleet configuration: the CLI flags, the --config file (JSON or YAML) and the control
// API's POST /servers all go through these declarations, so every entry point validates alike.
import { readFileSync } from 'node:fs';
import { DEFAULT_MODELS, PRESET_NAMES, modelKey } from './engine/models.js';
import { MAX_NUM_TOKENS } from './engine/reply.js';
import { isPlainObject, parseDuration, validate, ValidationError, type Schema } from './schema.js';

export interface ModelEntry {
  name: string;
  load_ms?: number;
}

export interface ServerSettings {
  port: number;
  name?: string;
  models: Array<string | ModelEntry>;
  tokens_per_sec: number;
  prompt_tokens_per_sec: number;
  load_ms: number;
  num_tokens: number;
  num_parallel: number;
  max_queue: number;
  max_loaded_models: number;
  keep_alive: string | number;
  version: string;
  journal_size: number;
  max_jobs: number;
  /** Node-agent mode (seed 002): the hub this server registers with. */
  hub_url?: string;
  node_id?: string;
  heartbeat_interval?: string | number;
  max_body_bytes: number;
}

/** 32 MiB: Anthropic's Messages API allows 32 MB; Ollama sets no limit, but a simulator must not buffer any amount. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export const SERVER_SCHEMA: Schema = {
  port: { kind: 'int', min: 0, max: 65535, doc: 'TCP port (0 = any free port)' },
  name: { kind: 'string', defaultDoc: '`server-PORT`', doc: 'a label shown in /status' },
  models: { kind: 'any', default: DEFAULT_MODELS, doc: 'installed models: names or `{"name", "load_ms"}`' },
  tokens_per_sec: { kind: 'number', min: 0.001, default: 65, doc: 'generation speed' },
  prompt_tokens_per_sec: { kind: 'number', min: 0.001, default: 2900, doc: 'prompt evaluation speed (the cached prefix is free)' },
  load_ms: { kind: 'number', min: 0, default: 200, doc: 'time to load a model that is not loaded' },
  num_tokens: { kind: 'int', min: 0, max: MAX_NUM_TOKENS, default: 20, doc: `reply length when a request sets no limit (at most ${MAX_NUM_TOKENS}: a reply is planned whole before its first token)` },
  num_parallel: { kind: 'int', min: 1, default: 1, doc: 'parallel request slots (`OLLAMA_NUM_PARALLEL`)' },
  max_queue: { kind: 'int', min: 0, default: 512, doc: 'requests that may wait for a slot; past it, 503 `server busy` (`OLLAMA_MAX_QUEUE`)' },
  max_loaded_models: { kind: 'int', min: 1, default: 3, doc: 'models loaded at once; loading another evicts the least recently used' },
  keep_alive: { kind: 'duration', default: '5m', doc: 'default keep-alive of a loaded model; negative = forever' },
  version: { kind: 'string', default: '0.13.5', doc: 'what `/api/version` reports' },
  journal_size: { kind: 'int', min: 1, default: 10_000, doc: 'journal records kept per server' },
  max_jobs: { kind: 'int', min: 1, default: 1000, doc: 'jobs (job API) kept per server; finished ones are evicted oldest first; when every kept job is unfinished, POST /v1/jobs answers 503' },
  max_body_bytes: { kind: 'int', min: 1, default: DEFAULT_MAX_BODY_BYTES, doc: 'largest request body (32 MiB) a server reads, on every route (job API and `POST /execute` too); a larger one is answered 413 naming the limit' },
  hub_url: { kind: 'string', doc: 'node-agent mode: the hub it registers with (heartbeats to `{hub_url}/nodes/heartbeat`, jobs on `POST /execute`); unset = a plain Ollama' },
  node_id: { kind: 'string', defaultDoc: '`node-{port}`', doc: 'node agents: the id its heartbeats carry; `{port}` is its first port, kept when it restarts elsewhere' },
  heartbeat_interval: { kind: 'duration', defaultDoc: '`"30s"`', doc: 'node agents: time between heartbeats (`"30s"`, `"250ms"`, or seconds)' },
};

/** Heartbeats more often than this would only load the machine. */
const MIN_HEARTBEAT_MS = 10;
const AGENT_ONLY = ['node_id', 'heartbeat_interval'] as const;

/** The node-agent fields: a hub URL that can be posted to, an interval that is not too short, nothing agent-only without a hub. */
function checkAgentSettings(s: ServerSettings, where: string): void {
  if (s.hub_url === undefined) {
    const stray = AGENT_ONLY.find((f) => s[f] !== undefined);
    if (stray) throw new ValidationError(`${where}: field '${stray}' needs 'hub_url' (the hub this node agent registers with)`, stray);
    return;
  }
  let url: URL | null = null;
  try {
    url = new URL(s.hub_url);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ValidationError(`${where}: field 'hub_url' must be an http:// or https:// URL such as "http://127.0.0.1:8000", got ${JSON.stringify(s.hub_url)}`, 'hub_url');
  }
  if (s.node_id !== undefined && s.node_id.trim() === '') throw new ValidationError(`${where}: field 'node_id' must not be empty`, 'node_id');
  if (s.heartbeat_interval !== undefined && parseDuration(s.heartbeat_interval) < MIN_HEARTBEAT_MS) {
    throw new ValidationError(`${where}: field 'heartbeat_interval' must be at least ${MIN_HEARTBEAT_MS}ms, got ${JSON.stringify(s.heartbeat_interval)}`, 'heartbeat_interval');
  }
}

export type ServerOverrides = Partial<ServerSettings>;

function checkModels(models: unknown, where: string): void {
  if (!Array.isArray(models)) throw new ValidationError(`${where}: field 'models' must be an array of model names`, 'models');
  for (const m of models) {
    const name = typeof m === 'string' ? m : isPlainObject(m) ? m.name : undefined;
    if (typeof name !== 'string' || modelKey(name) === null) {
      throw new ValidationError(`${where}: invalid model ${JSON.stringify(m)}; use a name like "llama3.2:latest" (presets: ${PRESET_NAMES.join(', ')})`, 'models');
    }
    if (isPlainObject(m)) validate(m, { name: { kind: 'string', doc: '' }, load_ms: { kind: 'number', min: 0, doc: '' } }, `${where} model ${name}`);
  }
}

/** Validates one server's settings on top of defaults. */
export function serverSettings(input: unknown, defaults: ServerOverrides = {}, where = 'server'): ServerSettings {
  const merged = { ...defaults, ...(isPlainObject(input) ? input : {}) };
  const s = validate<ServerSettings>(isPlainObject(input) ? merged : input, SERVER_SCHEMA, where);
  checkModels(s.models, where);
  // `"hub_url": null` opts a server out of the fleet's node-agent defaults, their other fields with it.
  if (isPlainObject(input) && input.hub_url === null) for (const f of AGENT_ONLY) if (input[f] === undefined) delete s[f];
  checkAgentSettings(s, where);
  if (s.port === undefined) s.port = 0;
  return s;
}

export interface FleetFile {
  seed?: number;
  host?: string;
  control_port?: number;
  /** Worker threads the servers are spread over (--workers). */
  workers?: number;
  defaults?: ServerOverrides;
  servers?: ServerOverrides[];
}

const FILE_SCHEMA: Schema = {
  seed: { kind: 'int', doc: 'fleet seed' },
  host: { kind: 'string', doc: 'bind address' },
  control_port: { kind: 'int', min: 0, max: 65535, doc: 'control API port' },
  workers: { kind: 'int', min: 0, doc: 'worker threads the servers are spread over (0 or 1: one thread)' },
  defaults: { kind: 'any', doc: 'settings for every server' },
  servers: { kind: 'any', doc: 'per-server settings (each may give port)' },
};

export async function loadConfigFile(path: string): Promise<FleetFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValidationError(`--config: cannot read ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    // yaml is loaded only when a YAML file is given: it is a noticeable share of start-up time.
    data = /\.json$/i.test(path) ? JSON.parse(text) : (await import('yaml')).parse(text);
  } catch (e) {
    throw new ValidationError(`--config: ${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  const file = validate<FleetFile>(data, FILE_SCHEMA, `--config ${path}`);
  if (file.defaults !== undefined) {
    if (!isPlainObject(file.defaults)) throw new ValidationError(`--config ${path}: 'defaults' must be an object`);
    validate(file.defaults, SERVER_SCHEMA, `--config ${path} defaults`);
  }
  if (file.servers !== undefined && !Array.isArray(file.servers)) throw new ValidationError(`--config ${path}: 'servers' must be an array`);
  file.servers?.forEach((s, i) => serverSettings(s, file.defaults, `--config ${path} servers[${i}]`));
  return file;
}

export function keepAliveMs(value: string | number): number {
  return parseDuration(value);
}
