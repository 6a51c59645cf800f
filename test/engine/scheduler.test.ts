// The slot scheduler's synchronous fast path (tryAcquire, used when generation is instant and no
// AbortSignal should be made) must not jump the FIFO queue, and must count slots as acquire does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QueueFullError, SlotScheduler } from '../../simulator/engine/scheduler.js';

test('tryAcquire takes a free slot at once and counts it', () => {
  const s = new SlotScheduler(2, 10);
  const a = s.tryAcquire();
  const b = s.tryAcquire();
  assert.type(a, 'function');
  assert.type(b, 'function');
  assert.is(s.busySlots, 2);
  assert.is(s.tryAcquire(), null, 'no slot left');
  a!();
  a!(); // a second release is a no-op
  assert.is(s.busySlots, 1);
  b!();
  assert.is(s.busySlots, 0);
});

test('tryAcquire never overtakes a queued request; the queue is served first, in order', async () => {
  const s = new SlotScheduler(1, 10);
  const first = s.tryAcquire()!;
  const order: string[] = [];
  const waiting = [s.acquire(new AbortController().signal).then((r) => (order.push('q1'), r)), s.acquire(new AbortController().signal).then((r) => (order.push('q2'), r))];
  assert.is(s.queueLength, 2);
  first();
  assert.is(s.tryAcquire(), null, 'the freed slot went to the first in the queue');
  const r1 = await waiting[0];
  r1!();
  assert.is(s.tryAcquire(), null, 'then to the second');
  const r2 = await waiting[1];
  assert.equal(order, ['q1', 'q2']);
  r2!();
  assert.type(s.tryAcquire(), 'function', 'free again once the queue is empty');
});

test('acquire still refuses past max_queue', () => {
  const s = new SlotScheduler(1, 0);
  s.tryAcquire();
  assert.throws(() => s.acquire(new AbortController().signal), (e: unknown) => e instanceof QueueFullError);
});

test.run();
