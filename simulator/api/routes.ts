// Every route a simulated server answers, in Ollama's registration order, then the job API.
import { JOB_ROUTES } from '../jobs/routes.js';
import { ANTHROPIC_ROUTES } from './anthropic/index.js';
import { NATIVE_ROUTES } from './native/index.js';
import { OPENAI_ROUTES } from './openai/index.js';
import type { RouteDef } from './route.js';

export type { RouteContext, RouteDef } from './route.js';

export const ROUTES: RouteDef[] = [...NATIVE_ROUTES, ...OPENAI_ROUTES, ...ANTHROPIC_ROUTES, ...JOB_ROUTES];

export const ROUTE_PATHS: string[] = [...new Set(ROUTES.map((r) => r.path))];
