// HAProxy from Debian's package, configured for the fleet: leastconn, L7 retries (connection
// failures, empty responses, 5xx, response timeout) with redispatch to another server, the
// scenario's timeout as `timeout server` (an inactivity timeout), active health checks plus
// observed layer-7 errors, and `option http-no-delay` (without it HAProxy sends chunked bodies with
// MSG_MORE and the kernel may hold each token up to 200 ms). Runs in the foreground (-db).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findCommand, notExecutable } from '../executables.js';
import type { LaunchContext, Target } from '../types.js';

export function haproxyConfig(ctx: LaunchContext): string {
  const servers = ctx.backends
    .map((u, i) => `  server s${i} ${new URL(u).host} check inter 1s fall 2 rise 2 observe layer7 error-limit 2 on-error mark-down`)
    .join('\n');
  return `global
  log stdout format raw local0 info

defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 1h
  timeout server ${ctx.timeoutMs}ms
  timeout queue 30s
  retries 2
  option redispatch 1
  retry-on all-retryable-errors
  option http-buffer-request
  option http-no-delay

frontend lb
  bind 127.0.0.1:${ctx.port}
  default_backend ollama

backend ollama
  balance leastconn
  option httpchk
  http-check send meth GET uri / ver HTTP/1.1 hdr host localhost
${servers}
`;
}

export const haproxyTarget: Target = {
  name: 'haproxy',
  description: 'HAProxy (Debian package) with a generated leastconn config',
  traits: {
    retriesBeforeFirstByte: true, // retry-on all-retryable-errors + option redispatch
    whenAllBusy: 'queue', // no maxconn: forwards; the backend queues
    modelAware: false,
    aggregatesTags: false,
    racesRequests: false,
    healthStates: true, // active checks (GET /) and observed layer-7 errors mark servers down and up
    inactivityTimeout: true, // timeout server
    cancelsUpstream: true, // a client abort closes the server side
    discovery: false,
    kvAffinity: false,
    streams: true,
    openaiApi: true,
  },
  async unavailable({ binPath }) {
    if (binPath !== undefined) return notExecutable(binPath);
    return findCommand('haproxy') ? null : 'haproxy is not installed (apt-get install haproxy)';
  },
  async launch(ctx) {
    const cfg = join(ctx.workDir, 'haproxy.cfg');
    await writeFile(cfg, haproxyConfig(ctx));
    return { file: ctx.binPath ?? (findCommand('haproxy') as string), args: ['-f', cfg, '-db'], cwd: ctx.workDir };
  },
};
