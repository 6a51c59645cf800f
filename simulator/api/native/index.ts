// The native Ollama routes, in the order Ollama registers them (reference §1).
import type { RouteDef } from '../route.js';
import { chatRoute } from './chat.js';
import { copyRoute } from './copy.js';
import { createRoute } from './create.js';
import { deleteRoute } from './delete.js';
import { embedRoutes } from './embed.js';
import { generateRoute } from './generate.js';
import { infoRoutes } from './info.js';
import { pullRoute } from './pull.js';
import { pushRoute } from './push.js';
import { showRoute } from './show.js';

function infoRoute(path: string): RouteDef {
  const route = infoRoutes.find((r) => r.path === path);
  if (!route) throw new Error(`native/info.ts has no route ${path}`);
  return route;
}

const ORDERED: RouteDef[] = [
  infoRoute('/'),
  infoRoute('/api/version'),
  pullRoute,
  pushRoute,
  infoRoute('/api/tags'),
  showRoute,
  deleteRoute,
  createRoute,
  copyRoute,
  infoRoute('/api/ps'),
  generateRoute,
  chatRoute,
  ...embedRoutes,
];

// An info route added later still gets served, even before it is placed in the order above.
export const NATIVE_ROUTES: RouteDef[] = [...ORDERED, ...infoRoutes.filter((r) => !ORDERED.includes(r))];
