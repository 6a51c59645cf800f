// Helpers shared by the native-surface tests.
import * as assert from 'uvu/assert';

/** The error `fn` rejects with; fails the test if it resolves. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error & { status_code?: number }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { status_code?: number };
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

/** Asserts `fn` rejects with exactly this message (and status, for ollama-js ResponseError). */
export async function rejectsWith(fn: () => Promise<unknown>, message: string, status?: number): Promise<void> {
  const e = await rejection(fn);
  assert.is(e.message, message);
  if (status !== undefined) assert.is(e.status_code, status);
}
