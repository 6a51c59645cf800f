// The native Ollama routes, in the order Ollama registers them.
import type { RouteDef } from '../route.js';
import { chatRoute } from './chat.js';
import { generateRoute } from './generate.js';
import { infoRoutes } from './info.js';

export const NATIVE_ROUTES: RouteDef[] = [...infoRoutes, generateRoute, chatRoute];
