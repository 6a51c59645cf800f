// Field rules shared by the model endpoints: model lookup, keep_alive, think, format, options.
// Messages and statuses follow the reference's catalogue (§3.2).
import { fullyQualifiedName, parseModelName, type ModelSpec } from '../engine/models.js';
import { hash32 } from '../engine/random.js';
import { parseDuration } from '../schema.js';
import type { SimServer } from '../server.js';
import { ApiError } from './errors.js';

export interface ResolvedModel {
  key: string;
  spec: ModelSpec;
  /** The name exactly as the request gave it (responses echo it). */
  requested: string;
}

/** Finds an installed model or throws the endpoint's not-found error. */
export function resolveModel(server: SimServer, name: string, notFound: (name: string) => string): ResolvedModel {
  if (!parseModelName(name)) throw new ApiError(400, 'invalid model name');
  const found = server.findModel(name);
  if (!found) throw new ApiError(404, notFound(name));
  return { ...found, requested: name };
}

export function keepAlive(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value < 0 ? -1 : value * 1000;
  if (typeof value !== 'string') throw new ApiError(400, `Unsupported type: '${typeof value === 'boolean' ? 'bool' : Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}'}'`);
  try {
    const ms = parseDuration(value);
    return ms < 0 ? -1 : ms;
  } catch (e) {
    throw new ApiError(400, (e as Error).message);
  }
}

/** `think` as a boolean, or undefined to use the model's default (on for thinking models). */
export function thinkValue(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && ['high', 'medium', 'low', 'max'].includes(value)) return true;
  throw new ApiError(400, `invalid think value: ${JSON.stringify(value)} (must be "high", "medium", "low", "max", true, or false)`);
}

/** Whether the reply thinks; 400 for think on a model that cannot. */
export function resolveThink(model: ResolvedModel, think: boolean | undefined, reject = true): boolean {
  const can = model.spec.capabilities.includes('thinking');
  if (think === true && !can) {
    if (!reject) return false;
    throw new ApiError(400, `${JSON.stringify(model.requested)} does not support thinking`);
  }
  return think ?? can;
}

export function requireCapability(model: ResolvedModel, capability: 'tools' | 'vision' | 'insert'): void {
  if (!model.spec.capabilities.includes(capability)) throw new ApiError(400, `${fullyQualifiedName(model.requested)} does not support ${capability}`);
}

export function formatValue(value: unknown): 'json' | Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'json') return 'json';
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new ApiError(500, `invalid format: ${JSON.stringify(JSON.stringify(value))}; expected "json" or a valid JSON Schema object`);
}

/** `options.num_predict`, type-checked like Ollama's option parser (a 500 on a bad type). */
export function numPredict(options: unknown): number | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object' || Array.isArray(options)) throw new ApiError(400, 'json: cannot unmarshal options into map[string]interface {}');
  const v = (options as Record<string, unknown>).num_predict;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ApiError(500, 'option "num_predict" must be of type integer');
  return v < 0 ? undefined : v;
}

/**
 * Seed of a reply: same fleet seed + request content = same words, on any server and in any run
 * (ports are OS-chosen, so they must not take part).
 */
export function replySeed(server: SimServer, ...content: unknown[]): number {
  return hash32(server.fleet.seed, JSON.stringify(content));
}
