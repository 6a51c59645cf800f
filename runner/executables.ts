// Finding the executables a target needs: an explicit path (--lb-bin) or a command on PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

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
