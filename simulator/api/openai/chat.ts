// POST /v1/chat/completions (reference §2.16): Ollama's ChatMiddleware (bind, messages, content
// parts, reasoning, response_format) in front of the native chat handler, answered as OpenAI JSON
// or SSE. `stream` defaults to false here.
import { isPlainObject } from '../../schema.js';
import { runCompatChat } from '../compat/chat.js';
import { behindMiddleware, bindJson, reject } from '../compat/middleware.js';
import { toolDefs } from '../native/chat.js';
import type { RouteContext, RouteDef } from '../route.js';
import { chatCompletionFormatter, includeUsage, numericId } from './format.js';
import { fromOpenAIMessages } from './messages.js';

const FIELDS = {
  model: 'string', messages: 'array', stream: 'bool', stream_options: 'object', max_tokens: 'int', seed: 'int', stop: 'any',
  temperature: 'float64', top_p: 'float64', frequency_penalty: 'float64', presence_penalty: 'float64', response_format: 'object',
  tools: 'array', reasoning_effort: 'string', reasoning: 'object', logprobs: 'bool', top_logprobs: 'int',
} as const;

const EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh', 'ultra', 'max', 'none'];

/** `reasoning.effort` or `reasoning_effort` -> think: `none` turns it off, any level on. */
function reasoningThink(req: Record<string, unknown>): boolean | undefined {
  const effort = isPlainObject(req.reasoning) ? req.reasoning.effort : req.reasoning_effort;
  if (effort === undefined || effort === null || effort === '') return undefined;
  if (typeof effort !== 'string' || !EFFORTS.includes(effort)) {
    reject(`invalid reasoning value: ${JSON.stringify(effort)} (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`);
  }
  return effort !== 'none';
}

/** `json_object` -> format "json"; `json_schema` -> its schema; anything else (text) -> none. */
function responseFormat(value: unknown): unknown {
  if (!isPlainObject(value) || typeof value.type !== 'string') return undefined;
  const type = value.type.trim().toLowerCase();
  if (type === 'json_object') return 'json';
  if (type === 'json_schema' && isPlainObject(value.json_schema)) return value.json_schema.schema;
  return undefined;
}

async function handleChatCompletions({ ex, server, body }: RouteContext): Promise<void> {
  const req = bindJson(body, 'openai.ChatCompletionRequest', FIELDS);
  const raw = (req.messages as unknown[] | undefined) ?? [];
  if (raw.length === 0) reject("[] is too short - 'messages'");
  const messages = fromOpenAIMessages(raw);
  const think = reasoningThink(req);
  const rawTools = req.tools as unknown[] | undefined;
  const stream = req.stream === true;
  const meta = { id: numericId(ex, 'chatcmpl'), model: String(req.model ?? ''), withUsage: includeUsage(req.stream_options) };
  await runCompatChat(
    ex, server,
    {
      model: req.model, messages, tools: toolDefs(rawTools), rawTools, think, rejectThink: true,
      format: responseFormat(req.response_format), numPredict: req.max_tokens as number | undefined, stream,
    },
    () => chatCompletionFormatter(meta),
  );
}

export const chatCompletionsRoute: RouteDef = {
  method: 'POST', path: '/v1/chat/completions', envelope: 'openai', notFound: (name) => `model '${name}' not found`,
  handle: behindMiddleware('openai', handleChatCompletions),
};
