// Per-backend health as a small circuit breaker:
//   healthy --failure--> unhealthy (cooldown 250 ms, doubling per consecutive failure, max 5 s)
//   unhealthy --cooldown over, or a probe answered 200--> half-open (ONE trial request)
//   half-open --trial succeeds--> healthy;  --trial fails--> unhealthy with a longer cooldown
// Failures come from traffic (passive). The active probe may only shorten a cooldown, and only of a
// backend that could not be reached: `/` can be fine while `/api/chat` answers 500, so a probe never
// declares a backend healthy, nor lets a backend that answered badly retry early.
import type { Defects } from './defects.js';

export type HealthState = 'healthy' | 'unhealthy' | 'half-open';
export type Source = 'traffic' | 'probe';

const BASE_COOLDOWN_MS = 250;
const MAX_COOLDOWN_MS = 5000;

export class Health {
  state: HealthState = 'healthy';
  failures = 0;
  cooldownUntil = 0;
  /** A half-open backend lets one trial request through at a time. */
  trialInFlight = false;
  /** The last failure was a bad HTTP answer: the backend is reachable, so a 200 probe proves nothing. */
  failedWhileAnswering = false;

  constructor(
    private readonly defects: Defects,
    private readonly onChange: (state: HealthState, reason: string) => void,
  ) {}

  /** Ends an expired cooldown; called before every routing decision. */
  tick(now: number): void {
    if (this.state !== 'unhealthy' || now < this.cooldownUntil) return;
    if (this.defects.has('never-recover') || this.defects.has('probe-only-health')) return;
    this.set('half-open', 'cooldown over');
  }

  /** Whether routing may pick this backend without falling back. */
  available(now: number): boolean {
    this.tick(now);
    if (this.state === 'healthy') return true;
    return this.state === 'half-open' && !this.trialInFlight;
  }

  /** Called when a request is sent to this backend. */
  begin(): boolean {
    const trial = this.state !== 'healthy';
    if (trial) this.trialInFlight = true;
    return trial;
  }

  /** A request finished without a verdict (client went away, 429 retried): frees the trial slot. */
  neutral(trial: boolean): void {
    if (trial) this.trialInFlight = false;
  }

  /** `answered`: the backend sent a response head (a 5xx, a broken stream), it was not unreachable. */
  fail(reason: string, source: Source, now: number, answered = false): void {
    if (this.defects.has('no-health')) return;
    if (source !== this.source()) return;
    this.trialInFlight = false;
    this.failedWhileAnswering = answered;
    this.failures += 1;
    const cooldown = Math.min(BASE_COOLDOWN_MS * 2 ** (this.failures - 1), MAX_COOLDOWN_MS);
    this.cooldownUntil = now + cooldown;
    // Every traffic failure is logged (it lengthens the cooldown); repeated probe failures are not.
    this.set('unhealthy', reason, source === 'traffic');
  }

  succeed(source: Source): void {
    if (source !== this.source()) return;
    this.trialInFlight = false;
    if (this.state === 'unhealthy' && this.defects.has('never-recover')) return;
    this.failures = 0;
    this.set('healthy', source === 'probe' ? 'probe ok' : 'request succeeded');
  }

  /** The active probe answered 200: an unhealthy backend may get its trial request now. */
  probeOk(): void {
    if (this.defects.has('probe-only-health')) return this.succeed('probe');
    if (this.state !== 'unhealthy' || this.defects.has('never-recover') || this.failedWhileAnswering) return;
    this.set('half-open', 'probe ok');
  }

  /** Under probe-only-health the probe is the sole judge; otherwise traffic is. */
  private source(): Source {
    return this.defects.has('probe-only-health') ? 'probe' : 'traffic';
  }

  private set(state: HealthState, reason: string, always = false): void {
    if (this.state === state && !always) return;
    this.state = state;
    this.onChange(state, reason);
  }
}
