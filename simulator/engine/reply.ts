// What a simulated model answers: thinking, text, JSON or a tool call, as a list of pieces that the
// generation loop paces out one token at a time. Deterministic for (seed, server, request).
import { type Rng, randomAlnum } from './random.js';
import { jsonTokens, proseTokens, thinkingTokens, valueForSchema } from './text.js';
import { tokenize } from './tokenizer.js';

export interface ToolCall {
  id: string;
  index: number;
  name: string;
  arguments: Record<string, unknown>;
}

export type Piece =
  | { kind: 'content'; text: string; tokens: 1 }
  | { kind: 'thinking'; text: string; tokens: 1 }
  | { kind: 'tool_calls'; calls: ToolCall[]; tokens: number };

export interface ToolDef {
  name: string;
  parameters?: Record<string, unknown>;
}

/**
 * The longest natural reply (num_tokens) a server or behavior may ask for: 128k, the largest common
 * context window. A reply is planned whole before its first token goes out, so an unbounded length
 * (num_tokens 1e9) would block every server of the process for good.
 */
export const MAX_NUM_TOKENS = 131_072;

export interface ReplyOptions {
  /** Natural length of the answer in tokens (the server's num_tokens or a behavior override). */
  numTokens: number;
  /** The request's limit (options.num_predict, max_tokens); below the natural length -> "length". */
  numPredict?: number;
  think: boolean;
  format?: 'json' | Record<string, unknown>;
  /** Tools the model may call; it calls the first one unless the conversation ends on a tool result. */
  tools?: ToolDef[];
  callTool: boolean;
}

export interface Reply {
  pieces: Piece[];
  doneReason: 'stop' | 'length';
  /** Every output token, in order (for the KV cache and `context`). */
  tokens: string[];
}

export function planReply(rng: Rng, o: ReplyOptions): Reply {
  const limit = o.numPredict !== undefined && o.numPredict >= 0 ? o.numPredict : Infinity;
  const thinking = o.think ? thinkingTokens(rng, Math.max(4, Math.ceil(o.numTokens / 2))) : [];
  let body: Piece[];
  let bodyTokens: string[];
  if (o.tools?.length && o.callTool) {
    const tool = o.tools[0];
    const args = valueForSchema(rng, tool.parameters as never, 1);
    const call: ToolCall = { id: `call_${randomAlnum(rng, 8)}`, index: 0, name: tool.name, arguments: (args && typeof args === 'object' ? args : {}) as Record<string, unknown> };
    bodyTokens = tokenize(JSON.stringify({ name: tool.name, arguments: call.arguments }));
    body = [{ kind: 'tool_calls', calls: [call], tokens: bodyTokens.length }];
  } else {
    bodyTokens = o.format ? jsonTokens(rng, o.format === 'json' ? undefined : o.format) : proseTokens(rng, o.numTokens, o.numTokens <= limit);
    body = bodyTokens.map((text) => ({ kind: 'content', text, tokens: 1 }));
  }
  const pieces: Piece[] = [...thinking.map((text): Piece => ({ kind: 'thinking', text, tokens: 1 })), ...body];
  const natural = pieces.reduce((n, p) => n + p.tokens, 0);
  if (natural <= limit) return { pieces, doneReason: 'stop', tokens: [...thinking, ...bodyTokens] };
  // Cut at the limit. A tool call that does not fit is never emitted (its JSON would be incomplete).
  const kept: Piece[] = [];
  let used = 0;
  for (const p of pieces) {
    if (used + p.tokens > limit) break;
    kept.push(p);
    used += p.tokens;
  }
  return { pieces: kept, doneReason: 'length', tokens: [...thinking, ...bodyTokens].slice(0, limit) };
}

/** What a reply holds once its pieces are put together (the non-streamed view). */
export function collectPieces(pieces: Piece[]): { content: string; thinking: string; calls: ToolCall[] } {
  let content = '';
  let thinking = '';
  const calls: ToolCall[] = [];
  for (const p of pieces) {
    if (p.kind === 'content') content += p.text;
    else if (p.kind === 'thinking') thinking += p.text;
    else calls.push(...p.calls);
  }
  return { content, thinking, calls };
}
