// Small helpers shared by the test files.
import { createServer } from 'node:net';
import type { ChildProcess } from 'node:child_process';

/** Ports that were free a moment ago (the OS picked them). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Resolves with the child's stdout once `count` lines arrived (or rejects when it exits first). */
export function waitForLines(child: ChildProcess, count: number, timeoutMs = 15_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ${count} lines within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const lines = out.split('\n').filter(Boolean);
      if (lines.length >= count) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(lines);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr?.on('data', (d) => (err += d));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${count} lines; stdout: ${out} stderr: ${err}`));
    });
  });
}

/** Resolves with the exit code. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** True when nothing accepts TCP on the port. */
export function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
    });
  });
}

/** Sends a signal to a child's whole process group (children spawned detached lead one); nothing if it is gone. */
export function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    // already gone
  }
}

/** True while any process of the process group still exists (a zombie counts until reaped). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until check holds (true) or the deadline passes (false): teardown after a kill is asynchronous. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
