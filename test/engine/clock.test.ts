// The engine's clock: a deadline is a floor. Node's timers count in whole milliseconds of the event
// loop's time, so a setTimeout armed late in a millisecond can fire up to a millisecond early by
// performance.now(); the sleeps a job's timeout_ms and a model's keep_alive rely on must not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { now, sleep } from '../../simulator/engine/clock.js';

/** Busy-waits until now()'s fraction of a millisecond is in [from, from + 0.1). */
function atPhase(from: number): void {
  while (Math.abs((now() % 1) - from - 0.05) > 0.05);
}

test('a long sleep lasts at least its length, whatever the fraction of a millisecond it starts at', async () => {
  const alive = setInterval(() => {}, 1000); // the engine's timers are unref'd
  try {
    for (let k = 0; k < 10; k++) {
      atPhase(k / 10);
      const t0 = now();
      assert.ok(await sleep(101));
      const slept = now() - t0;
      assert.ok(slept >= 101, `started at phase ${k / 10}: slept ${slept.toFixed(2)} ms of 101`);
    }
  } finally {
    clearInterval(alive);
  }
});

test.run();
