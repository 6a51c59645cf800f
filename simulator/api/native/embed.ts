// POST /api/embed and the legacy POST /api/embeddings (reference §2.8, §2.9). An embedding goes
// through the same model residency (cold load) and parallel slots as generation; its vector comes
// from engine/embedding.ts, a pure function of (fleet seed, model, text), so the same text embeds
// identically on every server and run.
import { msToNs, now, sleepUntil } from '../../engine/clock.js';
import type { ModelSpec } from '../../engine/models.js';
import { embeddingVector } from '../../engine/embedding.js';
import { tokenize } from '../../engine/tokenizer.js';
import type { SimServer } from '../../server.js';
import { parseJsonBody } from '../body.js';
import { ApiError, NATIVE_JSON } from '../errors.js';
import { withRunner } from '../generation.js';
import type { Exchange } from '../exchange.js';
import { keepAlive, resolveModel, type ResolvedModel } from '../request-fields.js';
import type { RouteContext, RouteDef } from '../route.js';

export const embedNotFound = (name: string) => `model ${JSON.stringify(name)} not found, try pulling it first`;

const EMBED_FIELDS = { model: 'string', input: 'any', truncate: 'bool', dimensions: 'int', keep_alive: 'any', options: 'any' } as const;
const EMBEDDINGS_FIELDS = { model: 'string', prompt: 'string', keep_alive: 'any', options: 'any' } as const;

/** Ollama's default num_ctx on a small GPU (the same figure /api/ps reports). */
const DEFAULT_NUM_CTX = 4096;

// ---------- vectors ----------

/** Go's encoding of a float32: the shortest decimal that reads back as the same float32. */
export function float32Json(x: number): string {
  const f = Math.fround(x);
  for (let digits = 1; digits < 9; digits++) {
    const s = Number(f.toPrecision(digits));
    if (Math.fround(s) === f) return String(s);
  }
  return String(Number(f.toPrecision(9)));
}

const vectorJson = (v: number[], encode: (x: number) => string) => `[${v.map(encode).join(',')}]`;

// ---------- request fields ----------

/**
 * Inputs one embedding request may hold (OpenAI's own limit; Ollama sets none). The vectors are
 * computed and written in one go, and 200,000 inputs would block every server of the process for
 * minutes and then overflow the largest string V8 can build.
 */
export const MAX_EMBED_INPUTS = 2048;

export function checkInputCount(count: number): void {
  if (count > MAX_EMBED_INPUTS) throw new ApiError(400, `input: at most ${MAX_EMBED_INPUTS} items per request (the simulator's limit), got ${count}`);
}

/** `input`: a string or an array of strings; "" and [] mean "just load the model". */
function embedInputs(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return value as string[];
  throw new ApiError(400, 'invalid input type');
}

/** The context an input must fit in: options.num_ctx (default 4096), capped at the model's. */
export function contextLength(spec: ModelSpec, options: unknown): number {
  const numCtx = options !== null && typeof options === 'object' ? (options as Record<string, unknown>).num_ctx : undefined;
  if (numCtx !== undefined && numCtx !== null && (typeof numCtx !== 'number' || !Number.isInteger(numCtx))) {
    throw new ApiError(500, 'option "num_ctx" must be of type integer');
  }
  return Math.min(typeof numCtx === 'number' && numCtx > 0 ? numCtx : DEFAULT_NUM_CTX, spec.contextLength);
}

export function dimensionsValue(value: unknown, length: number): number {
  if (value === undefined || value === null || value === 0) return length;
  if ((value as number) < 0) throw new ApiError(400, `dimensions must be a positive integer, got ${value as number}`);
  return Math.min(value as number, length);
}

// ---------- the runner ----------

export interface EmbedRun {
  loadNs: number;
  totalNs: number;
}

/**
 * Attaches to the model (cold load), takes a slot, spends the prompt-eval time, then sends the
 * body `build` makes. A behavior's cut applies through ex.send. Returns null if the request
 * ended early (client gone, or 503 sent).
 */
export async function runEmbedding(ex: Exchange, server: SimServer, model: ResolvedModel, keepAliveMs: number | undefined, tokenCount: number, build: (run: EmbedRun) => string, contentType = NATIVE_JSON): Promise<void> {
  await withRunner(ex, model.key, model.spec, keepAliveMs, async (loadMs) => {
    const rate = ex.effect.timing?.promptTokensPerSec ?? server.settings.prompt_tokens_per_sec;
    if (!(await sleepUntil(now() + (tokenCount / rate) * 1000, ex.signal))) return;
    const body = build({ loadNs: msToNs(loadMs), totalNs: msToNs(now() - ex.arrived) });
    ex.send(200, { 'Content-Type': contentType }, body);
  });
}

// ---------- handlers ----------

async function handleEmbed({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.EmbedRequest', fields: EMBED_FIELDS, emptyMessage: 'missing request body' });
  const inputs = embedInputs(req.input);
  checkInputCount(inputs.length);
  const name = typeof req.model === 'string' ? req.model : '';
  if (name === '') throw new ApiError(404, "model '' not found");
  const model = resolveModel(server, name, embedNotFound);
  const keepAliveMs = keepAlive(req.keep_alive);
  const ctxLen = contextLength(model.spec, req.options);
  const dims = dimensionsValue(req.dimensions, model.spec.embeddingLength);
  if (inputs.length === 0) {
    // Loads the model and answers with no metrics (all zero, so omitted).
    await server.residency.load(model.key, model.spec, keepAliveMs);
    return ex.send(200, { 'Content-Type': NATIVE_JSON }, JSON.stringify({ model: name, embeddings: [] }));
  }
  const texts = inputs.map((text) => {
    const tokens = tokenize(text);
    if (tokens.length <= ctxLen) return tokens;
    if (req.truncate === false) throw new ApiError(400, 'the input length exceeds the context length');
    return tokens.slice(0, ctxLen);
  });
  const promptEvalCount = texts.reduce((n, t) => n + t.length, 0);
  await runEmbedding(ex, server, model, keepAliveMs, promptEvalCount, (run) => {
    const vectors = texts.map((tokens) => vectorJson(embeddingVector(server.fleet.seed, model.key, tokens.join(''), model.spec.embeddingLength, dims), float32Json));
    return `{"model":${JSON.stringify(name)},"embeddings":[${vectors.join(',')}],"total_duration":${run.totalNs},"load_duration":${run.loadNs},"prompt_eval_count":${promptEvalCount}}`;
  });
}

async function handleEmbeddings({ ex, server, body }: RouteContext): Promise<void> {
  const req = parseJsonBody(body, { struct: 'api.EmbeddingRequest', fields: EMBEDDINGS_FIELDS, emptyMessage: 'missing request body' });
  const name = typeof req.model === 'string' ? req.model : '';
  if (name === '') throw new ApiError(400, 'model is required');
  const model = resolveModel(server, name, embedNotFound);
  const keepAliveMs = keepAlive(req.keep_alive);
  const prompt = (req.prompt as string | undefined) ?? '';
  if (prompt === '') {
    await server.residency.load(model.key, model.spec, keepAliveMs);
    return ex.send(200, { 'Content-Type': NATIVE_JSON }, '{"embedding":[]}');
  }
  const tokens = tokenize(prompt).slice(0, contextLength(model.spec, req.options));
  await runEmbedding(ex, server, model, keepAliveMs, tokens.length, () => {
    // The legacy endpoint widens the runner's float32 values to float64.
    const vector = embeddingVector(server.fleet.seed, model.key, tokens.join(''), model.spec.embeddingLength);
    return `{"embedding":${vectorJson(vector, String)}}`;
  });
}

export const embedRoutes: RouteDef[] = [
  { method: 'POST', path: '/api/embed', envelope: 'native', notFound: embedNotFound, handle: handleEmbed },
  { method: 'POST', path: '/api/embeddings', envelope: 'native', notFound: embedNotFound, handle: handleEmbeddings },
];
