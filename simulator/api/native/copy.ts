// POST /api/copy (reference §2.13): 200 with an empty body; the destination becomes a copy of the source.
import { parseModelName } from '../../engine/models.js';
import { parseJsonBody } from '../body.js';
import { ApiError } from '../errors.js';
import type { RouteContext, RouteDef } from '../route.js';
import { installedSpec } from './pull.js';

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

export const copyRoute: RouteDef = { method: 'POST', path: '/api/copy', envelope: 'native', notFound: copyNotFound, handle: handleCopy };
