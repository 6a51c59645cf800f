// Racing 1: a racing balancer forwards exactly one backend's stream, the one whose first token came
// first. The three backends reply with 24, 36 and 48 tokens (so that lines of another stream show in
// the counts) and start 0, 250 and 500 ms late (SlowHeaders; rotated in the second request), so the
// streams overlap in time. In the first request the first token comes from the shortest answer in
// whatever pair or trio is raced: a racer that keeps the stream with the most bytes (the F3 fork)
// fails it every time, not only when its racer selection happens to leave the longest one out. The
// client's bytes must be exactly what the fastest backend wrote (journal: bytes, lines and
// writtenSha256, the hash that names the attempt a client got), with one done line counting its tokens.
import type { JournalRecord } from '../simulator/index.js';
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe, jsonLines, type Exchange } from './lib/client.js';
import { answerBound } from './lib/classic.js';
import { attemptsOf, marker, receivedSha256, settled, summarize } from './lib/journal.js';
import { needsRacing } from './lib/race.js';

const TOKENS = [24, 36, 48]; // per server: reply lengths that tell the streams apart
const DELAYS_MS = [0, 250, 500]; // by reply length in the first request, then rotated
const REQUESTS = 2;

const scenario: Scenario = {
  name: 'race-one-stream',
  description: 'a raced chat reaches the client as exactly one backend\'s stream, the fastest one\'s (bytes and lines equal its journal record, one done line): never two streams interleaved',
  tags: ['racing', 'streaming'],
  needs: needsRacing,
  fleet: { servers: 3, defaults: { tokens_per_sec: 40, load_ms: 0 }, perServer: TOKENS.map((num_tokens) => ({ num_tokens })) },
  async run(ctx) {
    // Shortest reply first (fleet.ports is in port order, not in the order of perServer).
    const ports = [...ctx.fleet.ports].sort((a, b) => ctx.fleet.server(a).settings.num_tokens - ctx.fleet.server(b).settings.num_tokens);
    for (let i = 0; i < REQUESTS; i++) {
      const delayOf = (port: number) => DELAYS_MS[(ports.indexOf(port) + i) % DELAYS_MS.length]!;
      for (const port of ports) ctx.fleet.setBehavior(port, delayOf(port) === 0 ? { type: 'Normal' } : { type: 'SlowHeaders', delay_ms: delayOf(port) });
      const since = ctx.fleet.cursor;
      const mark = marker(`race-${i}`);
      const ex = await chat(ctx.lbUrl, `tell me a story ${mark}`, { timeoutMs: answerBound(ctx, 2000), signal: ctx.signal });
      expect(completedWithDone(ex), `request ${i + 1}: the client should get one complete stream; got ${describe(ex)}`);
      await settled(ctx.fleet, since, answerBound(ctx));
      const attempts = attemptsOf(ctx.fleet, mark, since);
      expect(attempts.length >= 2, `request ${i + 1}: a racing balancer should send the chat to several backends; the journal shows ${summarize(attempts)}`);
      const fastest = attempts.reduce((a, b) => (delayOf(b.server) < delayOf(a.server) ? b : a));
      const timing = attempts.map((r) => `:${r.server} +${delayOf(r.server)} ms`).join(', ');
      // The attempt whose bytes the client got (none when another racer's lines were mixed in).
      const served = attempts.find((r) => r.writtenSha256 === receivedSha256(ex));
      expect(served === undefined || served === fastest,
        `request ${i + 1}: the client got the stream of :${served?.server} (${served?.tokensWritten} tokens, first token +${delayOf(served?.server ?? 0)} ms), not the fastest racer's, :${fastest.server} (racers started ${timing}): the race was not won by the first token; journal: ${summarize(attempts)}`);
      expect(fastest.outcome === 'completed', `request ${i + 1}: the fastest racer :${fastest.server} (racers started ${timing}) should win and complete; it ended ${fastest.outcome}; journal: ${summarize(attempts)}`);
      checkOneStream(ex, fastest, i);
    }
  },
};

/** The client's body is the winner's, byte for byte, and holds one stream's tokens and one done line. */
function checkOneStream(ex: Exchange, winner: JournalRecord, i: number): void {
  const bytes = Buffer.byteLength(ex.body);
  const dones = jsonLines(ex).filter((l) => l.done === true);
  const mixed = `: lines of another racer's stream were mixed in (${dones.length} done lines)`;
  expect(ex.lines.length <= winner.linesWritten, `request ${i + 1}: the client got ${ex.lines.length} lines, the winner :${winner.server} wrote ${winner.linesWritten}${mixed}`);
  expect(bytes === winner.bytesWritten, `request ${i + 1}: the client got ${bytes} bytes, the winner :${winner.server} wrote ${winner.bytesWritten}${bytes > winner.bytesWritten ? mixed : ' (bytes were lost)'}`);
  const tokenLines = jsonLines(ex).filter((l) => l.done === false).length;
  expect(dones.length === 1 && dones[0]!.eval_count === tokenLines && tokenLines === winner.tokensWritten,
    `request ${i + 1}: the client should get one stream: ${winner.tokensWritten} token lines and one done line counting them; it got ${tokenLines} token lines and done lines with eval_count ${dones.map((d) => d.eval_count).join(', ') || '(none)'}`);
}

export default scenario;
