// 11. KV cache affinity: the same conversation sent twice must reach the backend that has it in its
// KV cache (journal), and so come back with a much shorter time to first token.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { completedWithDone, describe, send } from './lib/client.js';
import { answerBound, servedRecord } from './lib/classic.js';

// A long system prompt, evaluated slowly: a cold backend spends hundreds of ms before its first token.
const SYSTEM = Array.from({ length: 12 }, (_, i) => `Rule ${i + 1}: answer politely, precisely and briefly, citing sources when you can.`).join(' ');
const CONVERSATION = {
  model: 'test-model:latest',
  messages: [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'Hello, how are you today?' },
  ],
  stream: true,
};

const scenario: Scenario = {
  name: 'kv-cache-affinity',
  description: 'A repeated conversation reaches the backend that served it before (journal) and gets its first token at least twice as fast (warm KV cache).',
  tags: ['classic', 'routing', 'kv-cache'],
  needs: (t) => (t.kvAffinity ? null : 'needs kvAffinity (sends a repeated conversation back to its warm backend)'),
  fleet: { defaults: { prompt_tokens_per_sec: 300, tokens_per_sec: 100, num_tokens: 5, load_ms: 0 } },
  async run(ctx) {
    const ask = async (n: number) => {
      const since = ctx.fleet.cursor;
      const ex = await send(ctx.lbUrl, { path: '/api/chat', body: CONVERSATION, timeoutMs: answerBound(ctx, 2000), signal: ctx.signal });
      expect(completedWithDone(ex), `request ${n} did not complete: ${describe(ex)}`);
      return { ex, record: await servedRecord(ctx, since, ex) };
    };
    const first = await ask(1);
    const second = await ask(2);
    expect(second.record.server === first.record.server, `the repeated conversation went to backend :${second.record.server}, not to :${first.record.server} which has it in its KV cache`);
    const ttft1 = first.ex.lines[0]!.at;
    const ttft2 = second.ex.lines[0]!.at;
    expect(ttft2 * 2 <= ttft1, `time to first token: ${Math.round(ttft1)} ms cold, ${Math.round(ttft2)} ms warm; the warm request should be at least twice as fast`);
  },
};

export default scenario;
