// Ollama's native NDJSON wire format for /api/chat and /api/generate (reference §2.6, §2.7):
// field order as Ollama writes it, one object per line, metrics only on the final done line.
import { collectPieces, type Piece, type ToolCall } from '../../engine/reply.js';
import { isoNow } from '../../engine/clock.js';
import { tokenId } from '../../engine/tokenizer.js';
import { NATIVE_JSON } from '../errors.js';
import type { Formatter, Outcome } from '../generation.js';

const NDJSON = { 'Content-Type': 'application/x-ndjson' };

const createdAt = isoNow;

function metrics(o: Outcome): Record<string, number> {
  const s = o.stats;
  return {
    total_duration: s.totalNs, load_duration: s.loadNs, prompt_eval_count: s.promptEvalCount,
    prompt_eval_duration: s.promptEvalNs, eval_count: s.evalCount, eval_duration: s.evalNs,
  };
}

function nativeToolCalls(calls: ToolCall[]): unknown[] {
  return calls.map((c) => ({ id: c.id, function: { index: c.index, name: c.name, arguments: c.arguments } }));
}

const line = (o: unknown): string => JSON.stringify(o) + '\n';

const malformed = (model: string) => `{"model":${JSON.stringify(model)},"created_at":"${createdAt()}","message":{"role":"assist\n`;

function chatMessage(content: string, thinking: string, calls: ToolCall[]): Record<string, unknown> {
  return {
    role: 'assistant',
    content,
    ...(thinking ? { thinking } : {}),
    ...(calls.length ? { tool_calls: nativeToolCalls(calls) } : {}),
  };
}

export function chatFormatter(model: string): Formatter {
  const chatPrefix = `{"model":${JSON.stringify(model)},"created_at":`;
  return {
    streamHeaders: NDJSON,
    piece: (p) => {
      // The hot path (one call per token): plain text, written without building objects.
      if (p.kind === 'content') return [`${chatPrefix}"${createdAt()}","message":{"role":"assistant","content":${JSON.stringify(p.text)}},"done":false}\n`];
      const message = p.kind === 'thinking' ? chatMessage('', p.text, []) : chatMessage('', '', p.calls);
      return [line({ model, created_at: createdAt(), message, done: false })];
    },
    final: (o) => [line({ model, created_at: createdAt(), message: { role: 'assistant', content: '' }, done: true, done_reason: o.doneReason, ...metrics(o) })],
    inbandError: (message) => [line({ error: message })],
    malformed: () => malformed(model),
    body: (o) => {
      const { content, thinking, calls } = collectPieces(o.pieces);
      const body = { model, created_at: createdAt(), message: chatMessage(content, thinking, calls), done: true, done_reason: o.doneReason, ...metrics(o) };
      return { headers: { 'Content-Type': NATIVE_JSON }, body: JSON.stringify(body) };
    },
  };
}

export function generateFormatter(model: string, promptTokens: string[], raw: boolean): Formatter {
  const context = (o: Outcome) => (raw ? {} : { context: [...promptTokens, ...o.reply.tokens.slice(0, o.stats.evalCount)].map(tokenId) });
  const generatePrefix = `{"model":${JSON.stringify(model)},"created_at":`;
  return {
    streamHeaders: NDJSON,
    piece: (p) => {
      // The hot path, as for chat: the line is a template around the token.
      if (p.kind === 'content') return [`${generatePrefix}"${createdAt()}","response":${JSON.stringify(p.text)},"done":false}\n`];
      const fields = p.kind === 'thinking' ? { response: '', thinking: p.text } : { response: '' };
      return [line({ model, created_at: createdAt(), ...fields, done: false })];
    },
    final: (o) => [line({ model, created_at: createdAt(), response: '', done: true, done_reason: o.doneReason, ...context(o), ...metrics(o) })],
    inbandError: (message) => [line({ error: message })],
    malformed: () => malformed(model),
    body: (o) => {
      const { content, thinking } = collectPieces(o.pieces);
      const body = {
        model, created_at: createdAt(), response: content, ...(thinking ? { thinking } : {}), done: true,
        done_reason: o.doneReason, ...context(o), ...metrics(o),
      };
      return { headers: { 'Content-Type': NATIVE_JSON }, body: JSON.stringify(body) };
    },
  };
}

/** The load/unload shortcuts: one plain JSON object whatever `stream` says. */
export function lifecycleBody(kind: 'chat' | 'generate', model: string, reason: 'load' | 'unload'): string {
  const base = { model, created_at: createdAt() };
  return JSON.stringify(kind === 'chat'
    ? { ...base, message: { role: 'assistant', content: '' }, done: true, done_reason: reason }
    : { ...base, response: '', done: true, done_reason: reason });
}
