// nginx from Debian's package, configured for the fleet: least_conn, streaming-friendly (no
// response buffering, HTTP/1.1 upstream keep-alive), the scenario's timeout as proxy_read_timeout,
// and a retry on the next upstream for errors, timeouts, 5xx and 429 before the first byte (the
// retriesBeforeFirstByte trait), with the request body buffered so it can be sent again.
// Runs in the foreground with every path (pid, logs, temp) inside the scenario's directory.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findCommand, notExecutable } from '../executables.js';
import type { LaunchContext, Target } from '../types.js';

const hostPort = (url: string) => new URL(url).host;

export function nginxConfig(ctx: LaunchContext): string {
  const dir = ctx.workDir;
  const servers = ctx.backends.map((u) => `    server ${hostPort(u)} max_fails=1 fail_timeout=2s;`).join('\n');
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr info;
events { worker_connections 1024; }
http {
  access_log off; # /dev/stdout cannot be opened on the runner's pipe; upstream errors go to error_log
  client_body_temp_path ${dir}/tmp/client_body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream ollama {
    least_conn;
${servers}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${ctx.port};
    client_max_body_size 0;
    location / {
      proxy_pass http://ollama;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_cache off;
      proxy_connect_timeout 1s;
      proxy_send_timeout ${ctx.timeoutMs}ms;
      proxy_read_timeout ${ctx.timeoutMs}ms;
      proxy_next_upstream error timeout http_500 http_502 http_503 http_504 http_429 non_idempotent;
    }
  }
}
`;
}

export const nginxTarget: Target = {
  name: 'nginx',
  description: 'nginx (Debian package) with a generated least_conn config',
  traits: {
    retriesBeforeFirstByte: true, // proxy_next_upstream, with the request body buffered
    whenAllBusy: 'queue', // forwards anyway; the backend queues
    modelAware: false,
    aggregatesTags: false,
    racesRequests: false,
    healthStates: true, // passive: max_fails=1 fail_timeout=2s
    inactivityTimeout: true, // proxy_read_timeout
    cancelsUpstream: true, // closes the upstream connection when the client goes away (buffering off)
    discovery: false,
    kvAffinity: false,
    streams: true, // proxy_buffering off
    openaiApi: true, // forwards every path
  },
  async unavailable({ binPath }) {
    if (binPath !== undefined) return notExecutable(binPath);
    return findCommand('nginx') ? null : 'nginx is not installed (apt-get install nginx)';
  },
  async launch(ctx) {
    await mkdir(join(ctx.workDir, 'tmp'), { recursive: true });
    await mkdir(join(ctx.workDir, 'logs'), { recursive: true });
    // Worker processes run as an unprivileged user when nginx starts as root: let them in.
    await chmod(ctx.workDir, 0o755);
    await writeFile(join(ctx.workDir, 'nginx.conf'), nginxConfig(ctx));
    return {
      file: ctx.binPath ?? (findCommand('nginx') as string),
      args: ['-p', ctx.workDir, '-c', join(ctx.workDir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'],
      cwd: ctx.workDir,
    };
  },
};
