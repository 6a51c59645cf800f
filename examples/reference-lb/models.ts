// Model names: what a request asks for, what a backend has (its /api/tags), and the fleet-wide
// union the balancer answers /api/tags and /v1/models with.

/** One `models[]` entry of a backend's /api/tags, kept as sent so the union is faithful. */
export type TagEntry = { name?: unknown; model?: unknown; modified_at?: unknown; [key: string]: unknown };

/** Ollama resolves `llama3` as `registry.ollama.ai/library/llama3:latest`, case-insensitively. */
export function normalizeModel(name: string): string {
  let n = name.trim().toLowerCase();
  n = n.replace(/^registry\.ollama\.ai\//, '').replace(/^library\//, '');
  const base = n.slice(n.lastIndexOf('/') + 1);
  return base.includes(':') ? n : `${n}:latest`;
}

/** The names a tags entry answers to (`name` and `model` normally agree). */
export function entryNames(entry: TagEntry): string[] {
  return [entry.name, entry.model].filter((v): v is string => typeof v === 'string' && v !== '').map(normalizeModel);
}

/** Parses a /api/tags body; throws on anything that is not `{"models":[...]}`. */
export function parseTags(text: string): TagEntry[] {
  const body = JSON.parse(text) as { models?: unknown };
  if (body === null || typeof body !== 'object' || !Array.isArray(body.models)) {
    throw new Error('no models array in /api/tags');
  }
  return body.models.filter((m): m is TagEntry => m !== null && typeof m === 'object');
}

/** Ollama matches JSON field names case-insensitively, so `"Model"` counts too. */
function field(body: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(body).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The parsed JSON object of a request body, or undefined when it is not one. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not JSON: route anywhere and let the backend answer 400
  }
}

/** The model a request body names (`model`, or `name` for /api/show, /api/pull, ...). */
export function requestedModel(body: Record<string, unknown> | undefined): string | undefined {
  return body === undefined ? undefined : (field(body, 'model') ?? field(body, 'name'));
}

/** The first user message, which identifies a conversation for KV-cache affinity. */
export function firstUserMessage(body: Record<string, unknown> | undefined): string | undefined {
  const messages = body?.messages;
  if (!Array.isArray(messages)) return undefined;
  const first = messages.find((m) => m !== null && typeof m === 'object' && (m as { role?: unknown }).role === 'user');
  if (first === undefined) return undefined;
  const content = (first as { content?: unknown }).content;
  return typeof content === 'string' ? content : JSON.stringify(content ?? null);
}

function modifiedMs(entry: TagEntry): number {
  const ms = typeof entry.modified_at === 'string' ? Date.parse(entry.modified_at) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** Union of several backends' lists, de-duplicated by name, newest first like Ollama. */
export function unionTags(lists: readonly (readonly TagEntry[])[]): TagEntry[] {
  const seen = new Set<string>();
  const out: TagEntry[] = [];
  for (const entry of lists.flat()) {
    const key = entryNames(entry)[0];
    if (key === undefined || seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out.sort((a, b) => modifiedMs(b) - modifiedMs(a));
}

/** The OpenAI-shaped `/v1/models` list for the same entries. */
export function openAiModels(entries: readonly TagEntry[]): object {
  const data = entries.map((e) => ({
    id: typeof e.model === 'string' ? e.model : String(e.name),
    object: 'model',
    created: Math.floor(modifiedMs(e) / 1000),
    owned_by: 'library',
  }));
  return { object: 'list', data };
}
