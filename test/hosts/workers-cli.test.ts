// `ollama-sim --workers N` (the built CLI): it serves one fleet from N threads, stops whole on
// SIGTERM and leaves nothing when SIGKILLed, and refuses bad values naming the flag or config key.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, exited, groupAlive, refuses, signalGroup as signal } from '../helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist/simulator/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-workers-'));
const children: ReturnType<typeof spawn>[] = [];

function start(args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  return child;
}

/** Output and exit code of a run that ends by itself. */
async function run(args: string[]): Promise<{ code: number | null; err: string }> {
  const child = start(args);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return { code: await exited(child), err };
}

/** Starts `--workers 2` over three free ports and waits (`ollama-sim wait`) until it is ready: the control URL and server ports. */
async function startWorkers(name: string): Promise<{ child: ReturnType<typeof spawn>; control: string; ports: number[] }> {
  const portFile = join(dir, `${name}.json`);
  const child = start(['--workers', '2', '--control-port', '0', '--server-ports', '0,0,0', '--port-file', portFile, '--quiet']);
  const ready = await run(['wait', '--port-file', portFile, '--timeout', '20s']);
  assert.is(ready.code, 0, ready.err);
  const file = JSON.parse(readFileSync(portFile, 'utf8'));
  return { child, control: file.control_url, ports: file.servers.map((s: { port: number }) => s.port) };
}

test.after.each(() => {
  for (const c of children.splice(0)) signal(c, 'SIGKILL');
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('--workers 2 serves one fleet; SIGTERM stops every thread and port and removes the port file', async () => {
  const { child, control, ports } = await startWorkers('term');
  const status = (await (await fetch(`${control}/status`)).json()) as { servers: Array<{ port: number }> };
  assert.equal(status.servers.map((s) => s.port), [...ports].sort((a, b) => a - b));
  const r = await fetch(`${control}/behavior`, { method: 'POST', body: JSON.stringify({ port: ports[2], behavior: { type: 'HttpError', status_code: 500 } }) });
  assert.is(r.status, 200);
  const chat = (port: number) => fetch(`http://127.0.0.1:${port}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: false }) });
  assert.is((await chat(ports[2])).status, 500, 'the behavior reached the thread of its port');
  assert.is((await chat(ports[0])).status, 200);
  signal(child, 'SIGTERM');
  assert.is(await exited(child), 0);
  for (const p of [Number(new URL(control).port), ...ports]) assert.ok(await refuses(p), `port ${p} still accepts connections`);
  assert.not.ok(existsSync(join(dir, 'term.json')), 'the port file is gone');
});

test('SIGKILL to the CLI with workers leaves no process and no port', async () => {
  const { child, control, ports } = await startWorkers('kill');
  signal(child, 'SIGKILL');
  await exited(child);
  assert.ok(await eventually(() => !groupAlive(child.pid!)), 'a process outlived SIGKILL');
  for (const p of [Number(new URL(control).port), ...ports]) assert.ok(await eventually(() => refuses(p)), `port ${p} still accepts connections`);
});

test('bad --workers and config `workers` values: exit 2 naming the flag or key and the allowed values', async () => {
  for (const bad of ['-1', '1000', 'x']) {
    const r = await run(['--workers', bad, '--control-port', '0', '--server-ports', '0']);
    assert.is(r.code, 2, r.err);
    assert.match(r.err, /--workers must be a whole number from 0 to \d+/);
  }
  const config = join(dir, 'bad.json');
  writeFileSync(config, JSON.stringify({ workers: 'x' }));
  const r = await run(['--config', config, '--control-port', '0', '--server-ports', '0']);
  assert.is(r.code, 2, r.err);
  assert.match(r.err, /'workers'/);
});

test.run();
