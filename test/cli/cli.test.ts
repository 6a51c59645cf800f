// The `ollama-sim` command as users run it from a clone (`npx ollama-sim` after `npm ci` and the
// build), and the built CLI itself: output, flags, exit codes, signals. The packed tarball and
// every npm wrapper, killed every way, are in wrappers.test.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, exited, freePorts, groupAlive, refuses, waitForLines } from '../helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist/simulator/cli.js');
const children: ReturnType<typeof spawn>[] = [];

// Each child leads its own process group, and signals go to the group, as a terminal's Ctrl-C
// does: `npx` (npm exec) does not forward SIGINT to the command it runs.
function start(args: string[], cwd = root, command = process.execPath, pre: string[] = [cli]) {
  const child = spawn(command, [...pre, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  return child;
}

function signal(child: ReturnType<typeof spawn>, sig: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    // already gone
  }
}

test.after.each(() => {
  for (const c of children.splice(0)) signal(c, 'SIGKILL');
});

// npx keeps its install of a clone by path: after a fresh clone to the same path it runs the bin
// without installing (and chmod-ing) it again, so the build itself must leave it executable.
test('the build leaves the bin executable (npx may reuse its install of an earlier clone at this path)', () => {
  assert.ok((statSync(cli).mode & 0o111) === 0o111, `dist/simulator/cli.js mode ${(statSync(cli).mode & 0o777).toString(8)}`);
});

test('`npx ollama-sim` in the clone serves the listed ports, answers like Ollama, and exits on Ctrl-C with nothing left listening', async () => {
  const [control, a, b] = await freePorts(3);
  // As a user runs it after `npm ci` (whose prepare step builds dist/).
  const child = start(['ollama-sim', '--control-port', String(control), '--server-ports', `${a},${b}`], root, 'npx', ['--no-install']);
  const lines = await waitForLines(child, 3);
  const [lo, hi] = [a, b].sort((x, y) => x - y);
  assert.equal(lines, [`Control API: http://127.0.0.1:${control}`, `Ollama server: http://127.0.0.1:${lo}`, `Ollama server: http://127.0.0.1:${hi}`]);
  assert.is(await (await fetch(`http://127.0.0.1:${b}/`)).text(), 'Ollama is running');
  const status = (await (await fetch(`http://127.0.0.1:${control}/status`)).json()) as { servers: Array<{ port: number }> };
  assert.equal(status.servers.map((s) => s.port), [a, b].sort((x, y) => x - y));
  signal(child, 'SIGINT');
  await exited(child);
  for (const p of [control, a, b]) assert.ok(await refuses(p), `port ${p} still accepts connections`);
  assert.ok(await eventually(() => !groupAlive(child.pid!)), 'a process of the npx group outlived Ctrl-C');
});

test('SIGINT to the simulator itself: exit code 0', async () => {
  const [control, a] = await freePorts(2);
  const child = start(['--control-port', String(control), '--server-ports', String(a)]);
  await waitForLines(child, 2);
  signal(child, 'SIGINT');
  assert.is(await exited(child), 0);
  assert.ok(await refuses(a));
});

test('SIGTERM also closes every socket, including an open stream, and exits 0', async () => {
  const [control, a] = await freePorts(2);
  const child = start(['--control-port', String(control), '--server-ports', String(a), '--quiet']);
  const ready = async () => {
    for (;;) {
      try {
        return await fetch(`http://127.0.0.1:${control}/health`);
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };
  await ready();
  const res = await fetch(`http://127.0.0.1:${a}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 100000 } }),
  });
  const reader = res.body!.getReader();
  await reader.read();
  signal(child, 'SIGTERM');
  assert.is(await exited(child), 0);
  await reader.read().then(
    function drain(r): Promise<unknown> | undefined { return r.done ? undefined : reader.read().then(drain); },
    () => undefined,
  );
  assert.ok(await refuses(a));
});

test('ranges expand: 3 servers from a-b', async () => {
  const [control] = await freePorts(1);
  // Find three consecutive free ports by trying a few bases.
  for (let attempt = 0; attempt < 5; attempt++) {
    const [base] = await freePorts(1);
    if (base + 2 > 65535) continue;
    const child = start(['--control-port', String(control), '--server-ports', `${base}-${base + 2}`]);
    const code = await Promise.race([waitForLines(child, 4).then(() => null, () => 'failed'), exited(child)]);
    if (code !== null) continue; // a neighbour port was taken; try another base
    for (const p of [base, base + 1, base + 2]) assert.is((await fetch(`http://127.0.0.1:${p}/api/version`)).status, 200);
    signal(child, 'SIGINT');
    assert.is(await exited(child), 0);
    return;
  }
  assert.unreachable('no three consecutive free ports found in 5 tries');
});

async function failure(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = start(args);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await exited(child);
  return { code, stderr: stderr.trim() };
}

/** Runs the CLI to its end: exit code and output. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const code = await exited(child);
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

test('free ports (0) with --port-file and --pid-file; `wait --port-file` started first returns once it is ready; both files go on exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-files-'));
  try {
    const portFile = join(dir, 'ports.json');
    const pidFile = join(dir, 'sim.pid');
    // The wait starts before the simulator: it must wait for the file, then for the servers.
    const waiting = run(['wait', '--port-file', portFile, '--timeout', '20s']);
    const child = start(['--control-port', '0', '--server-ports', '0,0', '--port-file', portFile, '--pid-file', pidFile]);
    const waited = await waiting;
    assert.is(waited.code, 0, waited.stderr);
    const file = JSON.parse(readFileSync(portFile, 'utf8')) as { pid: number; control_url: string; control_port: number; servers: Array<{ port: number; url: string }> };
    assert.is(file.pid, child.pid);
    assert.is(readFileSync(pidFile, 'utf8'), `${child.pid}\n`);
    assert.is(file.control_url, `http://127.0.0.1:${file.control_port}`);
    assert.is(file.servers.length, 2);
    assert.ok(file.servers.every((s) => s.port > 0 && s.url === `http://127.0.0.1:${s.port}`) && file.servers[0].port !== file.servers[1].port, JSON.stringify(file));
    assert.is(waited.stdout, `ready: control API ${file.control_url}, 2 server(s): ${file.servers.map((s) => s.url).join(' ')}`);
    for (const s of file.servers) assert.is((await fetch(`${s.url}/api/version`)).status, 200);
    signal(child, 'SIGTERM');
    assert.is(await exited(child), 0);
    assert.not.ok(existsSync(portFile), 'the port file outlived the simulator');
    assert.not.ok(existsSync(pidFile), 'the pid file outlived the simulator');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wait: exit 1 after the timeout with one line saying what was missing; exit 2 for bad flags', async () => {
  const [nobody] = await freePorts(1);
  const refused = await run(['wait', '--control', `http://127.0.0.1:${nobody}`, '--timeout', '300ms']);
  assert.is(refused.code, 1);
  assert.is(refused.stderr, `ollama-sim wait: not ready within 0.3s: GET http://127.0.0.1:${nobody}/status: ECONNREFUSED`);
  const noFile = await run(['wait', '--port-file', '/nonexistent/ports.json', '--timeout', '0.2']);
  assert.is(noFile.code, 1);
  assert.is(noFile.stderr, 'ollama-sim wait: not ready within 0.2s: /nonexistent/ports.json does not exist yet');
  for (const [args, re] of [
    [['--timeout', 'soon'], /--timeout must be a positive duration like 30s, 500ms or 2m, got "soon"/],
    [['--timeout', '0s'], /--timeout must be a positive duration/],
    [['--control', 'http://x', '--port-file', 'f'], /mutually exclusive/],
    [['--nope'], /Unknown argument: nope/],
  ] as Array<[string[], RegExp]>) {
    const r = await run(['wait', ...args]);
    assert.is(r.code, 2, `wait ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.is(r.stderr.split('\n').length, 1);
  }
});

test('--max-body-bytes sets every server\'s body limit: a larger body gets 413 naming it', async () => {
  const [control, a] = await freePorts(2);
  const child = start(['--control-port', String(control), '--server-ports', String(a), '--max-body-bytes', '64']);
  await waitForLines(child, 2);
  const res = await fetch(`http://127.0.0.1:${a}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x'.repeat(64) }] }) });
  assert.equal([res.status, await res.json()], [413, { error: 'http: request body too large: the limit is 64 bytes (setting max_body_bytes)' }]);
  signal(child, 'SIGTERM');
  assert.is(await exited(child), 0);
});

test('--help wraps at word boundaries: every sentence survives with its words whole', async () => {
  for (const args of [['--help'], ['wait', '--help']]) {
    const child = start(args);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    assert.is(await exited(child), 0);
    assert.ok(out.split('\n').every((l) => l.length <= 80), `${args.join(' ')}: a line is wider than 80 columns`);
    // A word broken across lines ("chan" / "ges") leaves a space inside it once lines are joined.
    const flat = out.replace(/\s+/g, ' ');
    const sentences = args[0] === 'wait'
      ? ['answers GET /status on its control API with every server listening', 'give up after this long: 30s, 500ms, 2m, or a number of seconds']
      : ['control API that changes their behavior at run time', 'deepseek-coder:1.3b-instruct-q4_0, nomic-embed-text:latest, all-minilm:latest', "every server's port and URL as JSON to FILE once everything listens"];
    for (const s of sentences) assert.ok(flat.includes(s), `${args.join(' ')}: "${s}" is not whole in:\n${out}`);
  }
});

test('a port in use: one line naming it, exit 2, nothing left listening', async () => {
  const [control, a, b] = await freePorts(3);
  const blocker = (await import('node:net')).createServer().listen(b, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  try {
    const { code, stderr } = await failure(['--control-port', String(control), '--server-ports', `${a},${b}`]);
    assert.is(code, 2);
    assert.is(stderr.split('\n').length, 1);
    assert.match(stderr, `port ${b} is already in use`);
    assert.ok(await refuses(a), 'the server started before the failure is still listening');
    assert.ok(await refuses(control));
  } finally {
    blocker.close();
  }
});

test('bad ports and the control port inside the server list: exit 2 with a reason', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--server-ports', '70000'], /bad port or range "70000"/],
    [['--server-ports', 'abc'], /bad port or range "abc"/],
    [['--server-ports', '5-3'], /bad port or range "5-3"/],
    [['--server-ports', '0-2'], /bad port or range "0-2" \(ports are 1-65535, or 0 for a free port/],
    [['--max-body-bytes', '0'], /--max-body-bytes must be a whole number of bytes >= 1, got 0/],
    [['--max-body-bytes', '1.5'], /--max-body-bytes must be a whole number of bytes >= 1, got 1.5/],
    [['--control-port', '11999', '--server-ports', '11998,11999'], /--control-port 11999 is also in the server ports/],
    [['--models', 'not a model'], /invalid model "not a model"/],
    [['--config', '/nonexistent.yaml'], /cannot read \/nonexistent.yaml/],
    [['--nope'], /Unknown argument: nope/],
  ];
  for (const [args, re] of cases) {
    const { code, stderr } = await failure(args);
    assert.is(code, 2, `${args.join(' ')}: exit ${code}`);
    assert.match(stderr, re);
    assert.is(stderr.split('\n').length, 1, `${args.join(' ')}: more than one line: ${stderr}`);
  }
});

test('--config (YAML) sets per-server settings, --seed makes text reproducible', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-cfg-'));
  try {
    const [control, a, b] = await freePorts(3);
    writeFileSync(join(dir, 'fleet.yaml'), `seed: 5\ndefaults:\n  models: [llama3.2]\n  load_ms: 0\nservers:\n  - port: ${a}\n  - port: ${b}\n    version: 9.9.9\n    models: [qwen3:8b]\n`);
    const child = start(['--control-port', String(control), '--config', join(dir, 'fleet.yaml')]);
    await waitForLines(child, 3);
    const tags = async (p: number) => ((await (await fetch(`http://127.0.0.1:${p}/api/tags`)).json()) as { models: Array<{ name: string }> }).models.map((m) => m.name);
    assert.equal(await tags(a), ['llama3.2:latest']);
    assert.equal(await tags(b), ['qwen3:8b']);
    assert.equal(await (await fetch(`http://127.0.0.1:${b}/api/version`)).json(), { version: '9.9.9' });
    const say = async () => {
      const r = await fetch(`http://127.0.0.1:${a}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', prompt: 'Tell me', stream: false }) });
      return ((await r.json()) as { response: string }).response;
    };
    const first = await say();
    assert.is(await say(), first);
    signal(child, 'SIGINT');
    await exited(child);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
