// A client that stops reading a stream: the simulator waits for the socket (as Ollama's blocked
// write holds its runner) instead of queueing the rest of the reply in memory, and the stream
// completes, byte-exact and in order, once the client reads again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Exchange } from '../../simulator/api/exchange.js';
import { startFleet, type Fleet } from '../../simulator/index.js';
import { RawConnection, chatRequest, streamedLines } from '../behaviors/wire.js';

/** A reply far larger than any socket buffer (~100 bytes a line), generated as fast as it can go. */
const TOKENS = 100_000;

/**
 * A fleet, and a client that sent a streaming chat and does not read, once the stream's socket is
 * congested: the kernel buffers are full and the socket holds more than its high-water mark.
 * Polled: the moment depends on the kernel's buffer sizes.
 */
async function pausedStream(): Promise<{ fleet: Fleet; conn: RawConnection; ex: Exchange }> {
  const fleet = await startFleet({ servers: 1, seed: 3, controlPort: null, defaults: { tokens_per_sec: 1_000_000, prompt_tokens_per_sec: 1_000_000, load_ms: 0, num_tokens: TOKENS } });
  const conn = new RawConnection(fleet.ports[0]);
  await conn.connected;
  conn.socket.pause();
  conn.send(chatRequest());
  const server = fleet.server(fleet.ports[0]);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ex = [...server.inFlight][0] as unknown as Exchange | undefined;
    if (ex?.congested) return { fleet, conn, ex };
    if (Date.now() > deadline) {
      conn.destroy();
      await fleet.stop();
      assert.unreachable('the socket never became congested');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a paused client: bounded buffering, generation waits, then the whole stream arrives', async () => {
  const { fleet, conn, ex } = await pausedStream();
  try {
    const lines = ex.record.linesWritten;
    const buffered = ex.socket.writableLength;
    assert.ok(lines < TOKENS / 2, `generation went on while the client did not read: ${lines} lines`);
    // 200 ms at 1M tok/s would be the whole reply if nothing held the stream back.
    await new Promise((r) => setTimeout(r, 200));
    assert.is(ex.record.linesWritten, lines, 'no line is generated while the socket is congested');
    assert.is(ex.socket.writableLength, buffered, 'nothing more is queued');
    assert.ok(buffered < 64 * 1024, `queued in the process: ${buffered} bytes (high-water mark 16 KiB plus one tick's lines)`);
    conn.socket.resume();
    const seen = await conn.untilText('0\r\n\r\n', 30_000);
    const { lines: got, terminated } = streamedLines(seen.text);
    assert.ok(terminated);
    assert.is(got.length, TOKENS + 1);
    assert.is(JSON.parse(got[got.length - 1]).done, true);
    const record = await fleet.waitForRecord((r) => r.path === '/api/chat');
    assert.is(record.outcome, 'completed');
    assert.is(record.linesWritten, TOKENS + 1);
  } finally {
    conn.destroy();
    await fleet.stop();
  }
});

test('a client that leaves while the stream waits on it: the wait ends and the record says client_aborted', async () => {
  const { fleet, conn } = await pausedStream();
  try {
    conn.destroy();
    const record = await fleet.waitForRecord((r) => r.path === '/api/chat');
    assert.is(record.outcome, 'client_aborted');
    assert.ok(record.linesWritten > 0 && record.linesWritten < TOKENS);
    assert.match(record.writtenSha256, /^[0-9a-f]{64}$/);
    // The runner slot was released: another request is served at once.
    const res = await fetch(`${fleet.urls[0]}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'x' }], stream: false, options: { num_predict: 3 } }) });
    assert.is(res.status, 200);
    assert.is((await res.json()).eval_count, 3);
  } finally {
    conn.destroy();
    await fleet.stop();
  }
});

test.run();
