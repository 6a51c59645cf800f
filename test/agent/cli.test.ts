// Three node agents against a hub with one command, as the README shows it:
//   npx ollama-sim --server-ports A,B,C --hub-url http://HUB --heartbeat-interval 200ms
// A real HTTP hub hears from three node ids; Ctrl-C ends the heartbeats with the process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exited, freePorts, waitForLines } from '../helpers.js';
import { hubStub } from './hub-stub.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function until(fn: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('npx ollama-sim --hub-url: three agents register with a hub; Ctrl-C stops their heartbeats', async () => {
  const hub = await hubStub();
  const [control, a, b, c] = await freePorts(4);
  const child = spawn('npx', ['--no-install', 'ollama-sim', '--control-port', String(control), '--server-ports', `${a},${b},${c}`, '--hub-url', hub.url, '--heartbeat-interval', '200ms', '--node-id', 'gpu-{port}'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  try {
    await waitForLines(child, 4);
    const ids = () => new Set(hub.beats.map((x) => x.node_id));
    await until(() => ids().size === 3, 5000, 'a heartbeat from each of the three agents');
    assert.equal(ids(), new Set([a, b, c].map((p) => `gpu-${p}`)));
    const execute = await fetch(`http://127.0.0.1:${b}/execute`, { method: 'POST', body: JSON.stringify({ job_id: 'cli', model: 'test-model:latest', prompt: 'hi', stream: false }) });
    assert.is(execute.status, 200);
    assert.is(((await execute.json()) as { done: boolean }).done, true);
    process.kill(-child.pid!, 'SIGINT'); // to the group, as a terminal's Ctrl-C (npx dies of it; the simulator exits)
    await exited(child);
    await until(() => {
      try {
        process.kill(-child.pid!, 0);
        return false;
      } catch {
        return true; // the whole group, the simulator included, is gone
      }
    }, 5000, 'the simulator to exit');
    const after = hub.beats.length;
    await new Promise((r) => setTimeout(r, 600)); // three intervals: a heartbeat outliving the process would show
    assert.is(hub.beats.length, after);
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    await hub.close();
  }
});

test('--config: hub_url in defaults, node_id per server, and a server that opts out with hub_url: null', async () => {
  const hub = await hubStub();
  const [a, b, plain] = await freePorts(3);
  const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-agents-'));
  const config = join(dir, 'fleet.yaml');
  writeFileSync(config, [
    'defaults:', `  hub_url: ${hub.url}`, '  heartbeat_interval: 0.1',
    'servers:', `  - port: ${a}`, '    node_id: gpu-a', `  - port: ${b}`, '    node_id: gpu-b', `  - port: ${plain}`, '    hub_url: null', '',
  ].join('\n'));
  const child = spawn(process.execPath, [`${root}/dist/simulator/cli.js`, '--control-port', '0', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForLines(child, 4);
    await until(() => new Set(hub.beats.map((x) => x.node_id)).size === 2, 5000, 'heartbeats from gpu-a and gpu-b');
    assert.equal(new Set(hub.beats.map((x) => `${x.node_id}@${x.port}`)), new Set([`gpu-a@${a}`, `gpu-b@${b}`]));
    assert.is((await fetch(`http://127.0.0.1:${plain}/execute`, { method: 'POST', body: '{}' })).status, 404);
    child.kill('SIGTERM');
    assert.is(await exited(child), 0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await hub.close();
  }
});

test('a bad --hub-url or --heartbeat-interval is one line and exit 2', async () => {
  const [port] = await freePorts(1);
  for (const [flags, re] of [
    [['--hub-url', 'nope'], /hub_url' must be an http:\/\/ or https:\/\/ URL/],
    [['--hub-url', 'http://127.0.0.1:1', '--heartbeat-interval', '5ms'], /heartbeat_interval' must be at least 10ms/],
    [['--heartbeat-interval', '1s'], /heartbeat_interval' needs 'hub_url'/],
  ] as const) {
    const child = spawn(process.execPath, [`${root}/dist/simulator/cli.js`, '--control-port', '0', '--server-ports', String(port), ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    assert.is(await exited(child), 2, flags.join(' '));
    assert.match(err, re);
    assert.is(err.trim().split('\n').length, 1, err);
  }
});

test.run();
