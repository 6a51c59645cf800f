// POST /api/create (reference §2.12): progress lines (existing layers, one new layer per Modelfile
// part the request sets, the manifest), then the new name is installed with its base's spec. A
// `from` that is not installed is pulled first, in the same stream; `files` alone makes a generic model.
import { digestOf, displayName, modelSpec, parseModelName, type ModelSpec } from '../../engine/models.js';
import type { SimServer } from '../../server.js';
import { parseJsonBody, type FieldTypes } from '../body.js';
import type { Exchange } from '../exchange.js';
import type { RouteContext, RouteDef } from '../route.js';
import { ProgressError, respondProgress, type Steps } from './progress.js';
import { blobsOf, installedSpec, pullSteps, requireName } from './pull.js';

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

export const createRoute: RouteDef = { method: 'POST', path: '/api/create', envelope: 'native', handle: handleCreate };
