// Shared by the runner's tests: checks that a process and ports are gone, a usage error was
// thrown, and a small well-formedness check for XML (tags nest and close, attributes are quoted, text is escaped).
import * as assert from 'uvu/assert';
import { connectRefused } from '../../runner/ports.js';
import { UsageError } from '../../runner/targets/custom.js';

/** Asserts fn throws a UsageError whose message contains text. */
export function throwsUsage(fn: () => unknown, text: string): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UsageError);
    assert.match((err as Error).message, text);
    return;
  }
  assert.unreachable(`expected a UsageError mentioning ${text}`);
}

export function processGone(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function allRefused(ports: number[]): Promise<boolean> {
  const refused = await Promise.all(ports.map((p) => connectRefused(p)));
  return refused.every(Boolean);
}

/** Throws with the position of the first problem; returns the element names in document order. */
export function checkWellFormedXml(xml: string): string[] {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)>/y;
  const stack: string[] = [];
  const names: string[] = [];
  let i = 0;
  let roots = 0;
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) throw new Error(`unescaped & near ${i}`);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root element near ${i}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) throw new Error(`malformed tag at ${lt}: ${body.slice(lt, lt + 60)}`);
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) throw new Error(`</${name}> at ${lt} closes nothing open`);
    } else {
      if (stack.length === 0) roots++;
      names.push(name);
      if (!selfClose) stack.push(name);
    }
    i = tag.lastIndex;
  }
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
  return names;
}
