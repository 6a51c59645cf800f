// POST /api/pull (reference §2.10): NDJSON progress over a simulated download of PULL_DURATION_MS,
// then the model is installed. Every valid name is pullable (a preset's spec if it is a preset, a
// generic completion model otherwise), except a name whose model or tag ends in `-missing`: that
// one fails the way a model missing upstream does (`pull model manifest: file does not exist`).
import { digestOf, displayName, modelKey, modelSpec, parseModelName, type ModelSpec } from '../../engine/models.js';
import type { SimServer } from '../../server.js';
import { parseJsonBody, type FieldTypes } from '../body.js';
import { ApiError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { RouteContext, RouteDef } from '../route.js';
import { pacer, ProgressError, PULL_DURATION_MS, respondProgress, type Steps } from './progress.js';

const PROGRESS_LINES_PER_BLOB = 5;

function missingUpstream(name: string): boolean {
  const p = parseModelName(name)!;
  return p.model.endsWith('-missing') || p.tag.endsWith('-missing');
}

interface Blob {
  digest: string;
  size: number;
}

/** The blobs of a model as a registry would list them: the weights, then template and params. */
export function blobsOf(spec: ModelSpec): Blob[] {
  return [
    { digest: spec.digest, size: spec.size },
    { digest: digestOf(`${spec.name}#template`), size: 1429 },
    { digest: digestOf(`${spec.name}#params`), size: 96 },
  ];
}

/** Installs `name` on the server as a copy of `from` (pull, create, copy), modified now. */
export function installedSpec(server: SimServer, name: string, from: ModelSpec, overrides: Partial<ModelSpec> = {}): ModelSpec {
  const spec: ModelSpec = { ...from, name: displayName(name)!, modifiedAt: new Date().toISOString(), ...overrides };
  server.models.set(modelKey(name)!, spec);
  return spec;
}

/** Pull progress for `name`, installing it at the end (Ollama's PullModel). */
export async function* pullSteps(ex: Exchange, server: SimServer, name: string): Steps {
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

/** `model` or `name`, which must be a valid model name. */
export function requireName(req: Record<string, unknown>, message: string): string {
  const name = (req.model as string | undefined) || (req.name as string | undefined) || '';
  if (!parseModelName(name)) throw new ApiError(400, message);
  return name;
}

export const PULL_FIELDS: FieldTypes = { model: 'string', name: 'string', insecure: 'bool', stream: 'bool' };

async function handlePull({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.PullRequest', fields: PULL_FIELDS, emptyMessage: 'missing request body' });
  const name = requireName(req, 'invalid model name');
  await respondProgress(ex, req.stream !== false, pullSteps(ex, server, name));
}

export const pullRoute: RouteDef = { method: 'POST', path: '/api/pull', envelope: 'native', handle: handlePull };
