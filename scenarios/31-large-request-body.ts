// Vision requests carry images as base64 in the JSON body: 10 MB is ordinary. The balancer must
// forward the body byte for byte (a proxy body limit or a truncation shows as a different hash).
import { createHash, randomBytes } from 'node:crypto';
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { completedWithDone, describe, send } from './lib/client.js';
import { marker, summarize, waitForRecord } from './lib/journal.js';

const IMAGE_BYTES = 7.5 * 1024 * 1024; // 10 MiB once base64-encoded
const MODEL = 'llava:7b';

const scenario: Scenario = {
  name: 'large-request-body',
  description: 'a /api/chat body with a 10 MB base64 image reaches the backend intact (journal bodyBytes and bodySha256 equal what the client sent)',
  tags: ['conformance', 'body'],
  fleet: { servers: 2, defaults: { models: ['test-model:latest', MODEL] } },
  async run(ctx) {
    const mark = marker('image');
    const body = JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: `what is in this picture? ${mark}`, images: [randomBytes(IMAGE_BYTES).toString('base64')] }],
      options: { num_predict: 5 },
    });
    const sent = { bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') };
    const since = ctx.fleet.cursor;
    const bound = ctx.target.timeoutMs * 5; // 10 MB through two hops on a loaded machine
    const ex = await send(ctx.lbUrl, { path: '/api/chat', body, signal: ctx.signal, timeoutMs: bound });
    const attempt = await waitForRecord(ctx.fleet, (r) => r.path === '/api/chat', ctx.target.timeoutMs, 'the forwarded image request', since);
    expect(attempt.bodyBytes === sent.bytes && attempt.bodySha256 === sent.sha256,
      `the backend should receive the ${sent.bytes}-byte body intact (sha256 ${sent.sha256.slice(0, 12)}…); it received ${attempt.bodyBytes} bytes (sha256 ${attempt.bodySha256.slice(0, 12) || 'none'}…)`);
    expect(completedWithDone(ex), `the client should get a complete answer to its image request; got ${describe(ex)}; journal: ${summarize([attempt])}`);
  },
};

export default scenario;
