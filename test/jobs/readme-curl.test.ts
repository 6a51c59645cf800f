// README's job API examples, run the way a user runs them: `npx ollama-sim --server-ports 8787` (on
// a free port instead of 8787, with the control API on a free port too), then every `curl` command
// of the section's example block through bash, in order. Each answer must be one of the `# {...}`
// lines written under its command, field for field (the timestamps aside); a command with several
// documented answers is repeated until it gives the last one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { exited, freePorts } from '../helpers.js';
import { testNeeding } from '../requirements.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DOC_PORT = '8787';
/** Fields whose values are the time of the run, not of the README. */
const TIMESTAMPS = ['time', 'created_at', 'updated_at'];

interface Step {
  command: string;
  answers: string[];
}

function jobSection(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const m = /<!-- section:job-api -->([\s\S]*?)<!-- \/section:job-api -->/.exec(readme);
  if (!m) throw new Error('README has no job-api section');
  return m[1];
}

function shBlocks(text: string): string[] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** The curl commands of a block (a command goes on while a single quote is open) and the answers under each. */
function steps(block: string): Step[] {
  const out: Step[] = [];
  let open: Step | null = null;
  for (const line of block.split('\n')) {
    if (open && (open.command.split("'").length - 1) % 2 === 1) {
      open.command += '\n' + line;
    } else if (line.startsWith('curl ')) {
      open = { command: line, answers: [] };
      out.push(open);
    } else if (open && line.startsWith('# {')) {
      open.answers.push(line.slice(2));
    }
  }
  return out;
}

/** Why `actual` is not the documented answer, or null when it is. */
function mismatch(actual: unknown, doc: unknown, path = '$'): string | null {
  const last = path.split('.').pop()!;
  if (TIMESTAMPS.includes(last)) return typeof actual === 'number' && Math.abs(actual - Date.now() / 1000) < 120 ? null : `${path}: not a unix time of now: ${JSON.stringify(actual)}`;
  if (doc !== null && typeof doc === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual) !== Array.isArray(doc)) return `${path}: ${JSON.stringify(actual)} is not like ${JSON.stringify(doc)}`;
    const [a, d] = [Object.keys(actual), Object.keys(doc)];
    if (a.join() !== d.join()) return `${path}: fields ${a.join(',')} instead of ${d.join(',')}`;
    for (const k of d) {
      const why = mismatch((actual as Record<string, unknown>)[k], (doc as Record<string, unknown>)[k], `${path}.${k}`);
      if (why) return why;
    }
    return null;
  }
  return actual === doc ? null : `${path}: ${JSON.stringify(actual)} instead of ${JSON.stringify(doc)}`;
}

const curl = { name: 'curl', missing: () => (spawnSync('curl', ['--version']).status === 0 ? null : 'curl is not on PATH'), install: 'apt-get install -y curl' };

let child: ChildProcess | null = null;
test.after.each(async () => {
  if (child?.exitCode === null) {
    process.kill(-child.pid!, 'SIGINT');
    await exited(child);
  }
  child = null;
});

await testNeeding(curl, "every curl of the README's job API section answers what the README documents, against `npx ollama-sim`", async () => {
  const [start, examples] = shBlocks(jobSection());
  assert.match(start, `npx ollama-sim --server-ports ${DOC_PORT}`);
  const [port, controlPort] = (await freePorts(2)).map(String);
  const args = start.trim().split(/\s+/).slice(1).map((a) => (a === DOC_PORT ? port : a));
  // As a user runs it from the clone (npm ci built dist/); its own process group, stopped like Ctrl-C.
  child = spawn('npx', ['--no-install', ...args, '--control-port', controlPort, '--quiet'], { cwd: root, stdio: 'ignore', detached: true });
  const deadline = Date.now() + 15_000;
  while (!(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false))) {
    assert.ok(Date.now() < deadline && child.exitCode === null, 'ollama-sim did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const list = steps(examples);
  assert.ok(list.length >= 8 && list.every((s) => s.answers.length > 0), `every curl has its documented answer: ${JSON.stringify(list)}`);
  let jobId = '';
  for (const step of list) {
    const command = step.command.replaceAll(`127.0.0.1:${DOC_PORT}`, `127.0.0.1:${port}`).replaceAll('<JOB_ID>', jobId);
    const answers = step.answers.map((a) => JSON.parse(a.replaceAll(`server-${DOC_PORT}`, `server-${port}`)));
    const until = Date.now() + 10_000;
    for (;;) {
      const run = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
      assert.is(run.status, 0, `${command}: ${run.stderr}`);
      const answer = JSON.parse(run.stdout);
      const reasons = answers.map((doc) => mismatch(answer, doc));
      const matched = reasons.indexOf(null);
      assert.ok(matched !== -1, `${command}\nanswered ${run.stdout}\n${reasons.join('\n')}`);
      if (answer.state === 'queued' && Object.keys(answer).length === 3) jobId = answer.id;
      if (matched === answers.length - 1) break;
      assert.ok(Date.now() < until, `${command}: still ${run.stdout} after 10 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
});

test.run();
