// Every behavior (one file each in this folder, listed in all.ts), by type name, and the parsing of
// a behavior payload into a validated spec. The control API, /status, the journal and the README
// table all read these declarations.
import { isPlainObject, validate, ValidationError, type Schema } from '../schema.js';
import { BEHAVIOR_DEFINITIONS } from './all.js';
import type { BehaviorCatalog, BehaviorDefinition, BehaviorSpec, Effect, Level, RequestFacts } from './types.js';

export type { BehaviorSpec } from './types.js';

export const BEHAVIORS: ReadonlyMap<string, BehaviorDefinition<any>> = new Map(BEHAVIOR_DEFINITIONS.map((b) => [b.type, b]));
export const BEHAVIOR_TYPES = BEHAVIOR_DEFINITIONS.map((b) => b.type);

/** Targeting fields any behavior may carry. */
export const TARGETING: Schema = {
  endpoints: { kind: 'string[]', doc: 'paths it applies to ("/api/chat", "/v1/*", "*"); default the inference endpoints' },
  models: { kind: 'string[]', doc: 'only requests for these models (names normalised); default any model' },
  times: { kind: 'int', min: 1, doc: 'apply to the next N matching requests (or connections), then fall back' },
  probability: { kind: 'number', min: 0, max: 1, doc: "apply to this fraction of matching requests, drawn from the fleet --seed" },
};

export const NORMAL: BehaviorSpec = { type: 'Normal', params: {} };

export function levelOf(spec: BehaviorSpec): Level {
  const def = BEHAVIORS.get(spec.type)!;
  return typeof def.level === 'function' ? def.level(spec.params) : def.level;
}

/**
 * Validates a behavior payload such as `{"type":"Stall","after_tokens":3,"times":2}`. Unknown
 * types and fields, wrong types and targeting that cannot apply are errors naming the problem.
 */
export function parseBehavior(input: unknown, knownPaths?: readonly string[]): BehaviorSpec {
  if (!isPlainObject(input)) throw new ValidationError(`behavior: expected an object like {"type":"Normal"}, got ${JSON.stringify(input)}`, 'behavior');
  const type = input.type;
  const def = typeof type === 'string' ? BEHAVIORS.get(type) : undefined;
  if (!def) {
    throw new ValidationError(
      `behavior: unknown type ${JSON.stringify(type)}; valid types: ${BEHAVIOR_TYPES.join(', ')}`,
      'type',
      BEHAVIOR_TYPES,
    );
  }
  const { type: _t, ...rest } = input;
  const targeting = Object.fromEntries(Object.entries(rest).filter(([k]) => k in TARGETING));
  const paramsIn = Object.fromEntries(Object.entries(rest).filter(([k]) => !(k in TARGETING)));
  const schema = def.params;
  const fullSchemaNames = [...Object.keys(schema), ...Object.keys(TARGETING)];
  for (const key of Object.keys(paramsIn)) {
    if (!(key in schema)) {
      throw new ValidationError(`${def.type}: unknown field '${key}'; allowed fields: ${fullSchemaNames.join(', ')}`, key, fullSchemaNames);
    }
  }
  let params = validate<Record<string, unknown>>(paramsIn, schema, def.type);
  params = (def.check?.(params, CATALOG) as Record<string, unknown> | undefined) ?? params;
  const t = validate<Omit<BehaviorSpec, 'type' | 'params'>>(targeting, TARGETING, def.type);
  const spec: BehaviorSpec = { type: def.type, params, ...t };
  checkTargeting(spec, knownPaths);
  return spec;
}

function checkTargeting(spec: BehaviorSpec, knownPaths?: readonly string[]): void {
  const level = levelOf(spec);
  if (level !== 'request') {
    for (const field of ['endpoints', 'models', 'probability'] as const) {
      if (spec[field] !== undefined) {
        throw new ValidationError(`${spec.type}: field '${field}' cannot apply: this behavior acts on ${level === 'listener' ? 'the listening socket' : 'TCP connections'}, before any HTTP request is read`, field);
      }
    }
    if (level === 'listener' && spec.times !== undefined) {
      throw new ValidationError(`${spec.type}: field 'times' cannot apply: refused connections never reach the server to be counted; use POST /behavior/sequence or /servers/{port}/up`, 'times');
    }
  }
  if (spec.endpoints && knownPaths) {
    for (const e of spec.endpoints) {
      if (!endpointMatchesAny(e, knownPaths)) {
        throw new ValidationError(`${spec.type}: endpoints entry ${JSON.stringify(e)} matches no route; routes: ${knownPaths.join(', ')} (a trailing * matches a prefix, "*" all)`, 'endpoints', knownPaths);
      }
    }
  }
}

export function endpointMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  return pattern === path;
}

function endpointMatchesAny(pattern: string, paths: readonly string[]): boolean {
  // Route patterns like /v1/models/:model match any concrete path below them.
  return paths.some((p) => endpointMatches(pattern, p) || (p.includes('/:') && pattern.startsWith(p.slice(0, p.indexOf('/:') + 1))));
}

/** The effect of a request-level spec on one request. */
export function effectOf(spec: BehaviorSpec, facts: RequestFacts): Effect {
  const def = BEHAVIORS.get(spec.type)!;
  return def.effect ? def.effect(spec.params, facts, CATALOG) : { kind: 'serve' };
}

const CATALOG: BehaviorCatalog = { parse: (input) => parseBehavior(input), levelOf, effectOf };

/** The spec as /status and the journal show it: type, parameters with defaults, targeting. */
export function describeSpec(spec: BehaviorSpec): Record<string, unknown> {
  const def = BEHAVIORS.get(spec.type)!;
  const params = Object.fromEntries(Object.entries(spec.params).filter(([k]) => k in def.params));
  const { type, params: _p, ...targeting } = spec;
  return { type, ...params, ...targeting };
}
