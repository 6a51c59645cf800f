// `ollama-sim` started the ways users start it, through npm's wrappers, and stopped the ways CI
// scripts and terminals stop things: SIGTERM/SIGHUP/SIGKILL to the wrapper's pid alone, Ctrl-C
// (SIGINT to the process group), and the shell that started it killed. npm runs the bin through
// `sh -c`, and Debian's sh dies of a forwarded SIGTERM without passing it on, so these are the
// cases the simulator's own signal handlers never hear of (simulator/lifecycle/parent-watch.ts).
// Each case asserts: every port refuses, no process of the launch is left (the orphaned simulator
// would still be in the wrapper's process group), the simulator said why it stopped, and it exited
// through its clean path (its --pid-file is removed on exit).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePorts, groupAlive, refuses } from '../helpers.js';
import { packedApp, root, shellEnv } from './packed-app.js';

const work = mkdtempSync(join(tmpdir(), 'ollama-sim-wrappers-'));
const DEADLINE_MS = 5000;

const app = packedApp(work, { sim: 'ollama-sim' });

interface Launcher {
  name: string;
  cwd: string;
  /** The words before the simulator's own flags. */
  words: string[];
}

const LAUNCHERS: Launcher[] = [
  { name: 'npx (clone)', cwd: root, words: ['npx', '--no-install', 'ollama-sim'] },
  { name: 'npx (packed install)', cwd: app, words: ['npx', '--no-install', 'ollama-sim'] },
  { name: 'npm exec (packed install)', cwd: app, words: ['npm', 'exec', '--', 'ollama-sim'] },
  { name: 'npm run sim (a package.json script)', cwd: app, words: ['npm', 'run', 'sim', '--'] },
];

interface Launch {
  /** Leads its own process group, as a CI script's background job or a terminal's job. */
  leader: ChildProcess;
  ports: number[];
  pidFile: string;
  /** The simulator's own pid (from its --pid-file). */
  simPid: number;
  out: () => string;
  err: () => string;
  /** Resolves when the simulator's stdout closes: no process holds it any more. */
  outClosed: Promise<unknown>;
}

async function until<T>(what: string, probe: () => T | null | Promise<T | null>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `words + flags`, either directly or as a background job of a shell (`viaShell`). */
async function launch(l: Launcher, env: NodeJS.ProcessEnv = shellEnv(), viaShell = false): Promise<Launch> {
  const ports = await freePorts(3);
  const pidFile = join(mkdtempSync(join(work, 'run-')), 'sim.pid');
  const argv = [...l.words, '--control-port', String(ports[0]), '--server-ports', `${ports[1]},${ports[2]}`, '--pid-file', pidFile];
  const [file, args] = viaShell ? ['bash', ['-c', `${argv.join(' ')} & wait`]] : [argv[0], argv.slice(1)];
  const leader = spawn(file, args, { cwd: l.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  leader.stdout!.on('data', (d) => (out += d));
  leader.stderr!.on('data', (d) => (err += d));
  const outClosed = once(leader.stdout!, 'close');
  await until(`${l.name}: no "Ollama server" lines (stdout: ${out} stderr: ${err})`, () => (out.split('\n').filter((x) => x.startsWith('Ollama server: ')).length === 2 ? true : null));
  const simPid = Number(readFileSync(pidFile, 'utf8'));
  return { leader, ports, pidFile, simPid, out: () => out, err: () => err, outClosed };
}

/** After the kill: nothing listens, nothing of the launch runs, and the simulator stopped cleanly. */
async function assertNothingLeft(l: Launch, what: string, stoppedBecause: RegExp): Promise<void> {
  const pgid = l.leader.pid!;
  try {
    await until(`${what}: the simulator's stdout is still open (it runs)`, async () => ((await Promise.race([l.outClosed.then(() => true), new Promise((r) => setTimeout(() => r(null), 100))])) as true | null), DEADLINE_MS);
    await until(`${what}: a process of the launch (process group ${pgid}) is still alive`, () => (groupAlive(pgid) ? null : true), DEADLINE_MS);
  } catch (err) {
    process.kill(-pgid, 'SIGKILL'); // do not leak it into the next case
    throw err;
  }
  for (const p of l.ports) assert.ok(await refuses(p), `${what}: port ${p} still accepts connections`);
  const lastLine = l.out().trim().split('\n').at(-1) ?? '';
  assert.match(lastLine, stoppedBecause, `${what}: the simulator's last line`);
  assert.not.match(l.err(), /Error|\n\s+at /, `${what}: stderr shows a crash: ${l.err()}`);
  assert.not.ok(existsSync(l.pidFile), `${what}: the pid file is still there (the simulator did not exit through its clean path)`);
}

const leaderExit = (l: Launch) => (l.leader.exitCode !== null || l.leader.signalCode !== null ? Promise.resolve() : once(l.leader, 'exit'));

// Signals to the wrapper's pid alone, as `kill $pid` after `npx ollama-sim ... & pid=$!`. npm passes
// SIGTERM to its sh, which dies without passing it on: the simulator sees its parent go. SIGHUP and
// SIGKILL end npm itself: the simulator sees its launcher go.
const TO_THE_WRAPPER: Array<[NodeJS.Signals, RegExp]> = [
  ['SIGTERM', /^parent process \d+ \(sh -c .*\) exited: stopping$/],
  ['SIGHUP', /^launcher process \d+ \(npm .*\) exited: stopping$/],
  ['SIGKILL', /^launcher process \d+ \(npm .*\) exited: stopping$/],
];

for (const l of LAUNCHERS) {
  test(`${l.name}: ${TO_THE_WRAPPER.map(([s]) => s).join(', ')} to the wrapper's pid, and Ctrl-C: nothing is left`, async () => {
    const cases = [
      ...TO_THE_WRAPPER.map(([signal, why]) => async () => {
        const run = await launch(l);
        process.kill(run.leader.pid!, signal);
        await leaderExit(run);
        await assertNothingLeft(run, `${l.name} ${signal}`, why);
      }),
      // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
      async () => {
        const run = await launch(l);
        process.kill(-run.leader.pid!, 'SIGINT');
        await leaderExit(run);
        await assertNothingLeft(run, `${l.name} Ctrl-C`, /^SIGINT: stopping$/);
      },
    ];
    await Promise.all(cases.map((c) => c()));
  });
}

test('the shell that started it in the background is killed (SIGKILL): the simulator stops', async () => {
  await Promise.all([LAUNCHERS[0], LAUNCHERS[3]].map(async (l) => {
    const run = await launch(l, shellEnv(), true);
    process.kill(run.leader.pid!, 'SIGKILL');
    await leaderExit(run);
    await assertNothingLeft(run, `bash -c '${l.name} & wait' killed`, /^launcher process \d+ \(bash -c .*\) exited: stopping$/);
  }));
});

test('SIGINT to the wrapper pid alone reaches the simulator where npm\'s script shell execs it (bash: macOS /bin/sh, or npm_config_script_shell=bash)', async () => {
  const run = await launch(LAUNCHERS[1], shellEnv({ npm_config_script_shell: 'bash' }));
  process.kill(run.leader.pid!, 'SIGINT');
  await leaderExit(run);
  assert.is(run.leader.exitCode, 0, 'npx exits with the simulator\'s exit code 0');
  await assertNothingLeft(run, 'npx SIGINT (bash script shell)', /^SIGINT: stopping$/);
});

test('--outlive-parent: the simulator keeps serving when its launcher dies, and stops with kill "$(cat pid-file)"', async () => {
  const run = await launch({ ...LAUNCHERS[0], words: [...LAUNCHERS[0].words, '--outlive-parent'] });
  process.kill(run.leader.pid!, 'SIGKILL');
  await leaderExit(run);
  // The watch would have stopped it within 200 ms; it still serves after a full second.
  await new Promise((r) => setTimeout(r, 1000));
  assert.is((await fetch(`http://127.0.0.1:${run.ports[1]}/api/version`)).status, 200);
  process.kill(Number(readFileSync(run.pidFile, 'utf8')), 'SIGTERM');
  await assertNothingLeft(run, '--outlive-parent then kill', /^SIGTERM: stopping$/);
});

test('the packed install serves a chat and the dashboard through npx', async () => {
  const run = await launch(LAUNCHERS[1]);
  const chat = await fetch(`http://127.0.0.1:${run.ports[1]}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'hi' }] }) });
  assert.is(((await chat.json()) as { done: boolean }).done, true);
  // The dashboard's files ship in the package and are found from dist/.
  for (const path of ['/', '/ui/app.js', '/ui/dashboard.css']) {
    const res = await fetch(`http://127.0.0.1:${run.ports[0]}${path}`);
    assert.is(res.status, 200, `GET ${path} from the installed package`);
    await res.arrayBuffer();
  }
  process.kill(run.simPid, 'SIGTERM');
  await leaderExit(run);
  assert.is(run.leader.exitCode, 0, 'npx passes on the simulator\'s exit code 0');
  await assertNothingLeft(run, 'kill "$(cat pid-file)"', /^SIGTERM: stopping$/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
