// The two ways the parent watch reads another process (Linux /proc, elsewhere `ps`) agree, and the
// launch chain sees through npm's layers. Linux runs the `ps` path here too, since its procps
// takes the same columns as macOS's ps.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { launchChain } from '../../simulator/lifecycle/parent-watch.js';
import { linuxInfo, psInfo } from '../../simulator/lifecycle/process-info.js';

test('ps and /proc give the same parent and command line; a pid that does not exist is null', () => {
  if (process.platform !== 'linux') return;
  for (const pid of [process.pid, process.ppid]) {
    const fromProc = linuxInfo(pid)!;
    const fromPs = psInfo(pid)!;
    assert.is(fromPs.ppid, fromProc.ppid);
    assert.is(fromPs.command, fromProc.command);
  }
  assert.is(psInfo(2 ** 22 + 7), null);
  assert.is(linuxInfo(2 ** 22 + 7), null);
});

test('launchChain: from a node run by `sh -c` under npm, up to the owner', async () => {
  // node -> sh -c -> this process, with this process standing in for npm by its title.
  const title = process.title;
  process.title = 'npm exec fake-bin';
  try {
    const child = spawn('sh', ['-c', `${JSON.stringify(process.execPath)} -e "const m = await import(process.argv[1]); console.log(JSON.stringify(m.launchChain().map((p) => p.pid)))" ${new URL('../../simulator/lifecycle/parent-watch.ts', import.meta.url).pathname}; true`], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '--import tsx' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await once(child, 'exit');
    assert.equal(JSON.parse(out), [child.pid, process.pid, process.ppid], 'parent sh, then "npm" (this process), then its parent, the owner');
  } finally {
    process.title = title;
  }
  assert.equal(launchChain().map((p) => p.pid), [process.ppid], 'started by a plain process: the parent is the owner');
});

test.run();
