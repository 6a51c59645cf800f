// GET /behaviors: every behavior's declaration (type, summary, where it acts, parameters with their
// kind, default, bounds, allowed values and doc) and the targeting fields, read from the same
// declarations as POST /behavior's validation and the README table. The dashboard builds its
// behavior form from this; a script can too.
import type { Context } from 'hono';
import { ROUTE_PATHS } from '../../api/routes.js';
import { BEHAVIORS, TARGETING } from '../../behaviors/registry.js';
import { INFERENCE_ENDPOINTS } from '../../behaviors/state.js';
import type { BehaviorDefinition, Level } from '../../behaviors/types.js';
import type { Schema } from '../../schema.js';
import type { ControlEndpoint } from '../endpoint.js';

type Definition = BehaviorDefinition<Record<string, unknown>>;

function defaults(schema: Schema): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([, f]) => f.default !== undefined).map(([n, f]) => [n, f.default]));
}

/**
 * Where a behavior acts with its defaults, and the enum values that move it elsewhere (Reset with
 * `on: "accept"` acts on connections): `[{ when: { on: "accept" }, acts_on: "connection" }]`.
 */
function levels(def: Definition): { acts_on: Level; acts_on_when: Array<{ when: Record<string, string>; acts_on: Level }> } {
  if (typeof def.level !== 'function') return { acts_on: def.level, acts_on_when: [] };
  const base = defaults(def.params);
  const level = def.level as (p: Record<string, unknown>) => Level;
  const when = Object.entries(def.params).flatMap(([name, f]) =>
    f.kind !== 'enum' ? [] : f.values.map((v) => ({ when: { [name]: v }, acts_on: level({ ...base, [name]: v }) })),
  );
  const actsOn = level(base);
  return { acts_on: actsOn, acts_on_when: when.filter((w) => w.acts_on !== actsOn) };
}

export function describeBehaviors(): Record<string, unknown> {
  return {
    behaviors: [...BEHAVIORS.values()].map((def: Definition) => ({
      type: def.type,
      summary: def.summary,
      ...levels(def),
      params: def.params,
    })),
    targeting: TARGETING,
    default_endpoints: INFERENCE_ENDPOINTS,
    routes: ROUTE_PATHS,
  };
}

// The declarations never change while the process runs: serialise once, on first use.
let serialised: string | null = null;

function listBehaviors(c: Context): Response {
  serialised ??= JSON.stringify(describeBehaviors());
  return c.body(serialised, 200, { 'Content-Type': 'application/json; charset=utf-8' });
}

export default [{ method: 'GET', path: '/behaviors', spread: 'parent', handle: listBehaviors }] satisfies ControlEndpoint[];
