// POST /v1/completions (reference §2.17): Ollama's CompletionsMiddleware in front of the native
// generate handler. `prompt` is a string only; `stop` items must be strings; `stream` defaults to false.
import { rngFromSeed } from '../../engine/random.js';
import { planReply } from '../../engine/reply.js';
import { ApiError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { runGeneration } from '../generation.js';
import { generatePromptTokens } from '../native/prompt.js';
import { replySeed, requireCapability, resolveModel, resolveThink } from '../request-fields.js';
import type { RouteContext, RouteDef } from '../route.js';
import { COMPAT_JSON, jsonLine } from '../compat/json.js';
import { behindMiddleware, bindJson, goTypeName, reject } from '../compat/middleware.js';
import { completionFormatter, includeUsage, numericId, SSE_HEADERS, sseData, unixNow, type StreamMeta } from './format.js';

const notFound = (name: string) => `model '${name}' not found`;

const FIELDS = {
  model: 'string', prompt: 'string', suffix: 'string', max_tokens: 'int', temperature: 'float64', top_p: 'float64', seed: 'int',
  stop: 'any', frequency_penalty: 'float64', presence_penalty: 'float64', stream: 'bool', stream_options: 'object', logprobs: 'int',
} as const;

function checkStop(stop: unknown): void {
  if (stop === undefined || stop === null || typeof stop === 'string') return;
  const bad = Array.isArray(stop) ? stop.find((s) => typeof s !== 'string') : stop;
  if (bad !== undefined) reject(`invalid type for 'stop' field: ${goTypeName(bad)}`);
}

/** The native load shortcut (empty prompt) as the completions writer translates it. */
function sendLoaded(ex: Exchange, meta: StreamMeta, stream: boolean): void {
  const base = { id: meta.id, object: 'text_completion', created: unixNow() };
  const choices = [{ text: '', index: 0, finish_reason: 'load' }];
  if (stream) {
    ex.send(200, SSE_HEADERS, sseData({ ...base, choices, model: meta.model, system_fingerprint: 'fp_ollama' }) + 'data: [DONE]\n\n');
  } else {
    ex.send(200, COMPAT_JSON, jsonLine({ ...base, model: meta.model, system_fingerprint: 'fp_ollama', choices, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }));
  }
}

async function handleCompletions({ ex, server, body }: RouteContext): Promise<void> {
  const req = bindJson(body, 'openai.CompletionRequest', FIELDS);
  checkStop(req.stop);
  // The native generate handler from here.
  const name = typeof req.model === 'string' ? req.model : '';
  if (name === '') throw new ApiError(404, notFound(''));
  const model = resolveModel(server, name, notFound);
  const stream = req.stream === true;
  ex.journal.streaming(ex.record, stream);
  const meta: StreamMeta = { id: numericId(ex, 'cmpl'), model: name, withUsage: includeUsage(req.stream_options) };
  const prompt = (req.prompt as string | undefined) ?? '';
  if (!model.spec.capabilities.includes('completion')) throw new ApiError(400, `${JSON.stringify(name)} does not support generate`);
  const think = resolveThink(model, undefined);
  const suffix = req.suffix as string | undefined;
  if (suffix) requireCapability(model, 'insert');
  if (prompt === '') {
    await server.residency.load(model.key, model.spec, undefined);
    return sendLoaded(ex, meta, stream);
  }
  const promptTokens = generatePromptTokens(prompt, undefined, suffix);
  const rng = rngFromSeed(replySeed(server, model.key, promptTokens, null, think));
  const reply = planReply(rng, {
    numTokens: ex.effect.timing?.numTokens ?? server.settings.num_tokens, numPredict: req.max_tokens as number | undefined, think, callTool: false,
  });
  await runGeneration(ex, { modelKey: model.key, spec: model.spec, promptTokens, reply, stream }, completionFormatter(meta));
}

export const completionsRoute: RouteDef = {
  method: 'POST', path: '/v1/completions', envelope: 'openai', notFound, handle: behindMiddleware('openai', handleCompletions),
};
