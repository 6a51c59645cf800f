// Nothing outlives the process that started it. `npx ollama-sim` is not one process but three:
// npm, the `sh -c` npm runs the bin through, and node. npm forwards SIGTERM/SIGINT only to that
// shell; Debian's /bin/sh (dash) dies of SIGTERM without passing it on (macOS's bash execs the
// command instead, so there the signal arrives). A signal handler alone therefore never hears of a
// `kill $npx_pid`, a SIGKILL/SIGHUP to npm, or the shell that ran npx going away.
//
// So the process watches its launch chain: its parent, and through npm's layers (npm and its
// `sh -c`, however nested) up to the first process that is not one of them, the owner (the user's
// shell, a CI step, a test harness). When any of them exits, or the process is re-parented, it
// stops. This works the same on Linux and macOS: re-parenting and pid liveness are POSIX, polled
// every 200 ms without spawning anything (Linux reads /proc; elsewhere kill(pid, 0)).
import { processInfo, stillRunning, type ProcessInfo } from './process-info.js';

const POLL_MS = 200;
const MAX_DEPTH = 8;

const PACKAGE_MANAGER = /(^|[\s/])(npm|npx|pnpm|yarn)(\s|$)|(npm|npx)-cli\.js/;
const SCRIPT_SHELL = /^(\S*\/)?(sh|dash|bash|zsh|ash) -c /;

function isPackageManager(p: ProcessInfo): boolean {
  return PACKAGE_MANAGER.test(p.command);
}

/** A layer npm inserted: npm itself, or the `sh -c` it runs a bin or script through. */
function isWrapper(p: ProcessInfo): boolean {
  if (isPackageManager(p)) return true;
  if (!SCRIPT_SHELL.test(p.command)) return false;
  const parent = processInfo(p.ppid);
  return parent !== null && isPackageManager(parent);
}

/** The parent, then npm's layers above it, ending with the owner; init (pid 1) is never included. */
export function launchChain(ppid = process.ppid): ProcessInfo[] {
  const chain: ProcessInfo[] = [];
  let p = ppid > 1 ? processInfo(ppid) : null;
  while (p !== null && chain.length < MAX_DEPTH) {
    chain.push(p);
    if (!isWrapper(p) || p.ppid <= 1) break;
    p = processInfo(p.ppid);
  }
  return chain;
}

function describe(p: ProcessInfo): string {
  const command = p.command.length > 60 ? `${p.command.slice(0, 57)}...` : p.command;
  return `process ${p.pid} (${command})`;
}

/**
 * Calls onGone once, with a reason, when the parent or any process of the launch chain exits.
 * Returns the function that stops watching. Started by init or a service manager (parent pid 1):
 * nothing to watch.
 */
export function watchParent(onGone: (why: string) => void): () => void {
  const ppid = process.ppid;
  const chain = launchChain(ppid);
  if (chain.length === 0) return () => {};
  const timer = setInterval(() => {
    let why: string | null = null;
    if (process.ppid !== ppid) why = `parent ${describe(chain[0])} exited`;
    else {
      const gone = chain.find((p) => !stillRunning(p));
      if (gone) why = `${gone === chain[0] ? 'parent' : 'launcher'} ${describe(gone)} exited`;
    }
    if (why === null) return;
    clearInterval(timer);
    onGone(why);
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
