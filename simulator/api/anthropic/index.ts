// POST /v1/messages (reference §2.20): Ollama's AnthropicMessagesMiddleware (bind, model,
// max_tokens, messages, block conversion) in front of the native chat handler, answered as an
// Anthropic message or SSE event stream. `stream` defaults to false; `think` on a model that cannot
// think is dropped quietly; x-api-key and anthropic-version are ignored.
import { randomHex, rngFor } from '../../engine/random.js';
import type { Exchange } from '../exchange.js';
import { runCompatChat } from '../compat/chat.js';
import { behindMiddleware, bindJson, reject } from '../compat/middleware.js';
import type { RouteContext, RouteDef } from '../route.js';
import { messagesFormatter } from './format.js';
import { anthropicThink, anthropicToolDefs, fromAnthropicMessages, systemMessages } from './messages.js';

const FIELDS = {
  model: 'string', max_tokens: 'int', messages: 'array', system: 'any', stream: 'bool', tools: 'array', thinking: 'object',
  output_config: 'object', tool_choice: 'any', metadata: 'any', temperature: 'float64', top_p: 'float64', top_k: 'int',
  stop_sequences: '[]string',
} as const;

/** `msg_` + 24 hex, keyed by fleet seed, server and request. */
function messageId(ex: Exchange): string {
  return `msg_${randomHex(rngFor(ex.server.fleet.seed, ex.server.port, ex.record.seq, 'msg'), 24)}`;
}

async function handleMessages({ ex, server, body }: RouteContext): Promise<void> {
  const req = bindJson(body, 'anthropic.MessagesRequest', FIELDS);
  if (typeof req.model !== 'string' || req.model === '') reject('model is required');
  if (typeof req.max_tokens !== 'number' || req.max_tokens <= 0) reject('max_tokens is required and must be positive');
  const raw = (req.messages as unknown[] | undefined) ?? [];
  if (raw.length === 0) reject('messages is required');
  const messages = [...systemMessages(req.system), ...fromAnthropicMessages(raw)];
  const rawTools = req.tools as unknown[] | undefined;
  const model = req.model;
  const id = messageId(ex);
  await runCompatChat(
    ex, server,
    {
      model, messages, tools: anthropicToolDefs(rawTools), rawTools, think: anthropicThink(req.thinking, req.output_config), rejectThink: false,
      numPredict: req.max_tokens, stream: req.stream === true,
    },
    (_, promptTokens) => messagesFormatter({ id, model, inputEstimate: Math.floor(promptTokens.join('').length / 4) }),
  );
}

export const ANTHROPIC_ROUTES: RouteDef[] = [
  {
    method: 'POST', path: '/v1/messages', envelope: 'anthropic', notFound: (name) => `model '${name}' not found`,
    handle: behindMiddleware('anthropic', handleMessages),
  },
];
