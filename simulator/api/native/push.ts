// POST /api/push (reference §2.11): a faithful stub, nothing leaves the machine. Progress lines per
// blob of an installed model; a model that is not installed fails in the stream.
import { parseModelName } from '../../engine/models.js';
import type { SimServer } from '../../server.js';
import { parseJsonBody } from '../body.js';
import { ApiError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import type { RouteContext, RouteDef } from '../route.js';
import { pacer, ProgressError, PULL_DURATION_MS, respondProgress, type Steps } from './progress.js';
import { blobsOf, PULL_FIELDS, requireName } from './pull.js';

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

export const pushRoute: RouteDef = { method: 'POST', path: '/api/push', envelope: 'native', handle: handlePush };
