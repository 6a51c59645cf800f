// POST /api/generate (reference §2.6): `response` chunks, `context` on the final line, raw mode,
// the load/unload shortcuts, then the shared generation pipeline.
import { rngFromSeed } from '../../engine/random.js';
import { planReply } from '../../engine/reply.js';
import { parseJsonBody } from '../body.js';
import { ApiError, NATIVE_JSON } from '../errors.js';
import { runGeneration } from '../generation.js';
import { formatValue, keepAlive, numPredict, replySeed, requireCapability, resolveModel, resolveThink, thinkValue } from '../request-fields.js';
import type { RouteContext, RouteDef } from '../route.js';
import { generateFormatter, lifecycleBody } from './format.js';
import { generatePromptTokens } from './prompt.js';

const notFound = (name: string) => `model '${name}' not found`;

const FIELDS = {
  model: 'string', prompt: 'string', suffix: 'string', system: 'string', template: 'string', context: 'array', stream: 'bool',
  raw: 'bool', format: 'any', keep_alive: 'any', images: 'array', options: 'any', think: 'any',
} as const;

async function handleGenerate({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.GenerateRequest', fields: FIELDS, emptyMessage: 'missing request body' });
  const name = typeof req.model === 'string' ? req.model : '';
  if (name === '') throw new ApiError(404, notFound(''));
  const model = resolveModel(server, name, notFound);
  const prompt = (req.prompt as string | undefined) ?? '';
  const keepAliveMs = keepAlive(req.keep_alive);
  if (prompt === '' && keepAliveMs === 0) {
    server.residency.unloadNow(model.key);
    return ex.send(200, { 'Content-Type': NATIVE_JSON }, lifecycleBody('generate', name, 'unload'));
  }
  if (req.raw === true && (req.template || req.system || req.context)) throw new ApiError(400, 'raw mode does not support template, system, or context');
  if (!model.spec.capabilities.includes('completion')) throw new ApiError(400, `${JSON.stringify(name)} does not support generate`);
  const think = resolveThink(model, thinkValue(req.think));
  if (req.suffix) requireCapability(model, 'insert');
  if ((req.images as unknown[] | undefined)?.length) requireCapability(model, 'vision');
  const format = formatValue(req.format);
  const limit = numPredict(req.options);
  if (prompt === '') {
    await server.residency.load(model.key, model.spec, keepAliveMs);
    return ex.send(200, { 'Content-Type': NATIVE_JSON }, lifecycleBody('generate', name, 'load'));
  }
  const promptTokens = generatePromptTokens(prompt, req.system as string | undefined, req.suffix as string | undefined);
  const rng = rngFromSeed(replySeed(server, model.key, promptTokens, format ?? null, think));
  const reply = planReply(rng, { numTokens: ex.effect.timing?.numTokens ?? server.settings.num_tokens, numPredict: limit, think, format, callTool: false });
  const stream = req.stream !== false;
  ex.journal.streaming(ex.record, stream);
  await runGeneration(ex, { modelKey: model.key, spec: model.spec, keepAliveMs, promptTokens, reply, stream }, generateFormatter(name, promptTokens, req.raw === true));
}

export const generateRoute: RouteDef = { method: 'POST', path: '/api/generate', envelope: 'native', notFound, handle: handleGenerate };
