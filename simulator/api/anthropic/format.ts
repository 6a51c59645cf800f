// Anthropic's wire format for /v1/messages (reference §2.20): `event: <type>\ndata: <json>\n\n`
// events (no pings): message_start, one content block per thinking run / text run / tool call,
// message_delta with the stop reason, message_stop. Non-streamed: one message object + newline.
import { collectPieces, type Piece, type ToolCall } from '../../engine/reply.js';
import type { Headers } from '../exchange.js';
import type { Formatter, Outcome } from '../generation.js';
import { COMPAT_JSON, jsonLine } from '../compat/json.js';

const STREAM_HEADERS: Headers = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' };

const event = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** event('content_block_delta', ...) of a text delta, as a template: one per token. */
const textDelta = (index: number, text: string): string =>
  `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`;

function stopReason(o: Outcome, hadToolCalls: boolean): string {
  if (hadToolCalls) return 'tool_use';
  return o.doneReason === 'length' ? 'max_tokens' : 'end_turn';
}

const usage = (o: Outcome) => ({ input_tokens: o.stats.promptEvalCount, output_tokens: o.stats.evalCount });

const toolUseBlock = (c: ToolCall, input: unknown) => ({ type: 'tool_use', id: c.id, name: c.name, input });

export interface MessageMeta {
  id: string;
  model: string;
  /** message_start's input_tokens: an estimate (characters / 4), as the real counts come last. */
  inputEstimate: number;
}

export function messagesFormatter({ id, model, inputEstimate }: MessageMeta): Formatter {
  let started = false;
  let index = -1;
  let open: 'thinking' | 'text' | null = null;
  let toolCallSent = false;

  const start = (): string[] => {
    if (started) return [];
    started = true;
    const message = { id, type: 'message', role: 'assistant', model, content: [], usage: { input_tokens: inputEstimate, output_tokens: 0 } };
    return [event('message_start', { message })];
  };
  const close = (): string[] => {
    if (open === null) return [];
    open = null;
    return [event('content_block_stop', { index })];
  };
  /** Opens a thinking or text block unless one of that kind is open. */
  const openBlock = (kind: 'thinking' | 'text'): string[] => {
    if (open === kind) return [];
    const out = close();
    open = kind;
    index++;
    out.push(event('content_block_start', { index, content_block: kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '' } }));
    return out;
  };
  const toolBlocks = (calls: ToolCall[]): string[] =>
    calls.flatMap((c) => {
      index++;
      return [
        event('content_block_start', { index, content_block: toolUseBlock(c, {}) }),
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(c.arguments) } }),
        event('content_block_stop', { index }),
      ];
    });

  const piece = (p: Piece): string[] => {
    const out = start();
    if (p.kind === 'thinking') {
      out.push(...openBlock('thinking'), event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: p.text } }));
    } else if (p.kind === 'content') {
      out.push(...openBlock('text'), textDelta(index, p.text));
    } else {
      toolCallSent = true;
      out.push(...close(), ...toolBlocks(p.calls));
    }
    return out;
  };

  return {
    streamHeaders: STREAM_HEADERS,
    piece,
    final: (o) => [
      ...start(),
      ...close(),
      event('message_delta', { delta: { stop_reason: stopReason(o, toolCallSent) }, usage: usage(o) }),
      event('message_stop', {}),
    ],
    // The native error line becomes no event (only message_start if nothing was sent), and the
    // stream ends without message_stop. Reference §3.5.
    inbandError: () => start(),
    malformed: () => `event: content_block_delta\ndata: {"type":"content_block_delta","index":${Math.max(index, 0)},"delta":{"type":"text_del\n\n`,
    body: (o) => {
      const { content, thinking, calls } = collectPieces(o.pieces);
      const blocks = [
        ...(thinking ? [{ type: 'thinking', thinking }] : []),
        ...(content ? [{ type: 'text', text: content }] : []),
        ...calls.map((c) => toolUseBlock(c, c.arguments)),
      ];
      const body = {
        id, type: 'message', role: 'assistant', model, content: blocks.length ? blocks : null,
        stop_reason: stopReason(o, calls.length > 0), usage: usage(o),
      };
      return { headers: COMPAT_JSON, body: jsonLine(body) };
    },
  };
}
