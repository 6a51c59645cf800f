// POST /models and POST /loaded-model. /models takes the Rust simulator's ModelInfo objects
// ({name, size, digest, family, parameter_size, quantization_level}) as well as plain names, and
// replaces the installed list. /loaded-model marks models loaded without paying the load time.
import type { Context } from 'hono';
import { modelKey, modelSpec, PRESET_NAMES, type ModelSpec } from '../../engine/models.js';
import type { Fleet } from '../../fleet.js';
import { isPlainObject, validate, ValidationError, type Schema } from '../../schema.js';
import type { SimServer } from '../../server.js';
import { ok, portsOf, type ControlEndpoint } from '../endpoint.js';
import { jsonBody, onlyFields, portSelector, required } from '../input.js';

const MODEL_INFO: Schema = {
  name: { kind: 'string', doc: 'model name, e.g. "llama3.2:latest"' },
  size: { kind: 'int', min: 0, doc: 'bytes on disk' },
  digest: { kind: 'string', doc: 'sha256 hex digest' },
  family: { kind: 'string', doc: 'model family' },
  parameter_size: { kind: 'string', doc: 'e.g. "7B"' },
  quantization_level: { kind: 'string', doc: 'e.g. "Q4_K_M"' },
  context_length: { kind: 'int', min: 1, doc: 'context window in tokens' },
  load_ms: { kind: 'number', min: 0, doc: "cold-load time; default the server's load_ms" },
};

type ModelInfo = { name?: string; size?: number; digest?: string; family?: string; parameter_size?: string; quantization_level?: string; context_length?: number; load_ms?: number };

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || modelKey(name) === null) {
    throw new ValidationError(`${where}: invalid model name ${JSON.stringify(name)}; use a name like "llama3.2:latest" (presets: ${PRESET_NAMES.join(', ')})`, 'models');
  }
  return name;
}

/** One entry of `models`: a name (a preset, or a generic model) or a ModelInfo object. */
function parseModel(entry: unknown, index: number): ModelSpec {
  const where = `models[${index}]`;
  if (typeof entry === 'string') return modelSpec(checkName(entry, where));
  if (!isPlainObject(entry)) throw new ValidationError(`${where}: expected a model name or an object like {"name": "llama3.2:latest"}, got ${JSON.stringify(entry)}`, 'models');
  const info = validate<ModelInfo>(entry, MODEL_INFO, where);
  const overrides: Partial<ModelSpec> = {};
  if (info.size !== undefined) overrides.size = info.size;
  if (info.digest !== undefined) overrides.digest = info.digest;
  if (info.family !== undefined) overrides.family = info.family;
  if (info.parameter_size !== undefined) overrides.parameterSize = info.parameter_size;
  if (info.quantization_level !== undefined) overrides.quantization = info.quantization_level;
  if (info.context_length !== undefined) overrides.contextLength = info.context_length;
  if (info.load_ms !== undefined) overrides.loadMs = info.load_ms;
  return modelSpec(checkName(info.name, where), overrides);
}

function parseModels(input: unknown): ModelSpec[] {
  if (!Array.isArray(input)) throw new ValidationError(`field 'models' must be an array of model names or ModelInfo objects, got ${JSON.stringify(input)}`, 'models');
  return input.map(parseModel);
}

/** Replaces the installed list; a loaded model that is no longer installed is unloaded. */
function replaceModels(server: SimServer, specs: ModelSpec[]): void {
  server.models.clear();
  for (const spec of specs) server.models.set(modelKey(spec.name)!, spec);
  for (const loaded of server.residency.list()) {
    const key = modelKey(loaded.spec.name)!;
    if (!server.models.has(key)) server.residency.unloadNow(key);
  }
}

/** `model`: a name, a list of names, or null (nothing loaded). */
function parseLoadedModels(input: unknown): string[] {
  if (input === null) return [];
  const names = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw new ValidationError(`field 'model' must be a model name, an array of names, or null; got ${JSON.stringify(input)}`, 'model');
  }
  return names as string[];
}

type Found = { key: string; spec: ModelSpec };

/** The installed models these names refer to; an error names the installed ones. */
function resolveInstalled(server: SimServer, names: string[]): Found[] {
  return names.map((name) => {
    const m = server.findModel(name);
    if (!m) {
      const installed = [...server.models.values()].map((s) => s.name);
      throw new ValidationError(`field 'model': ${JSON.stringify(name)} is not installed on port ${server.port}; installed: ${installed.join(', ') || '(none)'}`, 'model', installed);
    }
    return m;
  });
}

/** Makes exactly these installed models the loaded ones, without load time. */
function setLoaded(server: SimServer, found: Found[]): void {
  const keep = new Set(found.map((m) => m.key));
  for (const loaded of server.residency.list()) {
    const key = modelKey(loaded.spec.name)!;
    if (!keep.has(key)) server.residency.unloadNow(key);
  }
  for (const m of found) server.residency.markLoaded(m.key, m.spec);
}

async function installModels(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['port', 'models'], 'POST /models');
  const servers = fleet.select(portSelector(body));
  const specs = parseModels(required(body, 'models', '["llama3.2:latest"]'));
  for (const s of servers) replaceModels(s, specs);
  return ok(c, { ports: portsOf(servers), installed_models: specs.map((m) => m.name) });
}

async function loadModels(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['port', 'model'], 'POST /loaded-model');
  const servers = fleet.select(portSelector(body));
  const names = parseLoadedModels(required(body, 'model', '"test-model:latest" or null'));
  // Validate every server first, so a bad name changes nothing.
  const plans = servers.map((s) => [s, resolveInstalled(s, names)] as const);
  for (const [s, found] of plans) setLoaded(s, found);
  return ok(c, { ports: portsOf(servers), loaded_models: plans[0]?.[1].map((m) => m.spec.name) ?? [] });
}

export default [
  { method: 'POST', path: '/models', spread: 'selector', handle: installModels },
  { method: 'POST', path: '/loaded-model', spread: 'selector', handle: loadModels },
] satisfies ControlEndpoint[];
