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

export function chatPromptTokens(messages: ChatMessage[], tools?: unknown[]): string[] {
  const out: string[] = [];
  if (tools?.length) out.push('<|tools|>', ...tokenize(JSON.stringify(tools)));
  for (const m of messages) {
    out.push(`<|${m.role}|>`, ...tokenize(m.content));
    for (let i = 0; i < (m.images?.length ?? 0); i++) out.push('<|image|>');
    if (m.tool_calls?.length) out.push(...tokenize(JSON.stringify(m.tool_calls)));
  }
  out.push('<|assistant|>');
  return out;
}

export function generatePromptTokens(prompt: string, system?: string, suffix?: string): string[] {
  const out: string[] = [];
  if (system) out.push('<|system|>', ...tokenize(system));
  out.push('<|user|>', ...tokenize(prompt));
  if (suffix) out.push('<|suffix|>', ...tokenize(suffix));
  out.push('<|assistant|>');
  return out;
}
