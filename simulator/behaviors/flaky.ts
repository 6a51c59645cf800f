// A seeded mix of other request-level behaviors, like dummyLLM's flaky mode. The draw for a request
// depends only on (seed, the server's name or position in the fleet, the step's match index), so it is the same on every run and
// does not depend on how requests to different servers interleave.
import { rngFor } from '../engine/random.js';
import { isPlainObject, ValidationError } from '../schema.js';
import { defineBehavior, type BehaviorSpec } from './types.js';

type Params = { seed?: number; mix: Record<string, unknown>; choices?: Array<{ weight: number; spec: BehaviorSpec }> };

const DEFAULT_MIX = { Normal: 0.5, HttpError: 0.2, FailMidStream: 0.15, Reset: 0.15 };

export default defineBehavior<Params>({
  type: 'Flaky',
  summary:
    'Each request draws one behavior from a weighted mix, reproducibly: `{"mix": {"Normal": 0.7, "HttpError": 0.3}}` or with parameters `{"mix": {"HttpError": {"weight": 0.3, "status_code": 502}}}`.',
  level: 'request',
  params: {
    seed: { kind: 'int', doc: "seed of the draws; default the fleet's --seed" },
    mix: { kind: 'any', default: DEFAULT_MIX, doc: 'behavior type -> weight, or -> {weight, ...params}' },
  },
  check: (p, catalog) => {
    if (!isPlainObject(p.mix) || Object.keys(p.mix).length === 0) {
      throw new ValidationError("Flaky: field 'mix' must be a non-empty object of behavior type -> weight", 'mix');
    }
    const choices = Object.entries(p.mix).map(([type, v]) => {
      const { weight, ...params } = typeof v === 'number' ? { weight: v } : isPlainObject(v) ? v : { weight: NaN };
      if (typeof weight !== 'number' || !(weight > 0)) {
        throw new ValidationError(`Flaky: mix.${type} must be a positive weight or an object with a positive 'weight'`, 'mix');
      }
      const spec = catalog.parse({ type, ...params });
      if (spec.type === 'Flaky' || catalog.levelOf(spec) !== 'request') {
        throw new ValidationError(`Flaky: mix.${type} must be a request-level behavior (not Flaky, ConnectionRefused, Blackhole or Reset on accept)`, 'mix');
      }
      return { weight, spec };
    });
    return { ...p, choices };
  },
  effect: (p, facts, catalog) => {
    const choices = p.choices!;
    const total = choices.reduce((n, c) => n + c.weight, 0);
    let r = rngFor(p.seed ?? facts.seed, facts.serverKey, facts.matchIndex)() * total;
    for (const c of choices) {
      r -= c.weight;
      if (r < 0) return catalog.effectOf(c.spec, facts);
    }
    return catalog.effectOf(choices[choices.length - 1].spec, facts);
  },
});
