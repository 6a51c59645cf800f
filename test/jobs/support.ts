// A small job API client for the tests (real HTTP to a simulated server), and waits with deadlines.
import type { Fleet, JournalRecord } from '../../simulator/index.js';

export interface JobView {
  id: string;
  state: string;
  created_at: number;
  updated_at: number;
  result: { text: string; usage: { prompt_tokens: number; completion_tokens: number } } | null;
  error: { code: string; message: string } | null;
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  json: T;
}

export class JobClient {
  constructor(readonly url: string) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const res = await fetch(this.url + path, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json };
  }

  /** POST /v1/jobs; throws unless 201. */
  async create(body: Record<string, unknown>): Promise<string> {
    const r = await this.call('POST', '/v1/jobs', { op: 'llm.chat', ...body });
    if (r.status !== 201) throw new Error(`POST /v1/jobs: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json.id;
  }

  async get(id: string): Promise<JobView> {
    const r = await this.call<JobView>('GET', `/v1/jobs/${id}`);
    if (r.status !== 200) throw new Error(`GET /v1/jobs/${id}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  cancel(id: string): Promise<Answer> {
    return this.call('POST', `/v1/jobs/${id}/cancel`);
  }

  /** Polls every 10 ms until the job is in one of `states`; fails after `ms` with the last view. */
  async until(id: string, states: string[], ms = 5000): Promise<JobView> {
    const deadline = Date.now() + ms;
    let view = await this.get(id);
    while (!states.includes(view.state)) {
      if (Date.now() > deadline) throw new Error(`job ${id} not in ${states.join('/')} within ${ms} ms: ${JSON.stringify(view)}`);
      await new Promise((r) => setTimeout(r, 10));
      view = await this.get(id);
    }
    return view;
  }
}

export const FINAL = ['ok', 'fail', 'timeout', 'cancelled'];

/** A chat job body for the server's pipeline. */
export function chatJob(content = 'Hello', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { args: { model: 'test-model', messages: [{ role: 'user', content }] }, ...extra };
}

/** The journal record of a job once it ended (waits on the journal, not on time). */
export function jobRecord(fleet: Fleet, id: string, ms = 5000): Promise<JournalRecord> {
  return fleet.waitForRecord((r) => r.job?.id === id, ms);
}

/** Polls a condition every 10 ms; fails after `ms` saying what it waited for. */
export async function eventually<T>(what: string, read: () => T | Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
