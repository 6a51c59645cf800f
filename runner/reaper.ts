// The last line of defence when the runner dies without tearing down (SIGKILL, OOM killer): a small
// watchdog process, Testcontainers' Ryuk in miniature. The runner tells it, over a pipe that is the
// watchdog's stdin, which process groups (the load balancers: nginx's workers too) and temp dirs are
// live. When that pipe closes, whatever way the runner ended, the watchdog sends SIGTERM to every
// group still registered, SIGKILL 2 s later, removes the dirs and exits. A runner that stops
// normally unregisters everything first, so then it has nothing to do.
//
// The watchdog leads its own process group, so the Ctrl-C meant for the runner does not reach it,
// and it is unref'd, so it never keeps the runner alive.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/** The watchdog's program (plain JS, run with `node -e`: nothing to build or resolve). */
const WATCHDOG = `
const groups = new Set(), dirs = new Set();
let pending = '';
const apply = (line) => {
  const [op, arg] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
  if (op === 'group') groups.add(Number(arg));
  else if (op === 'ungroup') groups.delete(Number(arg));
  else if (op === 'dir') dirs.add(arg);
  else if (op === 'undir') dirs.delete(arg);
};
const signal = (sig) => { for (const g of groups) { try { process.kill(-g, sig); } catch {} } };
const reap = () => {
  signal('SIGTERM');
  setTimeout(() => {
    signal('SIGKILL');
    for (const d of dirs) { try { require('node:fs').rmSync(d, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, groups.size ? ${2000} : 0);
};
for (const s of ['SIGINT', 'SIGHUP', 'SIGTERM']) process.on(s, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const lines = (pending + chunk).split('\\n');
  pending = lines.pop();
  lines.forEach(apply);
});
process.stdin.once('end', reap);
process.stdin.once('error', reap);
`;

let watchdog: { child: ChildProcess; pipe: Writable } | null = null;

function send(line: string): void {
  if (!watchdog) {
    const child = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    const pipe = child.stdin!;
    pipe.on('error', () => {}); // the watchdog died (someone killed it): nothing more to tell it
    child.unref();
    (pipe as unknown as { unref(): void }).unref();
    watchdog = { child, pipe };
  }
  watchdog.pipe.write(`${line}\n`);
}

/** Kill this process group if the runner dies first. Returns the function that unregisters it. */
export function reapGroupIfRunnerDies(pgid: number): () => void {
  send(`group ${pgid}`);
  return () => send(`ungroup ${pgid}`);
}

/** Remove this directory if the runner dies first. Returns the function that unregisters it. */
export function reapDirIfRunnerDies(dir: string): () => void {
  send(`dir ${dir}`);
  return () => send(`undir ${dir}`);
}
