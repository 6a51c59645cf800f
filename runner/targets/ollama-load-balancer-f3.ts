// Jerry-Terrasse/ollama_load_balancer (the "F3" fork, 2.x): `-l ADDR`, `--servers URL=NAME`
// repeated (or `--server-file`), `--timeout` (non-chat requests), `--timeout-ft` (first token),
// `--time-measure`. Races /api/chat to several backends chosen by health score and returns the
// fastest stream; answers /api/tags itself and filters backends by model.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { notExecutable, wholeSeconds } from '../executables.js';
import type { Target } from '../types.js';

const NEEDS_BIN = 'pass --lb-bin PATH to the ollama_load_balancer (F3 fork) binary (cargo build --release, then target/release/ollama_load_balancer)';

export const ollamaLoadBalancerF3Target: Target = {
  name: 'ollama-load-balancer-f3',
  description: 'the F3 fork of ollama_load_balancer: races chat requests, returns the fastest',
  traits: {
    retriesBeforeFirstByte: false, // it races instead of retrying, and only /api/chat
    whenAllBusy: 'queue', // it forwards regardless of load
    modelAware: true,
    aggregatesTags: true,
    racesRequests: true,
    healthStates: true, // health values go down on errors and up on success
    inactivityTimeout: true, // --timeout-ft for the first token, --timeout for the rest
    cancelsUpstream: false, // not documented; losers of a race keep running until they end
    discovery: false, // /add_server and /sync_servers are not implemented
    kvAffinity: false,
    streams: true,
    openaiApi: false, // only the native endpoints it lists
  },
  whenUnavailable: 'error',
  readinessPath: '/', // answered by the balancer itself
  async unavailable({ binPath }) {
    if (binPath === undefined) return NEEDS_BIN;
    const why = notExecutable(binPath);
    return why === null ? null : `--lb-bin ${why}; ${NEEDS_BIN}`;
  },
  async launch(ctx) {
    const serverFile = join(ctx.workDir, 'servers.txt');
    await writeFile(serverFile, ctx.backends.map((u, i) => `${u}=s${i}\n`).join(''));
    const seconds = String(wholeSeconds(ctx.timeoutMs));
    return {
      file: ctx.binPath as string,
      args: ['-l', `127.0.0.1:${ctx.port}`, '--server-file', serverFile, '--timeout', seconds, '--timeout-ft', seconds],
      cwd: ctx.workDir,
    };
  },
};
