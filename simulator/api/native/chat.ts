// POST /api/chat (reference §2.7): validation in Ollama's order, the load/unload shortcuts, then
// the shared generation pipeline with the NDJSON chat format.
import { rngFromSeed } from '../../engine/random.js';
import { planReply, type ToolDef } from '../../engine/reply.js';
import { isPlainObject } from '../../schema.js';
import { parseJsonBody } from '../body.js';
import { ApiError, NATIVE_JSON } from '../errors.js';
import { runGeneration } from '../generation.js';
import { formatValue, keepAlive, numPredict, replySeed, requireCapability, resolveModel, resolveThink, thinkValue } from '../request-fields.js';
import type { RouteContext, RouteDef } from '../route.js';
import { chatFormatter, lifecycleBody } from './format.js';
import { chatPromptTokens, type ChatMessage } from './prompt.js';

export const chatNotFound = (name: string) => `model '${name}' not found`;

const FIELDS = {
  model: 'string', messages: 'array', stream: 'bool', format: 'any', keep_alive: 'any', tools: 'array', options: 'any', think: 'any',
} as const;

export function parseMessages(value: unknown, struct = 'ChatRequest'): ChatMessage[] {
  if (value === undefined || value === null) return [];
  return (value as unknown[]).map((m, i) => {
    if (!isPlainObject(m)) throw new ApiError(400, `json: cannot unmarshal ${Array.isArray(m) ? 'array' : typeof m} into Go struct field ${struct}.messages of type api.Message`);
    const content = m.content ?? '';
    if (typeof content !== 'string') throw new ApiError(400, `json: cannot unmarshal ${Array.isArray(content) ? 'array' : typeof content} into Go struct field Message.messages.content of type string`);
    if (m.role !== undefined && typeof m.role !== 'string') throw new ApiError(400, `json: cannot unmarshal ${typeof m.role} into Go struct field Message.messages.role of type string`);
    if (m.images !== undefined && m.images !== null && !Array.isArray(m.images)) throw new ApiError(400, `json: cannot unmarshal ${typeof m.images} into Go struct field Message.messages.images of type []api.ImageData`);
    void i;
    return { role: String(m.role ?? '').toLowerCase(), content, images: (m.images as unknown[] | undefined) ?? undefined, tool_calls: Array.isArray(m.tool_calls) ? m.tool_calls : undefined };
  });
}

export function toolDefs(tools: unknown[] | undefined): ToolDef[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map((t) => {
    const fn = isPlainObject(t) && isPlainObject(t.function) ? t.function : {};
    return { name: typeof fn.name === 'string' ? fn.name : 'tool', parameters: isPlainObject(fn.parameters) ? fn.parameters : undefined };
  });
}

async function handleChat({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.ChatRequest', fields: FIELDS, emptyMessage: 'missing request body' });
  if (typeof req.model !== 'string' || req.model === '') throw new ApiError(400, 'model is required');
  const model = resolveModel(server, req.model, chatNotFound);
  const messages = parseMessages(req.messages);
  const keepAliveMs = keepAlive(req.keep_alive);
  if (messages.length === 0 && keepAliveMs === 0) {
    server.residency.unloadNow(model.key);
    return ex.send(200, { 'Content-Type': NATIVE_JSON }, lifecycleBody('chat', req.model, 'unload'));
  }
  if (!model.spec.capabilities.includes('completion')) throw new ApiError(400, `${JSON.stringify(req.model)} does not support chat`);
  const think = resolveThink(model, thinkValue(req.think));
  const tools = toolDefs(req.tools as unknown[] | undefined);
  if (tools) requireCapability(model, 'tools');
  if (messages.some((m) => m.images?.length)) requireCapability(model, 'vision');
  const format = formatValue(req.format);
  const limit = numPredict(req.options);
  if (messages.length === 0) {
    await server.residency.load(model.key, model.spec, keepAliveMs);
    return ex.send(200, { 'Content-Type': NATIVE_JSON }, lifecycleBody('chat', req.model, 'load'));
  }
  const promptTokens = chatPromptTokens(messages, req.tools as unknown[] | undefined);
  const rng = rngFromSeed(replySeed(server, model.key, promptTokens, format ?? null, think));
  const reply = planReply(rng, {
    numTokens: ex.effect.timing?.numTokens ?? server.settings.num_tokens,
    numPredict: limit,
    think,
    format,
    tools,
    callTool: messages[messages.length - 1]?.role !== 'tool',
  });
  const stream = req.stream !== false;
  ex.journal.streaming(ex.record, stream);
  await runGeneration(ex, { modelKey: model.key, spec: model.spec, keepAliveMs, promptTokens, reply, stream }, chatFormatter(req.model));
}

export const chatRoute: RouteDef = { method: 'POST', path: '/api/chat', envelope: 'native', notFound: chatNotFound, handle: handleChat };
