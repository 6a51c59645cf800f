// Anthropic-compatible routes (/v1/messages). Filled in by the Anthropic work; see ../route.ts.
import type { RouteDef } from '../route.js';

export const ANTHROPIC_ROUTES: RouteDef[] = [];
