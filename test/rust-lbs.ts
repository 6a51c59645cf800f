// Where tests find the Rust load balancers scripts/build-rust-lbs.sh builds: DIR/bin/<name>, where
// DIR is $OLLAMA_SIM_RUST_LBS (.ci/run sets it to the script's --out) or else the script's own
// default, ${XDG_CACHE_HOME:-$HOME/.cache}/ollama-sim/rust-lbs. Each binary is a requirement for
// testNeeding: missing, a loud skip on a developer's machine, a failure in CI.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { notExecutable } from '../runner/executables.js';
import type { Requirement } from './requirements.js';

export const RUST_LBS = ['ollama-load-balancer', 'ollama-load-balancer-f3'] as const;
export type RustLb = (typeof RUST_LBS)[number];

export function isRustLb(name: string): name is RustLb {
  return (RUST_LBS as readonly string[]).includes(name);
}

export function rustLbDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OLLAMA_SIM_RUST_LBS || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ollama-sim', 'rust-lbs');
}

/** The built binary of a Rust target (named like the target). */
export function rustLbBin(name: RustLb): string {
  return join(rustLbDir(), 'bin', name);
}

export function rustLbRequirement(name: RustLb): Requirement {
  const bin = rustLbBin(name);
  return {
    name,
    missing: () => {
      const why = notExecutable(bin);
      return why === null ? null : `${why} (set OLLAMA_SIM_RUST_LBS to the build dir)`;
    },
    install: 'apt-get install -y $(scripts/build-rust-lbs.sh --apt-packages) && scripts/build-rust-lbs.sh',
  };
}
