// `npm run scenarios` as a user runs it: a real CLI process on throwaway scenarios written to a temp
// dir (--scenarios-dir). Exit codes, each reporter's output, --keep-logs, --list, and Ctrl-C.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { execa } from 'execa';
import { balancerRequirement, testNeeding } from '../requirements.js';
import { RUST_LBS, rustLbBin, rustLbRequirement } from '../rust-lbs.js';
import { eventually, groupAlive } from '../helpers.js';
import { allRefused, checkWellFormedXml, processGone } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runner-cli-test-'));
  dirs.push(dir);
  return dir;
}

const SCENARIOS: Record<string, string> = {
  'ok.ts': `export default { name: 'ok', description: 'the balancer answers', tags: ['smoke'],
    async run(ctx) { const r = await fetch(ctx.lbUrl + '/api/version'); if (r.status !== 200) throw new Error('status ' + r.status); await r.text(); } };`,
  'bad.ts': `export default { name: 'bad', description: 'always fails', tags: ['smoke'],
    async run(ctx) { ctx.log('about to fail'); throw new Error('expected <failure> & "quotes"'); } };`,
  'skip.ts': `export default { name: 'skip', description: 'needs racing', tags: ['race'],
    needs: (t) => (t.racesRequests ? null : 'needs racesRequests'), async run() {} };`,
  // Announces the balancer and fleet, then blocks until the run is interrupted.
  'block.ts': `export default { name: 'block', description: 'blocks', tags: ['block'], timeoutMs: 120000,
    async run(ctx) {
      process.stdout.write('LB-UP ' + JSON.stringify({ pid: ctx.lb.pid, port: ctx.lb.port, fleet: ctx.fleet.ports }) + '\\n');
      await new Promise(() => {});
    } };`,
  // The same for a hub target: the hub starts first, then a fleet of node agents registered with it.
  'hold-hub.ts': `export default { name: 'hold-hub', kind: 'hub', description: 'blocks with a hub', tags: ['hold-hub'], timeoutMs: 120000,
    async run(ctx) {
      process.stdout.write('LB-UP ' + JSON.stringify({ pid: ctx.lb.pid, port: ctx.lb.port, fleet: ctx.fleet.ports }) + '\\n');
      await new Promise(() => {});
    } };`,
};

function scenariosDir(): string {
  const dir = tempDir();
  for (const [file, text] of Object.entries(SCENARIOS)) writeFileSync(join(dir, file), text);
  return dir;
}

const DIR = scenariosDir();

function cli(args: string[]) {
  return execa(process.execPath, ['--import', 'tsx', 'runner/cli.ts', '--scenarios-dir', DIR, ...args], { cwd: root, reject: false, timeout: 60_000, env: { CI: '1' } });
}

test('exit 0 when every applicable scenario passed; console lines and totals', async () => {
  const r = await cli(['--filter', 'ok', '--filter', 'race']);
  assert.is(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^\[\+\] ok \(\d+ ms\)$/m);
  assert.match(r.stdout, /^\[-\] skip \(skipped: needs racesRequests\)$/m);
  assert.match(r.stdout, /^Total: 1 passed, 0 failed, 1 skipped$/m);
});

test('exit 1 when one failed: the reason and the log excerpt under [x]', async () => {
  const r = await cli(['--filter', 'smoke', '--jobs', '2']);
  assert.is(r.exitCode, 1, r.stderr);
  assert.match(r.stdout, /^\[x\] bad \(\d+ ms\)\n {4}expected <failure> & "quotes"\n/m);
  assert.match(r.stdout, /^ {4}\| \[runner\] about to fail$/m);
  assert.match(r.stdout, /^ {4}\| listening on http:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(r.stdout, /^Total: 1 passed, 1 failed, 0 skipped$/m);
});

test('--reporter junit --out FILE: well-formed XML with one testcase per scenario', async () => {
  const out = join(tempDir(), 'report.xml');
  const r = await cli(['--filter', 'smoke,race', '--jobs', '3', '--reporter', 'junit', '--out', out]);
  assert.is(r.exitCode, 1, r.stderr);
  assert.match(r.stdout, /^Total: 1 passed, 1 failed, 1 skipped$/m, 'console summary still printed');
  const xml = readFileSync(out, 'utf8');
  const names = checkWellFormedXml(xml);
  assert.is(names.filter((n) => n === 'testcase').length, 3);
  assert.is(names.filter((n) => n === 'failure').length, 1);
  assert.is(names.filter((n) => n === 'skipped').length, 1);
  assert.match(xml, 'message="expected &lt;failure&gt; &amp; &quot;quotes&quot;"');
  assert.match(xml, /<testsuite name="reference" tests="3" failures="1" errors="0" skipped="1"/);
});

test('--reporter json without --out: stdout is one JSON document', async () => {
  const r = await cli(['--filter', 'bad', '--reporter', 'json']);
  assert.is(r.exitCode, 1, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.totals, { passed: 0, failed: 1, skipped: 0 });
  assert.is(doc.target, 'reference');
  assert.is(doc.results[0].scenario, 'bad');
  assert.is(doc.results[0].verdict.status, 'failed');
  assert.ok(doc.results[0].verdict.logTail.length > 0);
});

test('--dashboard: the URL of each fleet\'s dashboard on the console (stderr with --reporter json), and in the json report', async () => {
  let r = await cli(['--filter', 'ok', '--dashboard']);
  assert.is(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^\[>\] ok dashboard: http:\/\/127\.0\.0\.1:\d+\/$/m);
  r = await cli(['--filter', 'ok', '--dashboard', '--reporter', 'json']);
  assert.is(r.exitCode, 0, r.stderr);
  const url = /^\[>\] ok dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(r.stderr)?.[1];
  assert.ok(url, r.stderr);
  assert.is(JSON.parse(r.stdout).results[0].dashboard, url);
});

test('--keep-logs DIR writes <scenario>.log with the balancer output', async () => {
  const logs = tempDir();
  const r = await cli(['--filter', 'ok', '--keep-logs', logs]);
  assert.is(r.exitCode, 0, r.stderr);
  assert.match(readFileSync(join(logs, 'ok.log'), 'utf8'), /^listening on http:\/\//m);
});

test('--list names every scenario and what the target skips', async () => {
  const r = await cli(['--list', '--target', 'nginx']);
  assert.is(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^skip {2}\[race\] {2}needs racing {2}\(skipped on nginx: needs racesRequests\)$/m);
  assert.match(r.stdout, /^ok {2}\[smoke\]/m);
});

test('exit 2 with what to do: missing binary, unknown target, bad flag value', async () => {
  const missing = await cli(['--target', 'ollama-load-balancer', '--lb-bin', '/nonexistent']);
  assert.is(missing.exitCode, 2);
  assert.match(missing.stderr, '/nonexistent does not exist; pass --lb-bin PATH to the ollama_load_balancer 1.0.3 binary');
  const unknown = await cli(['--target', 'nope']);
  assert.is(unknown.exitCode, 2);
  assert.match(unknown.stderr, 'targets: reference, reference-race, ollama-load-balancer');
  const jobs = await cli(['--jobs', '0']);
  assert.is(jobs.exitCode, 2);
  assert.match(jobs.stderr, '--jobs must be');
});

interface BlockedRun {
  child: ReturnType<typeof execa>;
  up: { pid: number; port: number; fleet: number[] };
  /** The scenario's work dir, read off the balancer's command line (nginx -p DIR, --backends-file DIR/...). */
  workDir: string | null;
}

/** Starts a run of the blocking scenario (any command) and resolves once its balancer is up. */
async function startBlockedRun(child: ReturnType<typeof execa>): Promise<BlockedRun> {
  let buffered = '';
  const up = await new Promise<BlockedRun['up']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no LB-UP line within 30 s; output: ${buffered}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk;
      const m = /LB-UP (.*)\n/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]));
      }
    });
  });
  assert.not.ok(processGone(up.pid), 'the balancer runs before the interrupt');
  // nginx, HAProxy, the reference LB and the F3 fork name it in their arguments; 1.0.3 runs in it.
  const cmdline = readFileSync(`/proc/${up.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  const cwd = readlinkSync(`/proc/${up.pid}/cwd`);
  return { child, up, workDir: /(\/\S*ollama-sim-(?:block|hold-hub)-[^/\s]+)/.exec(`${cmdline} ${cwd}`)?.[1] ?? null };
}

async function interruptBlockedRun(extra: string[]) {
  const { child, up, workDir } = await startBlockedRun(cli(['--filter', 'block', ...extra]));
  child.kill('SIGINT');
  const r = await child;
  // The interrupted scenario never reaches its teardown; the reaper removes its dir when the runner exits.
  assert.ok(workDir && (await eventually(() => !existsSync(workDir))), `the work dir ${workDir} outlived the run`);
  return { r, up };
}

test('Ctrl-C: exit 130, the balancer is gone and every port refuses', async () => {
  const { r, up } = await interruptBlockedRun([]);
  assert.is(r.exitCode, 130, `${r.stdout}\n${r.stderr}`);
  assert.ok(processGone(up.pid), 'balancer process gone');
  assert.ok(await allRefused([up.port, ...up.fleet]), 'balancer and fleet ports refuse');
});

await testNeeding(balancerRequirement('nginx'), 'Ctrl-C with nginx: its worker processes die with the master (process group)', async () => {
  const { r, up } = await interruptBlockedRun(['--target', 'nginx']);
  assert.is(r.exitCode, 130, `${r.stdout}\n${r.stderr}`);
  assert.ok(!groupAlive(up.pid), 'no process of the nginx group is left');
  assert.ok(await allRefused([up.port, ...up.fleet]));
});

/**
 * SIGKILL gives the runner no chance to tear down: the reaper (runner/reaper.ts) must. `workDir`:
 * whether the balancer shows the scenario's work dir (the hub runs from the clone and names none).
 */
async function killRunnerHard(extra: string[], { scenario = 'block', workDir = true } = {}): Promise<void> {
  const run = await startBlockedRun(cli(['--filter', scenario, ...extra]));
  if (workDir) assert.ok(run.workDir && existsSync(run.workDir), `the scenario's work dir is on the balancer's command line or its cwd: ${run.workDir}`);
  run.child.kill('SIGKILL');
  const r = await run.child;
  assert.is(r.signal, 'SIGKILL');
  assert.ok(await eventually(() => !groupAlive(run.up.pid), 10_000), 'a process of the balancer group outlived the SIGKILLed runner');
  assert.ok(await allRefused([run.up.port, ...run.up.fleet]), 'balancer and fleet ports refuse');
  if (workDir) assert.ok(await eventually(() => !existsSync(run.workDir!), 10_000), `the work dir ${run.workDir} outlived the runner`);
}

test('SIGKILL to the runner: the reaper ends the balancer group and removes its work dir; no port is left', async () => {
  await killRunnerHard([]);
});

for (const target of ['nginx', 'haproxy'] as const) {
  await testNeeding(balancerRequirement(target), `SIGKILL to the runner with ${target}: every process of its group is reaped`, async () => {
    await killRunnerHard(['--target', target]);
  });
}

for (const target of RUST_LBS) {
  await testNeeding(rustLbRequirement(target), `SIGKILL to the runner with ${target}: the Rust balancer is reaped and its work dir removed`, async () => {
    await killRunnerHard(['--target', target, '--lb-bin', rustLbBin(target)]);
  });
}

test('SIGKILL to the runner with the hub target: nothing is left, neither the reference hub nor its node agents (in the runner)', async () => {
  await killRunnerHard(['--target', 'hub'], { scenario: 'hold-hub', workDir: false });
});

test('`npm run scenarios` killed with SIGTERM (npm forwards it only to its sh): the runner tears down and nothing is left', async () => {
  // Its own process group, as a CI step's background job; the signal goes to npm alone.
  const npm = execa('npm', ['run', '--silent', 'scenarios', '--', '--scenarios-dir', DIR, '--filter', 'block'], { cwd: root, reject: false, detached: true, env: { CI: '1' } });
  const run = await startBlockedRun(npm);
  npm.kill('SIGTERM');
  // The exit of npm itself: awaiting the execa result would also wait for the stdout pipe, which an
  // orphaned runner holds open.
  if (npm.exitCode === null && npm.signalCode === null) await once(npm, 'exit');
  assert.ok(await eventually(() => !groupAlive(npm.pid!), 10_000), 'the runner (in npm\'s process group) outlived npm');
  assert.ok(!groupAlive(run.up.pid), 'the balancer group outlived the runner');
  assert.ok(await allRefused([run.up.port, ...run.up.fleet]), 'balancer and fleet ports refuse');
  assert.ok(run.workDir && !existsSync(run.workDir), 'the work dir was removed by the teardown');
  await npm;
});

test.run();
