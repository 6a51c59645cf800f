// Preset models a simulated server can have installed. Names follow Ollama's display form
// (`name:tag`); lookups normalise the way Ollama does (`llama3` means `llama3:latest`, any case).
import { createHash } from 'node:crypto';

export type Capability = 'completion' | 'tools' | 'insert' | 'vision' | 'embedding' | 'thinking';

export interface ModelSpec {
  name: string;
  family: string;
  parameterSize: string;
  quantization: string;
  size: number;
  digest: string;
  contextLength: number;
  embeddingLength: number;
  capabilities: Capability[];
  modifiedAt: string;
  /** Cold-load time for this model; unset means the server's `load_ms`. */
  loadMs?: number;
}

type Preset = Omit<ModelSpec, 'digest' | 'modifiedAt' | 'name'> & { digest?: string };

const PRESETS: Record<string, Preset> = {
  'test-model:latest': {
    family: 'test', parameterSize: '7B', quantization: 'Q4_K_M', size: 4_000_000_000,
    digest: 'abc123def456abc123def456abc123def456abc123def456abc123def456abc1',
    contextLength: 4096, embeddingLength: 384, capabilities: ['completion', 'tools'],
  },
  'llama3.2:latest': {
    family: 'llama', parameterSize: '3.2B', quantization: 'Q4_K_M', size: 2_019_393_189,
    contextLength: 131072, embeddingLength: 3072, capabilities: ['completion', 'tools'],
  },
  'qwen3:8b': {
    family: 'qwen3', parameterSize: '8.2B', quantization: 'Q4_K_M', size: 5_225_376_047,
    contextLength: 40960, embeddingLength: 4096, capabilities: ['completion', 'tools', 'thinking'],
  },
  'llava:7b': {
    family: 'llama', parameterSize: '7B', quantization: 'Q4_0', size: 4_733_363_377,
    contextLength: 32768, embeddingLength: 4096, capabilities: ['completion', 'vision'],
  },
  'deepseek-coder:1.3b-instruct-q4_0': {
    family: 'deepseek', parameterSize: '1.3B', quantization: 'Q4_0', size: 776_080_839,
    contextLength: 16384, embeddingLength: 2048, capabilities: ['completion', 'insert'],
  },
  'nomic-embed-text:latest': {
    family: 'nomic-bert', parameterSize: '137M', quantization: 'F16', size: 274_302_450,
    contextLength: 2048, embeddingLength: 768, capabilities: ['embedding'],
  },
  'all-minilm:latest': {
    family: 'bert', parameterSize: '23M', quantization: 'F16', size: 45_960_996,
    contextLength: 512, embeddingLength: 384, capabilities: ['embedding'],
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
export const DEFAULT_MODELS = ['test-model:latest', 'llama3.2:latest', 'qwen3:8b', 'nomic-embed-text:latest', 'all-minilm:latest'];

// A fixed instant, so /api/tags is byte-for-byte stable across runs.
const INSTALLED_AT = '2025-06-01T12:00:00Z';

/** Splits `[host/][namespace/]model[:tag]` and fills Ollama's defaults. Returns null if invalid. */
export function parseModelName(raw: string): { host: string; namespace: string; model: string; tag: string } | null {
  const trimmed = raw.trim();
  if (!trimmed || /\s/.test(trimmed)) return null;
  const slash = trimmed.lastIndexOf('/');
  const colon = trimmed.indexOf(':', slash + 1);
  const path = colon === -1 ? trimmed : trimmed.slice(0, colon);
  const tag = colon === -1 ? 'latest' : trimmed.slice(colon + 1);
  const parts = path.split('/');
  if (parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(p)) || !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(tag)) return null;
  const model = parts.pop()!;
  const namespace = parts.pop() ?? 'library';
  const host = parts.pop() ?? 'registry.ollama.ai';
  return { host, namespace, model, tag };
}

/** Ollama's shortest display form: `llama3.2:latest`, `user/model:tag`, `host/ns/model:tag`. */
export function displayName(raw: string): string | null {
  const p = parseModelName(raw);
  if (!p) return null;
  if (p.host !== 'registry.ollama.ai') return `${p.host}/${p.namespace}/${p.model}:${p.tag}`;
  if (p.namespace !== 'library') return `${p.namespace}/${p.model}:${p.tag}`;
  return `${p.model}:${p.tag}`;
}

export function fullyQualifiedName(raw: string): string {
  const p = parseModelName(raw)!;
  return `${p.host}/${p.namespace}/${p.model}:${p.tag}`;
}

/** The key models are stored under: display form, lower case (Ollama looks names up case-insensitively). */
export function modelKey(raw: string): string | null {
  return displayName(raw)?.toLowerCase() ?? null;
}

export function digestOf(name: string): string {
  return createHash('sha256').update(`ollama-sim:${name}`).digest('hex');
}

export function isPreset(name: string): boolean {
  const key = modelKey(name);
  return key !== null && key in PRESETS;
}

/** A preset by name, or a plausible completion model for any other valid name (so pull/create work). */
export function modelSpec(name: string, overrides: Partial<ModelSpec> = {}): ModelSpec {
  const display = displayName(name);
  if (!display) throw new Error(`invalid model name ${JSON.stringify(name)}`);
  const preset: Preset = PRESETS[display.toLowerCase()] ?? {
    family: 'llama', parameterSize: '7B', quantization: 'Q4_K_M', size: 4_109_865_159,
    contextLength: 8192, embeddingLength: 4096, capabilities: ['completion'],
  };
  const { digest, ...rest } = preset;
  return { name: display, digest: digest ?? digestOf(display), modifiedAt: INSTALLED_AT, ...rest, ...overrides };
}
