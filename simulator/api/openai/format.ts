// OpenAI's wire formats for /v1/chat/completions and /v1/completions (reference §2.16, §2.17), in
// the current Ollama shape: SSE `data: {json}\n\n` events with no `event:` lines, one id and one
// `created` per chat stream, role only in the first delta, a separate finish chunk, the usage chunk
// only with include_usage, then `data: [DONE]`. Non-streamed bodies are JSON ending in a newline.
import { collectPieces, type Piece, type ToolCall } from '../../engine/reply.js';
import { hash32 } from '../../engine/random.js';
import { isPlainObject } from '../../schema.js';
import { COMPAT_JSON, jsonLine } from '../compat/json.js';
import type { Exchange, Headers } from '../exchange.js';
import type { Formatter, Outcome } from '../generation.js';

export const SSE_HEADERS: Headers = { 'Content-Type': 'text/event-stream' };
const FINGERPRINT = 'fp_ollama';
const DONE = 'data: [DONE]\n\n';

export const sseData = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
export const unixNow = (): number => Math.floor(Date.now() / 1000);

function usage(o: Outcome): Record<string, number> {
  const { promptEvalCount: prompt, evalCount: completion } = o.stats;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const ZERO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

/** OpenAI tool calls: `type` added, `arguments` as a JSON string. */
export function openaiToolCalls(calls: ToolCall[]): unknown[] {
  return calls.map((c) => ({ id: c.id, index: c.index, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
}

/** Ollama rewrites a `stop` that carried tool calls to `tool_calls`; `length` stays. */
function finishReason(doneReason: Outcome['doneReason'], hadToolCalls: boolean): string {
  return hadToolCalls && doneReason === 'stop' ? 'tool_calls' : doneReason;
}

/** `stream_options.include_usage`. */
export function includeUsage(streamOptions: unknown): boolean {
  return isPlainObject(streamOptions) && streamOptions.include_usage === true;
}

/** `<prefix>-<0..998>` like Ollama's rand.Intn(999), but keyed by fleet seed, server and request. */
export function numericId(ex: Exchange, prefix: string): string {
  return `${prefix}-${hash32(ex.server.fleet.seed, ex.server.port, ex.record.seq, prefix) % 999}`;
}

export interface StreamMeta {
  id: string;
  /** The model name exactly as the request gave it. */
  model: string;
  /** stream_options.include_usage */
  withUsage: boolean;
}

export function chatCompletionFormatter({ id, model, withUsage }: StreamMeta): Formatter {
  let created: number | undefined;
  let deltasSent = 0;
  let toolCallSent = false;
  /** A content delta after the first, up to its text: the per-token hot path is a template. */
  let contentPrefix: string | undefined;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sseData({ id, object: 'chat.completion.chunk', created: (created ??= unixNow()), model, system_fingerprint: FINGERPRINT, choices, ...extra });
  const delta = (fields: Record<string, unknown>) => {
    const first = deltasSent++ === 0;
    return chunk([{ index: 0, delta: first ? { role: 'assistant', ...fields } : fields, finish_reason: null }]);
  };
  return {
    streamHeaders: SSE_HEADERS,
    piece: (p) => {
      if (p.kind === 'content' && deltasSent > 0) {
        deltasSent++;
        contentPrefix ??= `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":"${FINGERPRINT}","choices":[{"index":0,"delta":{"content":`;
        return [`${contentPrefix}${JSON.stringify(p.text)}},"finish_reason":null}]}\n\n`];
      }
      if (p.kind === 'content') return [delta({ content: p.text })];
      if (p.kind === 'thinking') return [delta({ content: '', reasoning: p.text })];
      toolCallSent = true;
      return [delta({ content: '', tool_calls: openaiToolCalls(p.calls) })];
    },
    final: (o) => [
      // The metrics-only native trailer makes a chunk only when nothing was sent before it.
      ...(deltasSent === 0 ? [delta({ content: '' })] : []),
      chunk([{ index: 0, delta: {}, finish_reason: finishReason(o.doneReason, toolCallSent) }]),
      ...(withUsage ? [chunk([], { usage: usage(o) })] : []),
      DONE,
    ],
    // The wrapper reads the native {"error":...} line as an empty chat response: one more empty
    // delta, then the stream just ends (no finish chunk, no [DONE]). Reference §3.5.
    inbandError: () => [delta({ content: '' })],
    malformed: () => `data: {"id":"${id}","object":"chat.completion.chunk","created":${created ?? unixNow()},"choices":[{"ind\n\n`,
    body: (o) => {
      const { content, thinking, calls } = collectPieces(o.pieces);
      const message = {
        role: 'assistant', content, ...(thinking ? { reasoning: thinking } : {}), ...(calls.length ? { tool_calls: openaiToolCalls(calls) } : {}),
      };
      const body = {
        id, object: 'chat.completion', created: unixNow(), model, system_fingerprint: FINGERPRINT,
        choices: [{ index: 0, message, finish_reason: finishReason(o.doneReason, calls.length > 0) }], usage: usage(o),
      };
      return { headers: COMPAT_JSON, body: jsonLine(body) };
    },
  };
}

/** Legacy completions: `choices` before `model`, `created` per chunk, zero usage on every chunk with include_usage. */
export function completionFormatter({ id, model, withUsage }: StreamMeta): Formatter {
  const chunk = (choices: unknown[], usageField: Record<string, number> | undefined) =>
    sseData({ id, object: 'text_completion', created: unixNow(), choices, model, system_fingerprint: FINGERPRINT, ...(usageField ? { usage: usageField } : {}) });
  const text = (t: string, finish: string | null) => chunk([{ text: t, index: 0, finish_reason: finish }], withUsage ? ZERO_USAGE : undefined);
  return {
    streamHeaders: SSE_HEADERS,
    piece: (p) => [text(p.kind === 'content' ? p.text : '', null)],
    final: (o) => [text('', o.doneReason), ...(withUsage ? [chunk([], usage(o))] : []), DONE],
    inbandError: () => [text('', null)],
    malformed: () => `data: {"id":"${id}","object":"text_completion","choices":[{"te\n\n`,
    body: (o) => {
      const body = {
        id, object: 'text_completion', created: unixNow(), model, system_fingerprint: FINGERPRINT,
        choices: [{ text: collectPieces(o.pieces).content, index: 0, finish_reason: o.doneReason }], usage: usage(o),
      };
      return { headers: COMPAT_JSON, body: jsonLine(body) };
    },
  };
}
