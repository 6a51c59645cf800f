// The job API on every simulated server, in dummyLLM's shapes: GET /health, POST /v1/jobs,
// GET /v1/jobs (a bounded, filtered list), GET /v1/jobs/{id}, POST /v1/jobs/{id}/cancel. They are
// routes like any other (journal, CORS, behaviors with `endpoints: ["/v1/jobs"]` ...); errors are
// `{"error":{"code","message"}}`, with `field` and `allowed` for bad input.
import { parseJsonOnce } from '../api/body.js';
import { jobErrorBody } from '../api/errors.js';
import type { Exchange } from '../api/exchange.js';
import type { RouteContext, RouteDef } from '../api/route.js';
import { ValidationError } from '../schema.js';
import type { SimServer } from '../server.js';
import { isFinal, Job } from './job.js';
import { parseJobRequest, parseListQuery } from './request.js';
import { startJob } from './run.js';
import { StoreFullError } from './store.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

function sendJson(ex: Exchange, status: number, value: unknown): void {
  ex.send(status, JSON_TYPE, JSON.stringify(value));
}

function sendError(ex: Exchange, status: number, message: string, detail: { field?: string; allowed?: readonly string[] } = {}, headers: Record<string, string> = {}): void {
  ex.send(status, { ...JSON_TYPE, ...headers }, jobErrorBody(status, message, detail));
}

/** A job route: bad input (a ValidationError) answers 400 with the field and its allowed values. */
function jobRoute(method: RouteDef['method'], path: string, handle: (ctx: RouteContext) => void): RouteDef {
  return {
    method,
    path,
    envelope: 'jobs',
    handle: (ctx) => {
      try {
        handle(ctx);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        sendError(ctx.ex, 400, e.message, { ...(e.field ? { field: e.field } : {}), ...(e.allowed ? { allowed: e.allowed } : {}) });
      }
    },
  };
}

function parseBody(body: string): unknown {
  if (body.trim() === '') throw new ValidationError('the body is empty; send a JSON object like {"op":"llm.chat","args":{"model":"llama3.2","messages":[{"role":"user","content":"Hello"}]}}');
  try {
    return parseJsonOnce(body, false);
  } catch (e) {
    throw new ValidationError(`the body is not valid JSON: ${(e as Error).message}`);
  }
}

function createJob({ ex, server, body }: RouteContext): void {
  const request = parseJobRequest(parseBody(body));
  let job: Job;
  try {
    job = server.jobs.add((id, seq) => {
      const trace = { id, trace_id: request.traceId, mode: request.simulate?.mode ?? 'model' };
      return new Job(id, seq, request, server.journal, server.journal.beginJob(server.port, trace, request.args.model, ex.record));
    });
  } catch (e) {
    if (!(e instanceof StoreFullError)) throw e;
    return sendError(ex, 503, e.message, {}, { 'Retry-After': '1' });
  }
  // The answer says `queued` (as dummyLLM's does), whatever the job does next.
  sendJson(ex, 201, { id: job.id, state: job.state, created_at: job.createdAt });
  startJob(server, job);
}

function findJob(server: SimServer, ex: Exchange, id: string): Job | null {
  const job = server.jobs.get(id);
  if (!job) sendError(ex, 404, `no job ${JSON.stringify(id)} on this server (ids belong to the server that created them; finished jobs are evicted oldest first past max_jobs ${server.jobs.capacity})`);
  return job ?? null;
}

function getJob({ ex, server, params }: RouteContext): void {
  const job = findJob(server, ex, params.id);
  if (job) sendJson(ex, 200, job.view());
}

function cancelJob({ ex, server, params }: RouteContext): void {
  const job = findJob(server, ex, params.id);
  if (!job) return;
  if (isFinal(job.state)) return sendError(ex, 409, `job ${job.id} is already ${job.state}: only a queued or running job can be cancelled`);
  job.cancel('cancelled by client', true);
  sendJson(ex, 200, { id: job.id, state: job.state });
}

function listJobs({ ex, server }: RouteContext): void {
  const { jobs, total } = server.jobs.list(parseListQuery(ex.record.query, server.jobs.capacity));
  sendJson(ex, 200, { jobs: jobs.map((j) => ({ ...j.view(), trace_id: j.request.traceId })), total });
}

function health({ ex, server }: RouteContext): void {
  sendJson(ex, 200, { ok: true, name: server.name, time: Math.floor(Date.now() / 1000) });
}

export const JOB_ROUTES: RouteDef[] = [
  jobRoute('GET', '/health', health),
  jobRoute('POST', '/v1/jobs', createJob),
  jobRoute('GET', '/v1/jobs', listJobs),
  jobRoute('GET', '/v1/jobs/:id', getJob),
  jobRoute('POST', '/v1/jobs/:id/cancel', cancelJob),
];
