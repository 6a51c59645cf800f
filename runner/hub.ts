// What differs when the target is a hub (seed 002's shape) rather than a load balancer: the hub
// starts first, with the scenario's timings; the fleet starts as node agents registered with it
// (hub_url, heartbeat_interval); a scenario begins once the hub has answered every node's
// heartbeat with a 2xx.
import type { Fleet, ServerOverrides } from '../simulator/index.js';
import type { HubTimings, HubWiring, Scenario, Target } from './types.js';

/** Short enough for tests: ten heartbeats per TTL, a TTL in whole seconds for hubs configured in seconds. */
export const DEFAULT_HUB_TIMINGS: HubTimings = { heartbeatMs: 200, ttlMs: 2000, removeMs: 6000, maxFailures: 3, queueLimit: 64 };

export function hubTimings(scenario: Scenario): HubTimings {
  return { ...DEFAULT_HUB_TIMINGS, ...scenario.hub };
}

/** The settings every node agent of the scenario starts with. */
export function agentDefaults(wiring: HubWiring, port: number, timings: HubTimings): ServerOverrides {
  return { hub_url: wiring.registerUrl(port), heartbeat_interval: `${timings.heartbeatMs}ms` };
}

/** Resolves once every server of the fleet had a heartbeat answered 2xx; rejects naming the ones that did not. */
export async function nodesRegistered(fleet: Fleet, timeoutMs: number): Promise<void> {
  const registered = (port: number) => fleet.waitForHeartbeat((h) => h.server === port && h.status !== null && h.status >= 200 && h.status < 300, timeoutMs);
  const results = await Promise.allSettled(fleet.ports.map(registered));
  const missing = fleet.ports.filter((_, i) => results[i]!.status === 'rejected');
  if (missing.length === 0) return;
  const last = missing.map((port) => {
    const h = fleet.heartbeats({ port }).pop();
    return `:${port} ${h ? (h.status !== null ? `answered ${h.status} ${h.answer.slice(0, 120)}` : h.error ?? h.outcome) : 'sent none'}`;
  });
  throw new Error(`the hub did not accept the heartbeat of every node agent within ${timeoutMs} ms: ${last.join('; ')}`);
}

/** Why this target cannot judge this scenario (another kind), or null. */
export function kindMismatch(scenario: Scenario, target: Target): string | null {
  const hubScenario = scenario.kind === 'hub';
  if (hubScenario && !target.hub) return 'a hub scenario: it judges hubs (--target hub, or custom with --hub-cmd)';
  if (!hubScenario && target.hub) return 'a load-balancer scenario: a hub is judged by the hub scenarios';
  return null;
}
