// DELETE /api/delete (reference §2.14): 200 with an empty body; the model is uninstalled and unloaded.
import { parseModelName } from '../../engine/models.js';
import { parseJsonBody } from '../body.js';
import { ApiError } from '../errors.js';
import type { RouteContext, RouteDef } from '../route.js';

const deleteNotFound = (name: string) => `model '${name}' not found`;

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

export const deleteRoute: RouteDef = { method: 'DELETE', path: '/api/delete', envelope: 'native', notFound: deleteNotFound, handle: handleDelete };
