// POST /jobs: seed 002's job ({model, prompt, options, stream}) to the best node that has the
// model, with failover to the next one as long as nothing went to the client; a wait in the queue
// when every such node is full; the node's answer streamed through as it arrives. Errors in the
// seed hub's shapes: 503 {"detail": "No healthy nodes available for requested model"}, 503
// {"detail": {"message": "All candidate nodes failed to execute the job", "errors", "job_id"}}.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Defects } from './defects.js';
import { NodeRequest } from './node-request.js';
import { NoCandidate, WaitQueue, type Pick } from './queue.js';
import type { Log, NodeEntry, Registry } from './registry.js';
import { parseJobRequest, type JobRequest } from './validate.js';

export interface JobsOptions {
  registry: Registry;
  queue: WaitQueue;
  defects: Defects;
  log: Log;
  connectTimeoutMs: number;
  /** NODE_REQUEST_TIMEOUT: the node sent nothing for this long. */
  nodeTimeoutMs: number;
}

/** An answer the hub makes itself: status and FastAPI's `{"detail": ...}`. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
  }
}

interface Job {
  id: string;
  req: JobRequest;
  body: string;
  res: ServerResponse;
  /** Aborts when the client goes away before its answer ended. */
  gone: AbortController;
  tried: Set<NodeEntry>;
  errors: Array<{ node_id: string; message: string; status: number }>;
}

const NO_NODE = 'No healthy nodes available for requested model';

export class Jobs {
  private readonly running = new Set<NodeRequest>();

  constructor(private readonly o: JobsOptions) {}

  async handle(text: string, res: ServerResponse): Promise<void> {
    const req = parseJobRequest(text);
    const id = randomUUID();
    const job: Job = {
      id, req, res, gone: new AbortController(), tried: new Set(), errors: [],
      body: JSON.stringify({ job_id: id, model: req.model, prompt: req.prompt, options: req.options, stream: req.stream }),
    };
    res.once('close', () => {
      if (!res.writableFinished) job.gone.abort();
    });
    for (let attempt = 1; ; attempt++) {
      const node = await this.nextNode(job);
      if (job.gone.signal.aborted) return this.release(node, job, null);
      this.o.log(`job ${id} (model ${req.model}) -> node ${node.nodeId} at ${node.baseUrl} (attempt ${attempt})`);
      if (await this.run(job, node)) return;
      if (this.o.defects.has('no-failover')) throw this.allFailed(job);
    }
  }

  /** Aborts every job's node request (the hub is shutting down). */
  shutdown(): void {
    for (const r of this.running) r.fail('the hub is shutting down');
  }

  /** The node for the next attempt, reserved for this job: now, after a wait in the queue, or a 503. */
  private async nextNode(job: Job): Promise<NodeEntry> {
    const pick = (): Pick => {
      const all = this.o.registry.candidates(job.req.model, Date.now(), job.tried);
      const free = all.find((c) => !c.full);
      if (free) {
        this.o.registry.jobStarted(free.node);
        return { node: free.node };
      }
      return all.length === 0 ? 'none' : 'wait';
    };
    const now = pick();
    if (now === 'none') throw job.tried.size === 0 ? new HubError(503, NO_NODE) : this.allFailed(job);
    if (now !== 'wait') return now.node;
    this.o.log(`job ${job.id} queued: every node with model ${job.req.model} is busy (${this.o.queue.length + 1} waiting)`);
    try {
      return await this.o.queue.wait(job.id, pick, job.gone.signal);
    } catch (err) {
      if (err instanceof NoCandidate && job.tried.size > 0) throw this.allFailed(job);
      throw new HubError(503, (err as Error).message);
    }
  }

  /** One attempt; true when the job is settled (answered, or its client gone), false to fail over. */
  private async run(job: Job, node: NodeEntry): Promise<boolean> {
    job.tried.add(node);
    const request = new NodeRequest(node, job.body, { connectTimeoutMs: this.o.connectTimeoutMs, idleTimeoutMs: this.o.nodeTimeoutMs });
    this.running.add(request);
    const onGone = () => request.fail('the client went away');
    job.gone.signal.addEventListener('abort', onGone, { once: true });
    try {
      const first = await request.first;
      if (first.kind !== 'answer') {
        const status = first.kind === 'refused' ? first.status : 503;
        if (job.gone.signal.aborted) {
          this.release(node, job, null);
          return true;
        }
        job.errors.push({ node_id: node.nodeId, message: first.message, status });
        this.o.log(`job ${job.id}: node ${node.nodeId} failed: ${first.kind === 'refused' ? `HTTP ${status} ` : ''}${first.message.split('\n')[0]}`);
        this.release(node, job, false);
        return false;
      }
      const ok = await relay(request, first.res, first.first, job.res);
      this.release(node, job, job.gone.signal.aborted && !ok ? null : ok);
      if (!ok && !job.gone.signal.aborted) this.o.log(`job ${job.id}: node ${node.nodeId} broke off mid-answer: ${request.reason ?? 'connection closed'}`);
      else if (ok) this.o.log(`job ${job.id} done on node ${node.nodeId}`);
      return true;
    } finally {
      job.gone.signal.removeEventListener('abort', onGone);
      this.running.delete(request);
    }
  }

  private release(node: NodeEntry, job: Job, ok: boolean | null): void {
    this.o.registry.jobEnded(node, job.req.model, ok, Date.now());
  }

  private allFailed(job: Job): HubError {
    return new HubError(503, { message: 'All candidate nodes failed to execute the job', errors: job.errors, job_id: job.id });
  }
}

/**
 * The node's answer to the client as it arrives: its status and Content-Type, the first chunk, the
 * rest with backpressure. Resolves true when the whole answer went through, false when the node
 * broke off (the client's connection is then closed without the chunked terminator: a broken
 * stream, never a fabricated end) or the client left.
 */
function relay(request: NodeRequest, res: IncomingMessage, first: Buffer | null, out: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    out.writeHead(res.statusCode ?? 200, { 'Content-Type': res.headers['content-type'] ?? 'application/json', 'X-Hub-Node': request.node.nodeId });
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      if (!ok && !out.writableEnded) out.socket?.end(); // what arrived, then FIN: no terminator
      resolve(ok);
    };
    const write = (chunk: Buffer) => {
      request.touch();
      if (out.write(chunk)) return;
      res.pause();
      request.pauseIdle();
      out.once('drain', () => {
        request.touch();
        res.resume();
      });
    };
    if (first) write(first);
    const end = () => {
      out.end();
      settle(true);
    };
    if (res.readableEnded) return end();
    res.on('data', write);
    res.once('end', end);
    res.once('aborted', () => settle(false));
    res.once('error', () => settle(false));
    res.once('close', () => settle(res.complete));
    out.once('close', () => {
      if (!out.writableFinished) {
        request.fail('the client went away');
        settle(false);
      }
    });
    res.resume();
  });
}
