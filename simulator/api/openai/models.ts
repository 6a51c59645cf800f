// GET /v1/models and GET /v1/models/:model (reference §2.19): the installed models as OpenAI model
// objects. `owned_by` is the namespace, `created` the install time; an unknown model is the show
// handler's 404 with the `:latest`-qualified name.
import { displayName, parseModelName, type ModelSpec } from '../../engine/models.js';
import { ApiError } from '../errors.js';
import type { RouteDef } from '../route.js';
import { COMPAT_JSON, jsonLine } from '../compat/json.js';

const notFound = (name: string) => `model '${displayName(name) ?? name}' not found`;

function modelObject(id: string, spec: ModelSpec): Record<string, unknown> {
  return { id, object: 'model', created: Math.floor(Date.parse(spec.modifiedAt) / 1000), owned_by: parseModelName(spec.name)?.namespace ?? 'library' };
}

export const modelRoutes: RouteDef[] = [
  {
    method: 'GET', path: '/v1/models', envelope: 'openai',
    handle: ({ ex, server }) => {
      const data = [...server.models.values()].map((spec) => modelObject(spec.name, spec));
      // Ollama encodes an empty (nil) list as null.
      ex.send(200, COMPAT_JSON, jsonLine({ object: 'list', data: data.length ? data : null }));
    },
  },
  {
    method: 'GET', path: '/v1/models/:model', envelope: 'openai', notFound,
    handle: ({ ex, server, params }) => {
      const name = params.model;
      const found = server.findModel(name);
      if (!found) throw new ApiError(404, notFound(name));
      ex.send(200, COMPAT_JSON, jsonLine(modelObject(name, found.spec)));
    },
  },
];
