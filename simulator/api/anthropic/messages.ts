// Anthropic messages -> native messages, the way Ollama's FromMessagesRequest converts them:
// `system` (string or text blocks) becomes a system message; text, image (base64 source),
// tool_use, tool_result and thinking blocks map to native fields. Errors are the middleware's.
import type { ToolDef } from '../../engine/reply.js';
import { isPlainObject } from '../../schema.js';
import type { ChatMessage } from '../native/prompt.js';
import { goTypeName, reject } from '../compat/middleware.js';

function blockText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value.map((b) => (isPlainObject(b) && typeof b.text === 'string' ? b.text : '')).join('\n');
}

export function systemMessages(system: unknown): ChatMessage[] {
  if (system === undefined || system === null) return [];
  if (typeof system !== 'string' && !Array.isArray(system)) reject(`invalid system type: ${goTypeName(system)}`);
  const text = blockText(system);
  return text ? [{ role: 'system', content: text }] : [];
}

function imageData(block: Record<string, unknown>): string {
  const source = block.source;
  if (!isPlainObject(source) || source.type !== 'base64' || typeof source.data !== 'string') reject('invalid image source');
  return source.data;
}

function toolUse(block: Record<string, unknown>): unknown {
  if (typeof block.id !== 'string' || block.id === '') reject("tool_use block missing required 'id' field");
  if (typeof block.name !== 'string' || block.name === '') reject("tool_use block missing required 'name' field");
  return { id: block.id, function: { name: block.name, arguments: isPlainObject(block.input) ? block.input : {} } };
}

/** One Anthropic message: its text, images, tool calls and thinking; tool results become tool messages. */
function convertBlocks(role: string, blocks: unknown[]): ChatMessage[] {
  const main: ChatMessage = { role, content: '' };
  const texts: string[] = [];
  const images: unknown[] = [];
  const calls: unknown[] = [];
  const results: ChatMessage[] = [];
  for (const block of blocks) {
    if (!isPlainObject(block)) reject('invalid content block format');
    switch (block.type) {
      case 'text':
        texts.push(typeof block.text === 'string' ? block.text : '');
        break;
      case 'image':
        images.push(imageData(block));
        break;
      case 'tool_use':
        calls.push(toolUse(block));
        break;
      case 'tool_result':
        results.push({ role: 'tool', content: blockText(block.content) });
        break;
      case 'thinking':
        main.thinking = typeof block.thinking === 'string' ? block.thinking : '';
        break;
      default:
        // Other block types (redacted_thinking, server tools, ...) carry nothing the model reads.
        break;
    }
  }
  main.content = texts.join('');
  if (images.length) main.images = images;
  if (calls.length) main.tool_calls = calls;
  const hasMain = texts.length > 0 || images.length > 0 || calls.length > 0 || main.thinking !== undefined;
  return [...results, ...(hasMain ? [main] : [])];
}

export function fromAnthropicMessages(raw: unknown[]): ChatMessage[] {
  return raw.flatMap((m) => {
    if (!isPlainObject(m)) reject('invalid message format');
    const role = typeof m.role === 'string' ? m.role.toLowerCase() : '';
    if (typeof m.content === 'string') return [{ role, content: m.content }];
    if (Array.isArray(m.content)) return convertBlocks(role, m.content);
    return reject(`invalid message content type: ${goTypeName(m.content)}`);
  });
}

/** Anthropic tools (`name`, `input_schema`) as the model sees them. */
export function anthropicToolDefs(tools: unknown[] | undefined): ToolDef[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map((t) => ({
    name: isPlainObject(t) && typeof t.name === 'string' ? t.name : 'tool',
    parameters: isPlainObject(t) && isPlainObject(t.input_schema) ? t.input_schema : undefined,
  }));
}

/** `thinking.type` enabled/disabled; without it, `output_config.effort` turns thinking on. */
export function anthropicThink(thinking: unknown, outputConfig: unknown): boolean | undefined {
  if (isPlainObject(thinking) && typeof thinking.type === 'string') {
    if (thinking.type === 'enabled') return true;
    if (thinking.type === 'disabled') return false;
  }
  if (isPlainObject(outputConfig) && typeof outputConfig.effort === 'string' && outputConfig.effort !== '') return true;
  return undefined;
}
