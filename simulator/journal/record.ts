// The journal's record of one request a server saw: who asked for what, when its bytes left, and how
// it ended. Scenarios assert on these instead of sleeping and hoping. Only the journal writer
// (writer.ts) changes a record.
import type { CutName } from '../cuts/registry.js';

export type Outcome = 'in_progress' | 'completed' | 'client_aborted' | 'fault';

/**
 * Faults a behavior put on the wire, as recorded in `fault`: a cut (by its name), or an answer in its
 * place. A job's record (below) also uses `sim_fail` (its `simulate` failed it) and `timeout`.
 */
export type FaultKind = CutName | 'http_error' | 'custom' | 'hang' | 'busy' | 'cancelled' | 'sim_fail' | 'timeout';

/** The states of a job of the job API (jobs/job.ts is their state machine). */
export const JOB_STATES = ['queued', 'running', 'ok', 'fail', 'timeout', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * A job's life, on the job's own record (method `JOB`, path `/v1/jobs/{id}`): created with the job,
 * ended when the job reaches a final state, so fleet.waitForRecord can wait for it.
 */
export interface JobTrace {
  id: string;
  /** The state now; the final one once the record ended. */
  state: JobState;
  trace_id: string | null;
  /** `model` (the server's generation pipeline) or the `simulate` mode. */
  mode: string;
  /** Every state the job entered, in order, at epoch milliseconds. */
  events: Array<{ state: JobState; at: number }>;
  error: { code: string; message: string } | null;
}

export interface JournalRecord {
  /** Fleet-wide increasing id; `GET /journal?since=ID` returns newer records. */
  id: number;
  /** Per-server sequence number, from 1. */
  seq: number;
  server: number;
  method: string;
  path: string;
  query: string;
  model: string | null;
  stream: boolean | null;
  /** The request body as text, cut at `bodyCap` characters. */
  body: string;
  bodyBytes: number;
  bodySha256: string;
  behavior: string;
  /** Epoch milliseconds (fractional). */
  arrivedAt: number;
  /** When generation began: after queueing for a slot and loading the model. */
  startedAt: number | null;
  firstByteAt: number | null;
  endedAt: number | null;
  status: number | null;
  bytesWritten: number;
  linesWritten: number;
  tokensWritten: number;
  /**
   * SHA-256 (hex) of the body bytes written (the `bytesWritten`), set when the record ends ('' before,
   * and on a job's record). A client that got exactly these bytes got this attempt's response: the
   * one witness that tells apart racers that wrote the same text.
   */
  writtenSha256: string;
  outcome: Outcome;
  fault: FaultKind | null;
  /** For client_aborted: how many tokens had been written when the client went away. */
  abortedAfterTokens: number | null;
  /** Only on a job's record. */
  job?: JobTrace;
}

export interface JournalQuery {
  port?: number;
  since?: number;
  limit?: number;
}

/** How a heartbeat a node agent sent has ended so far. */
export type HeartbeatOutcome = 'in_progress' | 'answered' | 'failed';

/**
 * One heartbeat a server in node-agent mode sent to its hub (`POST {hub_url}/nodes/heartbeat`) and
 * the hub's answer. Kept beside the request records, with ids from the same fleet-wide sequence, so
 * "this heartbeat went out before that job arrived" is a comparison of ids. Only the heartbeat
 * journal (heartbeats.ts) changes one.
 */
export interface HeartbeatRecord {
  id: number;
  /** The port of the server that sent it. */
  server: number;
  nodeId: string;
  /** Where it was posted. */
  url: string;
  /** The JSON body sent, in seed 002's shape (node_id, ipv4, ipv6, port, models, metadata, load, active_jobs). */
  payload: Record<string, unknown>;
  /** Payload fields an advertise control replaced (a lie): `models`, `load`, `active_jobs`; [] when honest. */
  overridden: string[];
  /** Epoch ms. */
  sentAt: number;
  endedAt: number | null;
  /** endedAt - sentAt. */
  latencyMs: number | null;
  /** The hub's HTTP status, or null when no answer came. */
  status: number | null;
  /** The hub's answer body, the first 4096 characters. */
  answer: string;
  /** Why no answer came: a connection error (ECONNREFUSED, ...), `timeout after N ms`, `agent stopped`. */
  error: string | null;
  outcome: HeartbeatOutcome;
}
