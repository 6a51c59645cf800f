// The native chat handler as the compatibility layers reach it (OpenAI chat completions, Anthropic
// messages): their middleware has turned the request into a native one; from here the checks run
// in Ollama's order (model, lookup, capabilities) and the reply goes through the one generation
// pipeline with the layer's Formatter. Same prompt, same words as /api/chat.
import { rngFromSeed } from '../../engine/random.js';
import { planReply, type ToolDef } from '../../engine/reply.js';
import { ApiError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { runGeneration, type Formatter } from '../generation.js';
import { chatNotFound } from '../native/chat.js';
import { chatPromptTokens, type ChatMessage } from '../native/prompt.js';
import { formatValue, replySeed, requireCapability, resolveModel, resolveThink, type ResolvedModel } from '../request-fields.js';
import type { SimServer } from '../../server.js';

export interface NativeChat {
  model: unknown;
  messages: ChatMessage[];
  /** Tool definitions as the model sees them, and as they enter the prompt. */
  tools?: ToolDef[];
  rawTools?: unknown[];
  /** undefined = the model's default. */
  think?: boolean;
  /** Anthropic drops `think` on a model that cannot think; OpenAI answers 400. */
  rejectThink: boolean;
  format?: unknown;
  numPredict?: number;
  stream: boolean;
}

/** Called once the model is known: builds the layer's formatter. */
export type FormatterFor = (model: ResolvedModel, promptTokens: string[]) => Formatter;

export async function runCompatChat(ex: Exchange, server: SimServer, req: NativeChat, formatterFor: FormatterFor): Promise<void> {
  if (typeof req.model !== 'string' || req.model === '') throw new ApiError(400, 'model is required');
  const model = resolveModel(server, req.model, chatNotFound);
  if (!model.spec.capabilities.includes('completion')) throw new ApiError(400, `${JSON.stringify(req.model)} does not support chat`);
  const think = resolveThink(model, req.think, req.rejectThink);
  if (req.tools?.length) requireCapability(model, 'tools');
  if (req.messages.some((m) => m.images?.length)) requireCapability(model, 'vision');
  const format = formatValue(req.format);
  const promptTokens = chatPromptTokens(req.messages, req.rawTools);
  const rng = rngFromSeed(replySeed(server, model.key, promptTokens, format ?? null, think));
  const reply = planReply(rng, {
    numTokens: ex.effect.timing?.numTokens ?? server.settings.num_tokens,
    numPredict: req.numPredict,
    think,
    format,
    tools: req.tools,
    callTool: req.messages[req.messages.length - 1]?.role !== 'tool',
  });
  ex.journal.streaming(ex.record, req.stream);
  const job = { modelKey: model.key, spec: model.spec, promptTokens, reply, stream: req.stream };
  await runGeneration(ex, job, formatterFor(model, promptTokens));
}
