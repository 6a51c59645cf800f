// POST /v1/embeddings (reference §2.18): Ollama's EmbeddingsMiddleware in front of the native embed
// handler. The vectors are exactly /api/embed's for the same text (same function, same
// truncation); `encoding_format: "base64"` carries them as little-endian float32, which is what
// openai-node asks for by default.
import { embeddingBase64, embeddingVector } from '../../engine/embedding.js';
import { tokenize } from '../../engine/tokenizer.js';
import { ApiError } from '../errors.js';
import { checkInputCount, contextLength, dimensionsValue, embedNotFound, float32Json, runEmbedding } from '../native/embed.js';
import { resolveModel } from '../request-fields.js';
import type { RouteContext, RouteDef } from '../route.js';
import { behindMiddleware, bindJson, reject } from '../compat/middleware.js';

const FIELDS = { model: 'string', input: 'any', encoding_format: 'string', dimensions: 'int', user: 'string' } as const;

/** The middleware's checks: `""` means `[""]`; a missing or empty list is `invalid input`. */
function middlewareInput(value: unknown): unknown {
  if (value === '') return [''];
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) reject('invalid input');
  return value;
}

function encodingFormat(value: unknown): 'float' | 'base64' {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v === '' || v === 'float') return 'float';
  if (v === 'base64') return 'base64';
  return reject(`Invalid value for 'encoding_format' = ${String(value)}. Supported values: ['float', 'base64'].`);
}

/** The native handler's input rule: a string or an array of strings. */
function inputTexts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return value as string[];
  throw new ApiError(400, 'invalid input type');
}

async function handleEmbeddings({ ex, server, body }: RouteContext): Promise<void> {
  const req = bindJson(body, 'openai.EmbedRequest', FIELDS);
  const input = middlewareInput(req.input);
  const encoding = encodingFormat(req.encoding_format);
  // The native embed handler from here.
  const texts = inputTexts(input);
  checkInputCount(texts.length);
  const name = typeof req.model === 'string' ? req.model : '';
  if (name === '') throw new ApiError(404, "model '' not found");
  const model = resolveModel(server, name, embedNotFound);
  const dims = dimensionsValue(req.dimensions, model.spec.embeddingLength);
  const ctxLen = contextLength(model.spec, undefined);
  const tokenLists = texts.map((t) => tokenize(t).slice(0, ctxLen));
  const promptTokens = tokenLists.reduce((n, t) => n + t.length, 0);
  await runEmbedding(ex, server, model, undefined, promptTokens, () => {
    const data = tokenLists.map((tokens, index) => {
      const vector = embeddingVector(server.fleet.seed, model.key, tokens.join(''), model.spec.embeddingLength, dims);
      const embedding = encoding === 'base64' ? JSON.stringify(embeddingBase64(vector)) : `[${vector.map(float32Json).join(',')}]`;
      return `{"object":"embedding","embedding":${embedding},"index":${index}}`;
    });
    const usage = JSON.stringify({ prompt_tokens: promptTokens, total_tokens: promptTokens });
    return `{"object":"list","data":[${data.join(',')}],"model":${JSON.stringify(name)},"usage":${usage}}\n`;
  }, 'application/json');
}

export const embeddingsRoute: RouteDef = {
  method: 'POST', path: '/v1/embeddings', envelope: 'openai', notFound: embedNotFound, handle: behindMiddleware('openai', handleEmbeddings),
};
