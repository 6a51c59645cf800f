// One server's behavior program: a list of steps. The first step is active; a step with `times`
// is dropped after it has applied that many times, and the last step is the permanent base that
// `times` falls back to. POST /behavior replaces the program; POST /behavior/sequence sets it.
import { modelKey } from '../engine/models.js';
import { rngFor } from '../engine/random.js';
import { describeSpec, effectOf, endpointMatches, levelOf, NORMAL, type BehaviorSpec } from './registry.js';
import type { Effect, RequestFacts } from './types.js';

interface Step {
  spec: BehaviorSpec;
  remaining: number | null;
  /** Requests that matched this step's targeting so far (the key of its probability draws). */
  matched: number;
}

/** Paths a behavior applies to when it does not say: the ones that run the model (a node agent's jobs too). */
export const INFERENCE_ENDPOINTS = [
  '/api/chat', '/api/generate', '/api/embed', '/api/embeddings',
  '/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/messages', '/execute',
];

export interface Applied {
  spec: BehaviorSpec;
  effect: Effect;
}

/** What a request gets when no behavior applies; shared, never changed. */
const SERVED: Applied = Object.freeze({ spec: NORMAL, effect: Object.freeze({ kind: 'serve' }) as Effect });

export class BehaviorState {
  private steps: Step[] = [{ spec: NORMAL, remaining: null, matched: 0 }];

  constructor(private readonly onChange: () => void) {}

  private static step(spec: BehaviorSpec): Step {
    return { spec, remaining: spec.times ?? null, matched: 0 };
  }

  private get base(): BehaviorSpec {
    return this.steps[this.steps.length - 1].spec;
  }

  /** A spec with `times` runs before the current base; one without replaces everything. */
  set(spec: BehaviorSpec): void {
    this.steps = spec.times !== undefined ? [BehaviorState.step(spec), BehaviorState.step(this.base)] : [BehaviorState.step(spec)];
    this.onChange();
  }

  setSequence(specs: BehaviorSpec[]): void {
    const steps = specs.map(BehaviorState.step);
    if (steps.length === 0 || steps[steps.length - 1].remaining !== null) steps.push(BehaviorState.step(NORMAL));
    this.steps = steps;
    this.onChange();
  }

  get active(): BehaviorSpec {
    return this.steps[0].spec;
  }

  /** True while the active step closes the listener (ConnectionRefused). */
  get refusesConnections(): boolean {
    return levelOf(this.active) === 'listener';
  }

  describe(): Record<string, unknown> {
    const d = describeSpec(this.active);
    if (this.steps[0].remaining !== null) d.remaining = this.steps[0].remaining;
    if (this.steps.length > 1) d.then = this.steps.slice(1).map((s) => ({ ...describeSpec(s.spec), ...(s.remaining !== null ? { remaining: s.remaining } : {}) }));
    return d;
  }

  private consume(): void {
    const s = this.steps[0];
    if (s.remaining === null) return;
    s.remaining--;
    if (s.remaining <= 0 && this.steps.length > 1) {
      this.steps.shift();
      this.onChange();
    }
  }

  /** For a new TCP connection: the connection-level spec to apply, consuming one use, or null. */
  forConnection(): BehaviorSpec | null {
    const spec = this.active;
    if (levelOf(spec) !== 'connection') return null;
    this.consume();
    return spec;
  }

  /**
   * True when every request is served normally whatever it asks (no facts needed): the active step
   * is the default Normal (no parameters, no targeting, no probability: forRequest would answer a
   * serve without timing overrides, and its match count draws nothing), or has no request-level effect.
   */
  get servesAll(): boolean {
    const spec = this.steps[0].spec;
    return spec === NORMAL || levelOf(spec) !== 'request';
  }

  /** What forRequest answers when no behavior applies. */
  readonly normal: Applied = SERVED;

  /** For an HTTP request: the behavior that applies and its effect. */
  forRequest(facts: Omit<RequestFacts, 'matchIndex'>): Applied {
    const step = this.steps[0];
    const spec = step.spec;
    if (levelOf(spec) === 'request' && this.matches(spec, facts.path, facts.model)) {
      const matchIndex = step.matched++;
      const drawn = spec.probability === undefined || rngFor('probability', facts.seed, facts.serverKey, matchIndex)() < spec.probability;
      if (drawn) {
        this.consume();
        return { spec, effect: effectOf(spec, { ...facts, matchIndex }) };
      }
    }
    return SERVED;
  }

  private matches(spec: BehaviorSpec, path: string, model: string | null): boolean {
    const endpoints = spec.endpoints ?? INFERENCE_ENDPOINTS;
    if (!endpoints.some((e) => endpointMatches(e, path))) return false;
    if (!spec.models) return true;
    const key = model === null ? null : modelKey(model);
    return key !== null && spec.models.some((m) => modelKey(m) === key);
  }

  reset(): void {
    this.steps = [BehaviorState.step(NORMAL)];
    this.onChange();
  }
}
