// Finding the executables a target needs: an explicit path (--lb-bin) or a command on PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';

const HELP_TIMEOUT_MS = 10_000;

/** Why the file cannot be executed, or null when it can. */
export function notExecutable(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.X_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${path} does not exist` : `${path} is not executable (${code})`;
  }
}

/** Target.unavailable of a target whose binary must come from --lb-bin: null, or why not and what to do (`needs`). */
export function lbBinUnavailable(binPath: string | undefined, needs: string): string | null {
  if (binPath === undefined) return needs;
  const why = notExecutable(binPath);
  return why === null ? null : `--lb-bin ${why}; ${needs}`;
}

/** What `binPath --help` prints (stdout, then stderr), or null when it fails or hangs. */
export async function helpText(binPath: string): Promise<string | null> {
  const r = await execa(binPath, ['--help'], { reject: false, timeout: HELP_TIMEOUT_MS, stdin: 'ignore' });
  return r.exitCode === 0 ? `${r.stdout}\n${r.stderr}` : null;
}

/** The absolute path of a command found on PATH (or in the sbin dirs Debian puts daemons in). */
export function findCommand(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, name);
    if (notExecutable(candidate) === null) return candidate;
  }
  return null;
}

/** Whole seconds for balancers that only take seconds: rounds up, at least 1. */
export function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
