// Ollama's CORS rules (gin-contrib/cors with OLLAMA_ORIGINS defaults, reference §5.2). Requests
// without an Origin, or from the server's own origin, get no CORS processing at all.
import type { IncomingMessage } from 'node:http';
import { NO_HEADERS, type Headers } from './exchange.js';

const DEFAULT_ORIGINS = [
  'http://localhost', 'https://localhost', 'http://localhost:*', 'https://localhost:*',
  'http://127.0.0.1', 'https://127.0.0.1', 'http://127.0.0.1:*', 'https://127.0.0.1:*',
  'http://0.0.0.0', 'https://0.0.0.0', 'http://0.0.0.0:*', 'https://0.0.0.0:*',
  'app://*', 'file://*', 'tauri://*', 'vscode-webview://*', 'vscode-file://*',
];

const ALLOW_HEADERS =
  'Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,X-Stainless-Arch,X-Stainless-Async,X-Stainless-Custom-Poll-Interval,X-Stainless-Helper-Method,X-Stainless-Lang,X-Stainless-Os,X-Stainless-Package-Version,X-Stainless-Poll-Helper,X-Stainless-Retry-Count,X-Stainless-Runtime,X-Stainless-Runtime-Version,X-Stainless-Timeout';

function allowed(origin: string): boolean {
  return DEFAULT_ORIGINS.some((p) => {
    const star = p.indexOf('*');
    if (star === -1) return p === origin;
    return origin.startsWith(p.slice(0, star)) && origin.endsWith(p.slice(star + 1));
  });
}

function crossOrigin(req: IncomingMessage): string | null {
  const origin = req.headers.origin;
  if (!origin) return null;
  const host = req.headers.host;
  if (origin === `http://${host}` || origin === `https://${host}`) return null;
  return origin;
}

/** Headers to add, {} for same-origin requests, or 'forbidden' (403, empty body). */
export function corsHeaders(req: IncomingMessage): Headers | 'forbidden' {
  const origin = crossOrigin(req);
  if (origin === null) return NO_HEADERS;
  if (!allowed(origin)) return 'forbidden';
  return { Vary: 'Origin', 'Access-Control-Allow-Origin': origin };
}

/** The 204 answer to an allowed preflight (any path), 403 to a forbidden one, null if not CORS. */
export function corsPreflight(req: IncomingMessage): { status: number; headers: Headers } | null {
  const origin = crossOrigin(req);
  if (origin === null) return null;
  if (!allowed(origin)) return { status: 403, headers: {} };
  return {
    status: 204,
    headers: {
      'Access-Control-Allow-Methods': 'GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS',
      'Access-Control-Allow-Headers': ALLOW_HEADERS,
      'Access-Control-Max-Age': '43200',
      Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      'Access-Control-Allow-Origin': origin,
    },
  };
}
