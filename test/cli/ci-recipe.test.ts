// The README's GitHub Actions recipe (the yaml block after `<!-- recipe:github-actions -->`), run
// the way the runner runs it: every step with `run:`, in order, each as `bash --noprofile --norc
// -e -o pipefail` in a project that has the packed ollama-sim in devDependencies, with the job's
// `env:`. The run lines are used exactly as written; only the port numbers in the `env:` values
// are replaced by free ones (the lines themselves hold no port, which is checked). The project's
// `npm test` is a stand-in suite that chats with $OLLAMA_HOST. Once it passes and once it fails:
// either way no process of any step and no port may be left afterwards.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { eventually, freePorts, groupAlive, refuses } from '../helpers.js';
import { packedApp, root, shellEnv } from './packed-app.js';

const MARKER = '<!-- recipe:github-actions -->';
const STEP_TIMEOUT_MS = 120_000;

interface Recipe {
  env: Record<string, string>;
  runs: string[];
}

function readRecipe(): Recipe {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  assert.ok(at >= 0, `README.md has no ${MARKER}`);
  const block = /^```yaml\n([\s\S]*?)^```/m.exec(readme.slice(at));
  assert.ok(block, `no yaml block after ${MARKER}`);
  const doc = parse(block[1]) as { jobs: Record<string, { env?: Record<string, unknown>; steps: Array<{ run?: string }> }> };
  const job = Object.values(doc.jobs)[0];
  const env = Object.fromEntries(Object.entries(job.env ?? {}).map(([k, v]) => [k, String(v)]));
  return { env, runs: job.steps.flatMap((s) => (s.run === undefined ? [] : [s.run])) };
}

const PORT = /\b\d{4,5}\b/;

/** The job's env with every port number mapped to a free port, the same number to the same port. */
async function withFreePorts(env: Record<string, string>): Promise<{ env: Record<string, string>; ports: number[] }> {
  const written = [...new Set(Object.values(env).flatMap((v) => v.match(new RegExp(PORT, 'g')) ?? []))];
  const free = await freePorts(written.length);
  const map = new Map(written.map((p, i) => [p, String(free[i])]));
  return { env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(new RegExp(PORT, 'g'), (p) => map.get(p)!)])), ports: free };
}

const work = mkdtempSync(join(tmpdir(), 'ollama-sim-recipe-'));
const app = packedApp(work, { test: 'node suite.mjs' });
const recipe = readRecipe();

// The stand-in for the user's suite: a chat through $OLLAMA_HOST, then pass or fail.
function writeSuite(passes: boolean): void {
  writeFileSync(join(app, 'suite.mjs'), `
const res = await fetch(process.env.OLLAMA_HOST + '/api/chat', { method: 'POST', body: JSON.stringify({ model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'hi' }] }) });
const body = await res.json();
if (!body.done) { console.error('suite: no answer from', process.env.OLLAMA_HOST, body); process.exit(1); }
console.log('suite: chat answered');
${passes ? '' : "console.error('suite: a test failed'); process.exit(1);"}
`);
}

interface StepResult {
  code: number | null;
  output: string;
  pgid: number;
}

/** One `run:` step as GitHub runs it: a script file for bash, in its own process group. */
async function runStep(script: string, index: number, env: NodeJS.ProcessEnv): Promise<StepResult> {
  const file = join(work, `step-${index}.sh`);
  writeFileSync(file, script);
  const child = spawn('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', file], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), STEP_TIMEOUT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output, pgid: child.pid! };
}

async function runRecipe(suitePasses: boolean): Promise<void> {
  writeSuite(suitePasses);
  const { env, ports } = await withFreePorts(recipe.env);
  const stepEnv = shellEnv({ ...env, CI: 'true', GITHUB_ACTIONS: 'true' });
  const results: StepResult[] = [];
  try {
    for (const [i, script] of recipe.runs.entries()) {
      const r = await runStep(script, i, stepEnv);
      results.push(r);
      if (r.code !== 0) break; // a failed step ends the job
    }
    const log = results.map((r, i) => `--- step ${i} (exit ${r.code}):\n${r.output}`).join('\n');
    const last = results[results.length - 1];
    if (suitePasses) {
      assert.is(results.length, recipe.runs.length, log);
      assert.ok(results.every((r) => r.code === 0), `a step failed:\n${log}`);
    } else {
      assert.is(last.code, 1, `the step with the failing suite exits 1:\n${log}`);
      assert.match(last.output, 'suite: a test failed', log);
    }
    assert.match(last.output, 'suite: chat answered', `the suite reached the simulator:\n${log}`);
    for (const [i, r] of results.entries()) assert.ok(await eventually(() => !groupAlive(r.pgid)), `a process of step ${i} is still alive:\n${log}`);
    for (const p of ports) assert.ok(await refuses(p), `port ${p} still accepts connections:\n${log}`);
    assert.not.ok(existsSync(join(app, 'sim.pid')), 'sim.pid is still there: the simulator did not exit through its clean path');
  } finally {
    for (const r of results) if (groupAlive(r.pgid)) process.kill(-r.pgid, 'SIGKILL'); // a failed run leaks nothing either
  }
}

test('the recipe names no port in its run lines (the env: block has them all)', () => {
  assert.ok(recipe.runs.length >= 2, 'the recipe has an install step and a test step');
  for (const run of recipe.runs) assert.not.match(run, PORT, `a port number is written in a run line: ${run}`);
  assert.ok(Object.values(recipe.env).some((v) => PORT.test(v)), 'the env: block gives the ports');
});

test('the recipe as written, with a passing suite: every step succeeds, nothing is left', async () => {
  await runRecipe(true);
});

test('the recipe as written, with a failing suite: the step fails, the simulator stops anyway, nothing is left', async () => {
  await runRecipe(false);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
