// Tests that need a program this project does not ship (nginx, HAProxy, the Rust load balancers,
// Chromium). On a developer's machine without it, such a test is skipped with one loud line that
// names what to install, so `npm ci && npm test` passes on a fresh machine. CI must prove them, so
// OLLAMA_SIM_REQUIRE (`all`, or a comma list of names) turns the skip into a failure; .ci/run sets
// it to `all` after installing everything.
import { test } from 'uvu';
import * as assert from 'uvu/assert';

export interface Requirement {
  /** Short name used in OLLAMA_SIM_REQUIRE and in the skip line, e.g. 'nginx'. */
  name: string;
  /** Null when the program is there, else why not (e.g. "nginx is not on PATH"). */
  missing: () => string | null | Promise<string | null>;
  /** What to run to get it, e.g. 'apt-get install -y nginx'. */
  install: string;
}

type TestFn = Parameters<typeof test>[1];

/** True when OLLAMA_SIM_REQUIRE says a missing `name` is a failure, not a skip. */
export function required(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const words = (env.OLLAMA_SIM_REQUIRE ?? '').split(',').map((w) => w.trim()).filter(Boolean);
  return words.includes('all') || words.includes(name);
}

/** The line printed for a skip; scripts/run-tests.mjs collects lines starting with this marker. */
export const SKIP_MARKER = 'SKIPPED (needs';

/**
 * Registers `fn` as a uvu test that runs only when `req` is met. Missing and not required: a
 * skipped test and a loud line on stdout. Missing and required: a failing test that says what is
 * missing and how to install it.
 */
export async function testNeeding(req: Requirement, name: string, fn: TestFn): Promise<void> {
  const why = await req.missing();
  if (why === null) {
    test(name, fn);
  } else if (required(req.name)) {
    test(name, () => assert.unreachable(`${why}; OLLAMA_SIM_REQUIRE makes this a failure. Install it: ${req.install}`));
  } else {
    console.log(`${SKIP_MARKER} ${req.name}) ${name}: ${why}. Install it: ${req.install}`);
    test.skip(name, fn);
  }
}

/** A real load balancer the runner can target (nginx, haproxy), looked up the way the runner does. */
export function balancerRequirement(target: 'nginx' | 'haproxy'): Requirement {
  return {
    name: target,
    missing: async () => {
      const why = await (await import('../runner/targets/index.js')).resolveTarget({ target }).unavailable({ binPath: undefined });
      return why?.replace(/ \(apt-get install [^)]*\)$/, '') ?? null; // the skip line says how to install it
    },
    install: `apt-get install -y ${target}`,
  };
}
