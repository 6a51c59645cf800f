// BigBIueWhale/ollama_load_balancer 1.0.3 (Rust): `--server URL=NAME` repeated, `--timeout SECONDS`,
// always listens on 0.0.0.0:11434. Picks the first idle Reliable server in CLI order, answers 503
// when every server is busy, never retries (a failed attempt is a 502 and a demotion).
import { notExecutable, wholeSeconds } from '../executables.js';
import type { Target } from '../types.js';

export const NEEDS_BIN = 'pass --lb-bin PATH to the ollama_load_balancer binary (cargo build --release, then target/release/ollama_load_balancer)';

export const ollamaLoadBalancerTarget: Target = {
  name: 'ollama-load-balancer',
  description: 'BigBIueWhale/ollama_load_balancer 1.0.3 (fixed port 11434; scenarios run one at a time)',
  traits: {
    retriesBeforeFirstByte: false,
    whenAllBusy: 'reject',
    modelAware: false,
    aggregatesTags: false,
    racesRequests: false,
    healthStates: true, // Reliable / Unreliable / SecondChanceGiven: prefers Reliable, lets others back in
    inactivityTimeout: true, // reqwest read_timeout, reset by every read
    cancelsUpstream: true, // the client's disconnect drops the upstream body
    discovery: false,
    kvAffinity: false,
    streams: true,
    openaiApi: true, // forwards every path verbatim
  },
  fixedPort: 11434,
  whenUnavailable: 'error',
  async unavailable({ binPath }) {
    if (binPath === undefined) return NEEDS_BIN;
    const why = notExecutable(binPath);
    return why === null ? null : `--lb-bin ${why}; ${NEEDS_BIN}`;
  },
  async launch(ctx) {
    return {
      file: ctx.binPath as string,
      args: [...ctx.backends.flatMap((u, i) => ['--server', `${u}=s${i}`]), '--timeout', String(wholeSeconds(ctx.timeoutMs))],
      cwd: ctx.workDir,
    };
  },
};
