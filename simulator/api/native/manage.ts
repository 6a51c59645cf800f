// Model management (reference §2.10-§2.14): pull, push and create answer with NDJSON progress lines
// (or one final object with stream:false), delete and copy with an empty 200. Pull and create
// change the server's installed models; a simulated download takes PULL_DURATION_MS.
//
// Every valid name is pullable (a preset's spec if it is a preset, a generic completion model
// otherwise), except a name whose model or tag ends in `-missing`: that one fails the way a model
// missing upstream does (`pull model manifest: file does not exist`).
import { sleepUntil, now } from '../../engine/clock.js';
import { digestOf, displayName, modelKey, modelSpec, parseModelName, type ModelSpec } from '../../engine/models.js';
import type { SimServer } from '../../server.js';
import { parseJsonBody, type FieldTypes } from '../body.js';
import { ApiError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { RouteContext, RouteDef } from '../route.js';

/** How long a simulated pull (or push) takes from first to last progress line. */
export const PULL_DURATION_MS = 300;

const PROGRESS_LINES_PER_BLOB = 5;
const PROGRESS_JSON = { 'Content-Type': 'application/json' };

interface Progress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** A failure inside a progress job; Ollama sends it as the stream's error (default status 500). */
class ProgressError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

type Steps = AsyncGenerator<Progress, void, void>;

// ---------- the progress responder (Ollama's streamResponse / waitForStream) ----------

/**
 * Streams the steps as NDJSON, or with stream:false waits and answers with the last one. An error
 * before any line is a plain HTTP error (Content-Type `application/json`, no charset); after
 * lines went out it is a final `{"error":...}` line on the 200 stream.
 */
async function respondProgress(ex: Exchange, stream: boolean, steps: Steps): Promise<void> {
  ex.journal.streaming(ex.record, stream);
  let last: Progress = { status: '' };
  try {
    for await (const p of steps) {
      if (ex.closed) return;
      last = p;
      if (stream) {
        ex.head(200, { 'Content-Type': 'application/x-ndjson' });
        ex.write(JSON.stringify(p) + '\n');
      }
    }
  } catch (e) {
    if (!(e instanceof ProgressError)) throw e;
    if (ex.headersSent) return ex.end(JSON.stringify({ error: e.message }) + '\n');
    return ex.send(e.status, PROGRESS_JSON, JSON.stringify({ error: e.message }));
  }
  if (ex.closed) return;
  if (stream) ex.end();
  else ex.send(200, PROGRESS_JSON, JSON.stringify(last));
}

/** Deadlines for `count` paced steps spread over `durationMs`: step i is due at start + i * gap. */
function pacer(count: number, durationMs: number, signal: AbortSignal): () => Promise<boolean> {
  const start = now();
  const gap = durationMs / Math.max(1, count);
  let i = 0;
  return () => sleepUntil(start + ++i * gap, signal);
}

// ---------- pull ----------

function missingUpstream(name: string): boolean {
  const p = parseModelName(name)!;
  return p.model.endsWith('-missing') || p.tag.endsWith('-missing');
}

interface Blob {
  digest: string;
  size: number;
}

/** The blobs of a model as a registry would list them: the weights, then template and params. */
function blobsOf(spec: ModelSpec): Blob[] {
  return [
    { digest: spec.digest, size: spec.size },
    { digest: digestOf(`${spec.name}#template`), size: 1429 },
    { digest: digestOf(`${spec.name}#params`), size: 96 },
  ];
}

function installedSpec(server: SimServer, name: string, from: ModelSpec, overrides: Partial<ModelSpec> = {}): ModelSpec {
  const spec: ModelSpec = { ...from, name: displayName(name)!, modifiedAt: new Date().toISOString(), ...overrides };
  server.models.set(modelKey(name)!, spec);
  return spec;
}

/** Pull progress for `name`, installing it at the end (Ollama's PullModel). */
async function* pullSteps(ex: Exchange, server: SimServer, name: string): Steps {
  yield { status: 'pulling manifest' };
  if (missingUpstream(name)) throw new ProgressError('pull model manifest: file does not exist');
  const existing = server.findModel(name)?.spec;
  const spec = modelSpec(name, existing?.loadMs === undefined ? {} : { loadMs: existing.loadMs });
  const blobs = blobsOf(spec);
  const next = pacer(PROGRESS_LINES_PER_BLOB + blobs.length + 1, PULL_DURATION_MS, ex.signal);
  for (const [i, blob] of blobs.entries()) {
    const status = `pulling ${blob.digest.slice(0, 12)}`;
    const digest = `sha256:${blob.digest}`;
    // The weights arrive in several progress lines; the small blobs in one.
    const lines = i === 0 ? PROGRESS_LINES_PER_BLOB : 1;
    for (let k = 1; k <= lines; k++) {
      if (!(await next())) return;
      yield { status, digest, total: blob.size, completed: Math.round((blob.size * k) / lines) };
    }
  }
  if (!(await next())) return;
  yield { status: 'verifying sha256 digest' };
  yield { status: 'writing manifest' };
  installedSpec(server, name, spec);
  yield { status: 'success' };
}

function requireName(req: Record<string, unknown>, message: string): string {
  const name = (req.model as string | undefined) || (req.name as string | undefined) || '';
  if (!parseModelName(name)) throw new ApiError(400, message);
  return name;
}

const PULL_FIELDS: FieldTypes = { model: 'string', name: 'string', insecure: 'bool', stream: 'bool' };

async function handlePull({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.PullRequest', fields: PULL_FIELDS, emptyMessage: 'missing request body' });
  const name = requireName(req, 'invalid model name');
  await respondProgress(ex, req.stream !== false, pullSteps(ex, server, name));
}

// ---------- push (a faithful stub: nothing leaves the machine) ----------

async function* pushSteps(ex: Exchange, server: SimServer, name: string): Steps {
  yield { status: 'retrieving manifest' };
  const spec = server.findModel(name)?.spec;
  if (!spec) {
    yield { status: "couldn't retrieve manifest" };
    const p = parseModelName(name)!;
    throw new ProgressError(`open /root/.ollama/models/manifests/${p.host}/${p.namespace}/${p.model}/${p.tag}: no such file or directory`);
  }
  const blobs = blobsOf(spec);
  const next = pacer(blobs.length, PULL_DURATION_MS, ex.signal);
  for (const blob of blobs) {
    if (!(await next())) return;
    yield { status: `pushing ${blob.digest.slice(0, 12)}`, digest: `sha256:${blob.digest}`, total: blob.size, completed: blob.size };
  }
  yield { status: 'pushing manifest' };
  yield { status: 'success' };
}

async function handlePush({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.PushRequest', fields: PULL_FIELDS, emptyMessage: 'missing request body' });
  if (!req.model && !req.name) throw new ApiError(400, 'model is required');
  const name = requireName(req, 'invalid model name');
  await respondProgress(ex, req.stream !== false, pushSteps(ex, server, name));
}

// ---------- create ----------

const CREATE_FIELDS: FieldTypes = {
  model: 'string', name: 'string', from: 'string', files: 'object', adapters: 'object', template: 'string', system: 'string',
  license: 'any', parameters: 'object', messages: 'array', quantize: 'string', stream: 'bool',
};

/** The layers a create request adds on top of its base (one per Modelfile part it sets). */
const NEW_LAYER_FIELDS = ['template', 'system', 'license', 'parameters', 'messages', 'adapters'];

async function* createSteps(ex: Exchange, server: SimServer, name: string, req: Record<string, unknown>): Steps {
  let base: ModelSpec;
  if (typeof req.from === 'string' && req.from !== '') {
    if (!parseModelName(req.from)) throw new ProgressError('invalid model name', 400);
    let found = server.findModel(req.from)?.spec;
    // A base that is not installed is pulled first, in the same stream.
    if (!found) {
      for await (const p of pullSteps(ex, server, req.from)) if (p.status !== 'success') yield p;
      found = server.findModel(req.from)?.spec;
      if (!found) return; // the client went away during the pull
    }
    base = found;
    for (const blob of blobsOf(base)) yield { status: `using existing layer sha256:${blob.digest}` };
  } else if (req.files !== undefined && req.files !== null) {
    base = modelSpec(name);
    for (const digest of Object.values(req.files as Record<string, unknown>)) yield { status: `using existing layer ${String(digest)}` };
  } else {
    throw new ProgressError("neither 'from' or 'files' was specified", 400);
  }
  const digest = digestOf(`${displayName(name)}#${JSON.stringify(req)}`);
  for (const field of NEW_LAYER_FIELDS) {
    if (req[field] !== undefined && req[field] !== null) yield { status: `creating new layer sha256:${digestOf(`${digest}#${field}`)}` };
  }
  yield { status: 'writing manifest' };
  installedSpec(server, name, base, { digest, loadMs: base.loadMs });
  yield { status: 'success' };
}

async function handleCreate({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.CreateRequest', fields: CREATE_FIELDS, emptyMessage: 'missing request body' });
  const name = requireName(req, 'invalid model name');
  await respondProgress(ex, req.stream !== false, createSteps(ex, server, name, req));
}

// ---------- delete and copy ----------

function handleDelete({ ex, server, body }: RouteContext): void {
  const req = parseJsonBody(body, { struct: 'api.DeleteRequest', fields: { model: 'string', name: 'string' }, emptyMessage: 'missing request body' });
  const name = (req.model as string | undefined) || (req.name as string | undefined) || '';
  if (name === '') throw new ApiError(400, 'model is required');
  if (!parseModelName(name)) throw new ApiError(400, `name ${JSON.stringify(name)} is invalid`);
  const found = server.findModel(name);
  if (!found) throw new ApiError(404, deleteNotFound(name));
  server.models.delete(found.key);
  server.residency.unloadNow(found.key);
  ex.send(200, {});
}

const deleteNotFound = (name: string) => `model '${name}' not found`;
const copyNotFound = (name: string) => `model ${JSON.stringify(name)} not found`;

function handleCopy({ ex, server, body }: RouteContext): void {
  const req = parseJsonBody(body, { struct: 'api.CopyRequest', fields: { source: 'string', destination: 'string' }, emptyMessage: 'missing request body' });
  const source = (req.source as string | undefined) ?? '';
  const destination = (req.destination as string | undefined) ?? '';
  if (!parseModelName(source)) throw new ApiError(400, `source ${JSON.stringify(source)} is invalid`);
  if (!parseModelName(destination)) throw new ApiError(400, `destination ${JSON.stringify(destination)} is invalid`);
  const found = server.findModel(source);
  if (!found) throw new ApiError(404, copyNotFound(source));
  installedSpec(server, destination, found.spec);
  ex.send(200, {});
}

export const pullRoute: RouteDef = { method: 'POST', path: '/api/pull', envelope: 'native', handle: handlePull };
export const pushRoute: RouteDef = { method: 'POST', path: '/api/push', envelope: 'native', handle: handlePush };
export const deleteRoute: RouteDef = { method: 'DELETE', path: '/api/delete', envelope: 'native', notFound: deleteNotFound, handle: handleDelete };
export const createRoute: RouteDef = { method: 'POST', path: '/api/create', envelope: 'native', handle: handleCreate };
export const copyRoute: RouteDef = { method: 'POST', path: '/api/copy', envelope: 'native', notFound: copyNotFound, handle: handleCopy };
