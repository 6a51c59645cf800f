// OpenAI-compatible routes (/v1/...). Filled in by the OpenAI work; see ../route.ts for the shape.
import type { RouteDef } from '../route.js';

export const OPENAI_ROUTES: RouteDef[] = [];
