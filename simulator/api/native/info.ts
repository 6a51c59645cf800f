// The read-only native endpoints: GET|HEAD /, /api/version, /api/tags and GET /api/ps.
import type { ModelSpec } from '../../engine/models.js';
import { now } from '../../engine/clock.js';
import { BodyCache } from '../cached-body.js';
import { NATIVE_JSON } from '../errors.js';
import type { RouteDef } from '../route.js';

export function details(m: ModelSpec): Record<string, unknown> {
  return {
    parent_model: '', format: 'gguf', family: m.family, families: [m.family], parameter_size: m.parameterSize,
    quantization_level: m.quantization,
  };
}

export function tagsEntry(m: ModelSpec): Record<string, unknown> {
  return {
    name: m.name, model: m.name, modified_at: m.modifiedAt, size: m.size, digest: m.digest,
    details: { ...details(m), context_length: m.contextLength, embedding_length: m.embeddingLength },
    capabilities: m.capabilities,
  };
}

const JSON_HEAD = { 'Content-Type': NATIVE_JSON };
const versions = new BodyCache();
const tags = new BodyCache();

// Far enough ahead to mean "never" (Go's now + MaxInt64 ns is ~292 years).
const FOREVER_MS = 292 * 365.25 * 24 * 3600 * 1000;

export const infoRoutes: RouteDef[] = [
  {
    method: 'GET', path: '/', head: true, envelope: 'native',
    handle: ({ ex }) => ex.send(200, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Ollama is running'),
  },
  {
    method: 'GET', path: '/api/version', head: true, envelope: 'native',
    handle: ({ ex, server }) => {
      const version = server.settings.version;
      const cached = versions.get(server, [version], () => JSON.stringify({ version }));
      ex.send(200, JSON_HEAD, cached.body, cached.sha256);
    },
  },
  {
    method: 'GET', path: '/api/tags', head: true, envelope: 'native',
    handle: ({ ex, server }) => {
      const installed = [...server.models.values()];
      const cached = tags.get(server, installed, () => {
        // Newest first, like Ollama (a pulled, copied or created model leads the list).
        const models = [...installed].sort((a, b) => Date.parse(b.modifiedAt) - Date.parse(a.modifiedAt)).map(tagsEntry);
        return JSON.stringify({ models });
      });
      ex.send(200, JSON_HEAD, cached.body, cached.sha256);
    },
  },
  {
    method: 'GET', path: '/api/ps', envelope: 'native',
    handle: ({ ex, server }) => {
      const t = now();
      const models = server.residency
        .list()
        .sort((a, b) => b.expiresAt - a.expiresAt)
        .map((m) => {
          const remaining = m.expiresAt === Infinity ? FOREVER_MS : m.expiresAt - t;
          return {
            name: m.spec.name, model: m.spec.name, size: m.spec.size, digest: m.spec.digest, details: details(m.spec),
            expires_at: new Date(Date.now() + Math.max(0, remaining)).toISOString(), size_vram: m.spec.size,
            context_length: Math.min(4096, m.spec.contextLength),
          };
        });
      ex.send(200, { 'Content-Type': NATIVE_JSON }, JSON.stringify({ models }));
    },
  },
];
