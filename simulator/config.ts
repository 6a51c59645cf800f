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
  max_body_bytes: number;
}

/** 32 MiB: Anthropic's Messages API allows 32 MB; Ollama sets no limit, but a simulator must not buffer any amount. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export const SERVER_SCHEMA: Schema = {
  port: { kind: 'int', min: 0, max: 65535, doc: 'TCP port (0 = any free port)' },
  name: { kind: 'string', doc: 'a label shown in /status' },
  models: { kind: 'any', default: DEFAULT_MODELS, doc: `installed models: names (presets: ${PRESET_NAMES.join(', ')}; any other valid name is a generic model) or {"name","load_ms"}` },
  tokens_per_sec: { kind: 'number', min: 0.001, default: 65, doc: 'generation speed' },
  prompt_tokens_per_sec: { kind: 'number', min: 0.001, default: 2900, doc: 'prompt evaluation speed (cached prefix is free)' },
  load_ms: { kind: 'number', min: 0, default: 200, doc: 'time to load a model that is not loaded' },
  num_tokens: { kind: 'int', min: 0, max: MAX_NUM_TOKENS, default: 20, doc: `reply length when a request sets no limit (at most ${MAX_NUM_TOKENS})` },
  num_parallel: { kind: 'int', min: 1, default: 1, doc: 'parallel request slots (OLLAMA_NUM_PARALLEL)' },
  max_queue: { kind: 'int', min: 0, default: 512, doc: 'requests that may wait for a slot; past it, 503 server busy (OLLAMA_MAX_QUEUE)' },
  max_loaded_models: { kind: 'int', min: 1, default: 3, doc: 'models loaded at once; loading another evicts the least recently used (OLLAMA_MAX_LOADED_MODELS)' },
  keep_alive: { kind: 'duration', default: '5m', doc: 'default keep-alive of a loaded model (OLLAMA_KEEP_ALIVE); negative = forever' },
  version: { kind: 'string', default: '0.13.5', doc: 'what /api/version reports' },
  journal_size: { kind: 'int', min: 1, default: 10_000, doc: 'journal records kept per server' },
  max_body_bytes: { kind: 'int', min: 1, default: DEFAULT_MAX_BODY_BYTES, doc: 'largest request body; a larger one is answered 413 with the limit in the message' },
};

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
  if (s.port === undefined) s.port = 0;
  return s;
}

export interface FleetFile {
  seed?: number;
  host?: string;
  control_port?: number;
  defaults?: ServerOverrides;
  servers?: ServerOverrides[];
}

const FILE_SCHEMA: Schema = {
  seed: { kind: 'int', doc: 'fleet seed' },
  host: { kind: 'string', doc: 'bind address' },
  control_port: { kind: 'int', min: 0, max: 65535, doc: 'control API port' },
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
