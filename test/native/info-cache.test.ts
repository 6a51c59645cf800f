// GET /api/tags and /api/version answer a cached body (api/cached-body.ts): the cache must follow
// every change of what they report (a pull, a delete, a copy, POST /models of the control API,
// another server's settings), and the journal's writtenSha256 must be the hash of what left.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet, type Fleet } from '../../simulator/index.js';

let fleet: Fleet;

test.before(async () => {
  fleet = await startFleet({ servers: [{ port: 0 }, { port: 0, version: '9.9.9' }], defaults: { load_ms: 0, tokens_per_sec: 1e6 } });
});

test.after(async () => {
  await fleet.stop();
});

async function call(url: string, method = 'GET', body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { connection: 'close' } });
  return { status: res.status, text: await res.text() };
}

async function tagNames(url: string): Promise<string[]> {
  const { text } = await call(`${url}/api/tags`);
  return (JSON.parse(text) as { models: Array<{ name: string }> }).models.map((m) => m.name);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('tags follows a pull, a copy and a delete on the server', async () => {
  const url = fleet.urls[0];
  const before = await tagNames(url);
  assert.not.ok(before.includes('tinyllama:latest'));
  assert.is((await call(`${url}/api/pull`, 'POST', { model: 'tinyllama', stream: false })).status, 200);
  const pulled = await tagNames(url);
  assert.is(pulled[0], 'tinyllama:latest', 'a pulled model leads the list');
  assert.is(pulled.length, before.length + 1);
  assert.is((await call(`${url}/api/copy`, 'POST', { source: 'tinyllama', destination: 'mine' })).status, 200);
  assert.ok((await tagNames(url)).includes('mine:latest'));
  assert.is((await call(`${url}/api/delete`, 'DELETE', { model: 'tinyllama' })).status, 200);
  const after = await tagNames(url);
  assert.not.ok(after.includes('tinyllama:latest'));
  assert.ok(after.includes('mine:latest'));
});

test('tags follows POST /models of the control API, per server', async () => {
  const [a, b] = fleet.urls;
  const bBefore = await tagNames(b);
  const res = await call(`${fleet.controlUrl}/models`, 'POST', { port: fleet.ports[0], models: ['qwen3:8b', { name: 'custom:1b', size: 5 }] });
  assert.is(res.status, 200, res.text);
  assert.equal((await tagNames(a)).sort(), ['custom:1b', 'qwen3:8b']);
  assert.equal(await tagNames(b), bBefore, 'the other server kept its list');
  // The same names again are new specs: the answer is rebuilt and says the same.
  const again = await call(`${fleet.controlUrl}/models`, 'POST', { port: fleet.ports[0], models: ['qwen3:8b', { name: 'custom:1b', size: 6 }] });
  assert.is(again.status, 200);
  assert.ok((await call(`${a}/api/tags`)).text.includes('"size":6'), 'the new size, not the cached one');
});

test('version is per server', async () => {
  // By setting, not by place: urls are in port order, and the OS may give the second server the lower port.
  const urlOf = (version: string) => fleet.list().find((s) => s.settings.version === version)!.url;
  const [plain, nine] = [urlOf('0.13.5'), urlOf('9.9.9')];
  assert.is((await call(`${plain}/api/version`)).text, '{"version":"0.13.5"}');
  assert.is((await call(`${nine}/api/version`)).text, '{"version":"9.9.9"}');
  assert.is((await call(`${plain}/api/version`)).text, '{"version":"0.13.5"}');
});

test("the journal's writtenSha256 is the hash of the cached body that left, before and after a change", async () => {
  const url = fleet.urls[0];
  for (const path of ['/api/tags', '/api/version', '/api/tags']) {
    const since = fleet.cursor;
    const { text } = await call(url + path);
    const record = await fleet.waitForRecord((r) => r.path === path, 5000, since);
    assert.is(record.writtenSha256, sha256(text), path);
    assert.is(record.bytesWritten, Buffer.byteLength(text));
  }
  await call(`${fleet.controlUrl}/models`, 'POST', { port: fleet.ports[0], models: ['llama3.2'] });
  const since = fleet.cursor;
  const { text } = await call(`${url}/api/tags`);
  assert.ok(text.includes('llama3.2:latest') && !text.includes('qwen3'));
  assert.is((await fleet.waitForRecord((r) => r.path === '/api/tags', 5000, since)).writtenSha256, sha256(text));
});

test('a non-streamed chat: writtenSha256 (one-shot hash) and bodySha256 are those of the bytes', async () => {
  const since = fleet.cursor;
  const body = JSON.stringify({ model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'héllo' }] });
  const { status, text } = await call(`${fleet.urls[0]}/api/chat`, 'POST', JSON.parse(body));
  assert.is(status, 200);
  const record = await fleet.waitForRecord((r) => r.path === '/api/chat', 5000, since);
  assert.is(record.writtenSha256, sha256(text));
  assert.is(record.bodySha256, sha256(body));
});

test.run();
