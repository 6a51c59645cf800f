// Runtime discovery: the backend list lives in a file (one URL a line, `#` comments) that is
// re-read whenever it changes, so backends can be added and removed without a restart.
import { readFileSync, statSync } from 'node:fs';
import { parseBackendUrl, type Log } from './backends.js';

const POLL_MS = 200;

/** The URLs in a backends file; bad lines are logged and skipped, not fatal. */
export function parseBackendsFile(text: string, file: string, log: Log): string[] {
  const urls: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    try {
      urls.push(parseBackendUrl(line));
    } catch {
      log(`backends file ${file}: ignoring bad line '${line}'`);
    }
  }
  return urls;
}

/** Reads the file now; a missing file is an empty list (it may appear later). */
export function readBackendsFile(file: string, log: Log): string[] {
  try {
    return parseBackendsFile(readFileSync(file, 'utf8'), file, log);
  } catch (err) {
    log(`backends file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return [];
  }
}

/** Polls the file's mtime/size/inode (an editor's rename-over changes the inode) and calls back on change. */
export function watchBackendsFile(file: string, log: Log, onChange: (urls: string[]) => void): () => void {
  let last = signature(file);
  const timer = setInterval(() => {
    const now = signature(file);
    if (now === last) return;
    last = now;
    log(`backends file ${file} changed`);
    onChange(readBackendsFile(file, log));
  }, POLL_MS);
  return () => clearInterval(timer);
}

function signature(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
}
