// Every route a simulated server answers, in Ollama's registration order, then the job API, and
// the node agent's.
import { JOB_ROUTES } from '../jobs/routes.js';
import { AGENT_ROUTES } from './agent/execute.js';
import { ANTHROPIC_ROUTES } from './anthropic/index.js';
import { NATIVE_ROUTES } from './native/index.js';
import { OPENAI_ROUTES } from './openai/index.js';
import type { RouteDef } from './route.js';

export type { RouteContext, RouteDef } from './route.js';

export const ROUTES: RouteDef[] = [...NATIVE_ROUTES, ...OPENAI_ROUTES, ...ANTHROPIC_ROUTES, ...JOB_ROUTES];

/** Every path a behavior may target (`endpoints`), the agent's included. */
export const ROUTE_PATHS: string[] = [...new Set([...ROUTES, ...AGENT_ROUTES].map((r) => r.path))];

/** The routes one server answers: Ollama's, plus POST /execute in node-agent mode. */
export function servedRoutes(nodeAgent: boolean): RouteDef[] {
  return nodeAgent ? [...ROUTES, ...AGENT_ROUTES] : ROUTES;
}
