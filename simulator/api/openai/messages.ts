// OpenAI chat messages -> native messages, the way Ollama's FromChatRequest converts them: a string
// content is one message; each part of a parts array (text, image_url data URI) becomes its own
// message; tool-call arguments arrive as JSON strings. Errors are the middleware's exact strings.
import { isPlainObject } from '../../schema.js';
import type { ChatMessage } from '../native/prompt.js';
import { goTypeName, jsonKind, reject } from '../compat/middleware.js';

const IMAGE_PREFIXES = ['data:;base64,', ...['jpeg', 'jpg', 'png', 'webp'].map((t) => `data:image/${t};base64,`)];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeImageUrl(url: string): string {
  if (url.startsWith('http://') || url.startsWith('https://')) reject('image URLs are not currently supported, please use base64 encoded data instead');
  const prefix = IMAGE_PREFIXES.find((p) => url.startsWith(p));
  const data = prefix === undefined ? '' : url.slice(prefix.length);
  if (prefix === undefined || data.length % 4 !== 0 || !BASE64.test(data)) reject('invalid image input');
  return data;
}

function imageUrlOf(part: Record<string, unknown>): string {
  const v = part.image_url;
  const url = isPlainObject(v) ? v.url : v;
  if (typeof url !== 'string') reject('invalid message format');
  return url;
}

function partMessage(role: string, part: unknown): ChatMessage {
  if (!isPlainObject(part)) reject('invalid message format');
  if (part.type === 'text') {
    if (typeof part.text !== 'string') reject('invalid message format');
    return { role, content: part.text };
  }
  if (part.type === 'image_url') return { role, content: '', images: [decodeImageUrl(imageUrlOf(part))] };
  return reject('invalid message format');
}

/** Native tool calls from OpenAI ones; `arguments` must be a JSON object in a string. */
function toolCalls(value: unknown): unknown[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.map((c, index) => {
    const fn = isPlainObject(c) && isPlainObject(c.function) ? c.function : {};
    let args: unknown = {};
    if (typeof fn.arguments === 'string' && fn.arguments !== '') {
      try {
        args = JSON.parse(fn.arguments);
      } catch {
        reject('invalid tool call arguments');
      }
    }
    return { id: isPlainObject(c) ? c.id : undefined, function: { index, name: fn.name, arguments: args } };
  });
}

export function fromOpenAIMessages(raw: unknown[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const item of raw) {
    // A JSON null decodes to an empty message in Go.
    const m = item === null ? {} : item;
    if (!isPlainObject(m)) reject(`json: cannot unmarshal ${jsonKind(m)} into Go struct field ChatCompletionRequest.messages of type openai.Message`);
    const role = typeof m.role === 'string' ? m.role.toLowerCase() : '';
    const calls = toolCalls(m.tool_calls);
    if (typeof m.content === 'string') {
      out.push({ role, content: m.content, tool_calls: calls });
    } else if (Array.isArray(m.content)) {
      for (const part of m.content) out.push(partMessage(role, part)); // no spread: a list may be longer than V8's argument limit
      if (calls && out.length) out[out.length - 1].tool_calls = calls;
    } else {
      // Content may be left out only by an assistant message that carries tool calls.
      if (m.tool_calls === undefined || m.tool_calls === null) reject(`invalid message content type: ${goTypeName(m.content)}`);
      out.push({ role, content: '', tool_calls: calls });
    }
  }
  return out;
}
