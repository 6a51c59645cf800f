// Seeded text: the same fleet seed and the same request give the same words on any server and in
// any run (ports are OS-chosen and take no part); a different seed gives different words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ollama } from 'ollama';
import { startFleet, type Fleet } from '../../simulator/index.js';

const fleets: Fleet[] = [];

test.after.each(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
});

async function fleetWithSeed(seed: number, servers = 1): Promise<Fleet> {
  const fleet = await startFleet({ servers, seed, controlPort: null, defaults: { tokens_per_sec: 5000, load_ms: 0 } });
  fleets.push(fleet);
  return fleet;
}

const request = { model: 'llama3.2', messages: [{ role: 'user', content: 'Tell me about the sea.' }] };

async function chatText(url: string): Promise<string> {
  return (await new Ollama({ host: url }).chat(request)).message.content;
}

async function generateText(url: string): Promise<string> {
  return (await new Ollama({ host: url }).generate({ model: 'qwen3:8b', prompt: 'Count to five', think: true })).response ?? '';
}

test('same seed, same request: identical text on every server of two fleets', async () => {
  const a = await fleetWithSeed(7, 2);
  const b = await fleetWithSeed(7);
  const texts = await Promise.all([...a.urls, ...b.urls].map(chatText));
  assert.ok(texts[0].length > 0);
  for (const t of texts) assert.is(t, texts[0]);
  const thoughts = await Promise.all([a.urls[0], b.urls[0]].map(generateText));
  assert.is(thoughts[1], thoughts[0]);
});

test('different seed: different text', async () => {
  const a = await fleetWithSeed(7);
  const b = await fleetWithSeed(8);
  const [ta, tb] = await Promise.all([chatText(a.urls[0]), chatText(b.urls[0])]);
  assert.is.not(ta, tb);
});

test('different request, same seed: different text', async () => {
  const a = await fleetWithSeed(7);
  const other = await new Ollama({ host: a.urls[0] }).chat({ ...request, messages: [{ role: 'user', content: 'Tell me about the mountains.' }] });
  assert.is.not(other.message.content, await chatText(a.urls[0]));
});

test('embeddings: the same text embeds identically across fleets with the same seed', async () => {
  const a = await fleetWithSeed(3);
  const b = await fleetWithSeed(3);
  const [ea, eb] = await Promise.all([a, b].map((f) => new Ollama({ host: f.urls[0] }).embed({ model: 'nomic-embed-text', input: 'the same text' })));
  assert.equal(ea.embeddings, eb.embeddings);
});

test.run();
