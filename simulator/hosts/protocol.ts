// What crosses the thread boundary between the control thread (worker-fleet.ts) and a worker
// thread (worker.ts): calls with one reply each, and the journal's "ended" events while the control
// thread listens. Everything is structured-clonable data; errors travel as their fields.
import type { ServerOverrides } from '../config.js';
import type { Live } from '../control/endpoints/events.js';
import type { HeartbeatRecord, JournalRecord } from '../journal/record.js';
import { ValidationError } from '../schema.js';

/** What a worker is started with (workerData). */
export interface WorkerInit {
  index: number;
  host: string;
  seed: number;
  defaults: ServerOverrides;
  /** sharedIdBuffer(): the fleet-wide record ids and ordinals. */
  ids: SharedArrayBuffer;
}

/** A control API request, forwarded whole to the worker's own control app. */
export interface ControlRequest {
  method: string;
  /** Path and query, e.g. /journal?since=4. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ControlAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type Call =
  /** Servers of the start list, each with its place in it (the key of its seeded draws, as in one thread). */
  | { op: 'start'; entries: Array<{ settings: ServerOverrides; ordinal: number }> }
  | { op: 'control'; request: ControlRequest }
  /** GET /events: the worker's records newer than `since` and its servers' state. */
  | { op: 'live'; since: number }
  | { op: 'stop' };

/** What each call answers with. */
export interface CallResult {
  start: null;
  control: ControlAnswer;
  live: Live;
  stop: null;
}

export type ToWorker =
  | { kind: 'call'; id: number; call: Call }
  /** Whether the control thread wants every ended record (someone waits on the journal). */
  | { kind: 'subscribe'; records: boolean };

export interface SentError {
  name: string;
  message: string;
  code?: string;
  port?: number;
  address?: string;
  field?: string;
  allowed?: readonly unknown[];
}

export type FromWorker =
  /** `ports`: the worker's servers after the call, in port order (the control thread's port map). */
  | { kind: 'reply'; id: number; ports: number[]; result?: unknown; error?: SentError }
  | { kind: 'record'; record: JournalRecord }
  | { kind: 'heartbeat'; record: HeartbeatRecord };

export function sendError(e: unknown): SentError {
  const err = e as NodeJS.ErrnoException & { port?: number; address?: string; field?: string; allowed?: readonly unknown[] };
  return { name: err instanceof ValidationError ? 'ValidationError' : 'Error', message: String(err?.message ?? err), code: err.code, port: err.port, address: err.address, field: err.field, allowed: err.allowed };
}

/** The error again, as the caller in one thread would have seen it (startFleet's EADDRINUSE, a ValidationError). */
export function receivedError(sent: SentError): Error {
  if (sent.name === 'ValidationError') return new ValidationError(sent.message, sent.field, sent.allowed as string[] | undefined);
  return Object.assign(new Error(sent.message), { code: sent.code, port: sent.port, address: sent.address });
}
