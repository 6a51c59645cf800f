// The control API changes what every simulated server does, so a web page the user happens to
// visit must not be able to drive it. Scripts (curl, the runner, SDKs) send no Origin header and
// pass untouched; the dashboard is same-origin. Two browser attacks are refused:
// - cross-site requests (CSRF): a page elsewhere POSTs to http://127.0.0.1:11500/behavior. The
//   browser sends its Origin, which is not this API's.
// - DNS rebinding: evil.example re-resolves to 127.0.0.1, so its requests are "same-origin" but
//   carry Host: evil.example. Like Ollama's own host check, this applies only while the API is bound
//   to a loopback address (bound elsewhere, any name may legitimately reach it).
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Context, Next } from 'hono';
import { discardBody } from './body-limit.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** The host name of a Host header value ("[::1]:11500" -> "::1", "a.b:1" -> "a.b"). */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  if (bracketed) return bracketed[1];
  const colon = host.lastIndexOf(':');
  return colon === -1 || host.indexOf(':') !== colon ? host : host.slice(0, colon);
}

/** A name a loopback-bound API may be reached by: an IP literal, localhost, *.localhost, this machine's name. */
function loopbackName(name: string): boolean {
  const n = name.toLowerCase();
  return isIP(n) !== 0 || n === 'localhost' || n.endsWith('.localhost') || n === hostname().toLowerCase();
}

export interface Refusal {
  field: 'Host' | 'Origin';
  error: string;
}

/** Why the request is refused, or null. `boundHost` is the address the control API listens on. */
export function refusal(headers: { origin?: string; host?: string }, boundHost: string): Refusal | null {
  const host = headers.host ?? '';
  if (LOOPBACK.test(boundHost) && host !== '' && !loopbackName(hostName(host))) {
    return { field: 'Host', error: `Host '${host}' is not a local name; the control API listens on ${boundHost} and answers only to localhost, IP addresses and this machine's name (a guard against DNS rebinding)` };
  }
  const origin = headers.origin;
  if (origin === undefined) return null;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // an opaque origin ("null"): a sandboxed page or a file
  }
  if (originHost !== null && originHost.toLowerCase() === host.toLowerCase()) return null;
  return { field: 'Origin', error: `cross-origin request refused: Origin ${origin} is not this control API (http://${host}); it takes requests from scripts (no Origin header) and from its own dashboard` };
}

/**
 * Hono middleware: 403 with the reason for a request refusal() refuses, decided before the body
 * is read (whatever its body, a refused request is a 403, never a 413); the body is then drained,
 * so the 403 is not lost to a reset over unread bytes (body-limit.ts).
 */
export function guard(boundHost: string) {
  return async (c: Context, next: Next): Promise<Response | void> => {
    const refused = refusal({ origin: c.req.header('origin'), host: c.req.header('host') }, boundHost);
    if (refused === null) return next();
    await discardBody(c);
    return c.json(refused, 403);
  };
}
