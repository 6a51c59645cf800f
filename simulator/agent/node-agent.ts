// A simulated server in node-agent mode (seed 002's `ollama-node`): it posts a heartbeat to its hub
// at once and then `heartbeat_interval` after each one ended (never two at a time), and serves the
// hub's jobs on POST /execute (api/agent/execute.ts). Heartbeats follow the listener: a closed
// listener is a dead agent process on a live machine (the kernel refuses its port), so it sends
// nothing until the listener reopens, and then one heartbeat at once, as an agent does on start-up.
// Every heartbeat and the hub's answer go to the server's heartbeat journal.
import type http from 'node:http';
import { after, type Timer } from '../engine/clock.js';
import { parseDuration } from '../schema.js';
import type { ServerAgent, SimServer } from '../server.js';
import type { HeartbeatRecord } from '../journal/record.js';
import { heartbeatPayload, type Advertise } from './heartbeat.js';
import { hubConnection, postJson } from './post.js';

/** The seed's agent: HEARTBEAT_INTERVAL=30. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** A hub that does not answer a heartbeat within this long gets it recorded as failed. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;
const STOPPED = 'agent stopped';

/** `node-{port}` expands with the server's first port, so the id survives a restart elsewhere. */
const DEFAULT_NODE_ID = 'node-{port}';

export function nodeIdFor(template: string | undefined, port: number): string {
  return (template ?? DEFAULT_NODE_ID).replaceAll('{port}', String(port));
}

/** True when the id depends on the port the server gets (the default, or a template with {port}). */
export function portDependentId(template: string | undefined): boolean {
  return (template ?? DEFAULT_NODE_ID).includes('{port}');
}

export class NodeAgent implements ServerAgent {
  readonly hubUrl: URL;
  readonly heartbeatUrl: URL;
  readonly intervalMs: number;
  /** POST /agent {"heartbeats": false}: a silent node that still serves. */
  heartbeatsOn = true;
  /** POST /agent {"advertise": ...}: what it claims instead of the truth. */
  advertise: Advertise | null = null;
  private timer: Timer | null = null;
  /** Heartbeats go out one after another; this is the last one queued. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly aborter = new AbortController();
  private readonly connection: http.Agent;
  private last: HeartbeatRecord | null = null;

  constructor(
    private readonly server: SimServer,
    readonly nodeId: string,
  ) {
    const s = server.settings;
    this.hubUrl = new URL(s.hub_url!);
    this.heartbeatUrl = new URL(`${this.hubUrl.href.replace(/\/+$/, '')}/nodes/heartbeat`);
    this.intervalMs = s.heartbeat_interval === undefined ? DEFAULT_HEARTBEAT_INTERVAL_MS : parseDuration(s.heartbeat_interval);
    this.connection = hubConnection(this.hubUrl);
  }

  private get stopped(): boolean {
    return this.aborter.signal.aborted;
  }

  /** Whether the loop should be sending: not stopped, heartbeats on, the agent's port listening. */
  private get sending(): boolean {
    return !this.stopped && this.heartbeatsOn && this.server.listening;
  }

  /** The first heartbeat goes out at once. */
  start(): void {
    this.schedule(0);
  }

  listenerChanged(listening: boolean): void {
    if (listening) this.schedule(0);
    else this.cancelTimer();
  }

  /** Heartbeats on or off (off: the node goes silent but keeps serving). On: one goes out at once. */
  setHeartbeats(on: boolean): void {
    const wasOn = this.heartbeatsOn;
    this.heartbeatsOn = on;
    if (!on) this.cancelTimer();
    else if (!wasOn) this.schedule(0);
  }

  /** Sends one heartbeat now (after any in flight), whatever the loop is doing; resolves when it ended. */
  beatNow(): Promise<HeartbeatRecord> {
    this.cancelTimer();
    return this.enqueue().finally(() => this.schedule(this.intervalMs));
  }

  /** POST /reset: honest and heartbeating again. */
  reset(): void {
    this.advertise = null;
    this.setHeartbeats(true);
  }

  /** No timer, socket or request of the agent outlives this; a heartbeat in flight is recorded as failed. */
  async stop(): Promise<void> {
    this.cancelTimer();
    this.aborter.abort(STOPPED);
    await this.chain.catch(() => {});
    this.connection.destroy();
  }

  status(): Record<string, unknown> {
    const last = this.last;
    return {
      node_id: this.nodeId,
      hub_url: this.hubUrl.href,
      heartbeat_interval_ms: this.intervalMs,
      heartbeats: !this.heartbeatsOn ? 'off' : this.server.listening ? 'on' : 'paused (listener closed)',
      advertise: this.advertise,
      active_jobs: this.server.activeJobs,
      last_heartbeat: last && { id: last.id, outcome: last.outcome, status: last.status, error: last.error, sent_at: last.sentAt, latency_ms: last.latencyMs },
    };
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    if (!this.sending) return;
    // after(), not setTimeout: an interval past Node's 24.8-day timer limit (heartbeat_interval: 1e21)
    // would fire at once, and then again after every beat.
    this.timer = after(delayMs, () => {
      this.timer = null;
      void this.enqueue().then(() => {
        // The next one is due an interval after this one ended, unless something rescheduled meanwhile.
        if (this.timer === null) this.schedule(this.intervalMs);
      });
    });
  }

  private enqueue(): Promise<HeartbeatRecord> {
    const next = this.chain.catch(() => {}).then(() => this.send());
    this.chain = next;
    return next;
  }

  private async send(): Promise<HeartbeatRecord> {
    const { payload, overridden } = heartbeatPayload(this.server, this.nodeId, this.advertise);
    const journal = this.server.heartbeats;
    const record = journal.sent(this.server.port, this.nodeId, this.heartbeatUrl.href, payload, overridden);
    this.last = record;
    try {
      const answer = await postJson(this.heartbeatUrl, JSON.stringify(payload), { agent: this.connection, timeoutMs: HEARTBEAT_TIMEOUT_MS, signal: this.aborter.signal });
      journal.answered(record, answer.status, answer.body);
    } catch (err) {
      journal.failed(record, (err as Error).message);
    }
    return record;
  }
}
