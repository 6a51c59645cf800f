// OpenAI-compatible routes (/v1/...), in Ollama's registration order (reference §1).
import type { RouteDef } from '../route.js';
import { chatCompletionsRoute } from './chat.js';
import { completionsRoute } from './completions.js';
import { embeddingsRoute } from './embeddings.js';
import { modelRoutes } from './models.js';

export const OPENAI_ROUTES: RouteDef[] = [chatCompletionsRoute, completionsRoute, embeddingsRoute, ...modelRoutes];
