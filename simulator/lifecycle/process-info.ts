// What the OS says about another process: its parent, its command line, whether it still runs.
// Linux reads /proc (no child process); elsewhere (macOS, BSD) `ps`, which has the same columns.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** argv joined by spaces (npm shows its title here: `npm exec ollama-sim ...`). */
  command: string;
  /** Linux only: the start time in clock ticks, so a reused pid is not taken for the process. */
  startTicks?: string;
}

const onLinux = process.platform === 'linux';

export function linuxInfo(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ... starttime(22nd)": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null; // exited, not yet reaped
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replaceAll('\0', ' ');
    return { pid, ppid: Number(fields[1]), command, startTicks: fields[19] };
  } catch {
    return null;
  }
}

/** The `ps` reading (macOS, BSD); exported so Linux runs it in tests too. */
export function psInfo(pid: number): ProcessInfo | null {
  try {
    const out = execFileSync('ps', ['-o', 'ppid=', '-o', 'stat=', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(out.trim());
    if (!m || m[2].startsWith('Z')) return null;
    return { pid, ppid: Number(m[1]), command: m[3] };
  } catch {
    return null; // ps exits 1 for a pid that does not exist
  }
}

/** The process, or null when it does not exist (or is a zombie: it has exited). */
export function processInfo(pid: number): ProcessInfo | null {
  return onLinux ? linuxInfo(pid) : psInfo(pid);
}

/** Whether the process seen earlier still runs. Cheap enough to poll: no child process. */
export function stillRunning(p: ProcessInfo): boolean {
  if (onLinux) {
    const now = linuxInfo(p.pid);
    return now !== null && now.startTicks === p.startTicks;
  }
  try {
    process.kill(p.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
