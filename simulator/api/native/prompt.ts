// Prompt tokens as the simulated runner sees them: a role marker and the text of each message, the
// tool definitions, and a marker per image. The KV cache matches on these.
import { tokenize } from '../../engine/tokenizer.js';

export interface ChatMessage {
  role: string;
  content: string;
  images?: unknown[];
  tool_calls?: unknown[];
  thinking?: string;
}

/** out.push(...tokens) without spreading: a 5 MB prompt is over a million tokens, past V8's argument limit. */
function append(out: string[], marker: string, text: string): void {
  out.push(marker);
  for (const t of tokenize(text)) out.push(t);
}

export function chatPromptTokens(messages: ChatMessage[], tools?: unknown[]): string[] {
  const out: string[] = [];
  if (tools?.length) append(out, '<|tools|>', JSON.stringify(tools));
  for (const m of messages) {
    append(out, `<|${m.role}|>`, m.content);
    for (let i = 0; i < (m.images?.length ?? 0); i++) out.push('<|image|>');
    if (m.tool_calls?.length) for (const t of tokenize(JSON.stringify(m.tool_calls))) out.push(t);
  }
  out.push('<|assistant|>');
  return out;
}

export function generatePromptTokens(prompt: string, system?: string, suffix?: string): string[] {
  const out: string[] = [];
  if (system) append(out, '<|system|>', system);
  append(out, '<|user|>', prompt);
  if (suffix) append(out, '<|suffix|>', suffix);
  out.push('<|assistant|>');
  return out;
}
