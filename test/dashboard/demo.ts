// A fleet with traffic that exercises every part of the dashboard: a server that fails mid-stream
// (its requests fail over to the next server, so the timeline shows bars moving between rows), a
// one-slot server that sometimes queues, clients that give up, and requests for a model nobody has. The
// screenshot test and scripts/dashboard-screenshot.ts (docs/dashboard.png) both use it.
import type { Page } from 'playwright-core';
import { startFleet, type Fleet, type JournalRecord } from '../../simulator/index.js';

export interface Demo {
  fleet: Fleet;
  /** Stops the traffic (aborting what is in flight) and the fleet. */
  stop(): Promise<void>;
}

const REQUEST_EVERY_MS = 220;

export async function startDemo(): Promise<Demo> {
  const fleet = await startFleet({
    servers: [{ port: 0, name: 'gpu-a', num_parallel: 1 }, { port: 0, name: 'gpu-b' }, { port: 0, name: 'gpu-c' }],
    defaults: { num_parallel: 2, tokens_per_sec: 40, num_tokens: 14, load_ms: 400, models: ['llama3.2', 'qwen3:8b', 'nomic-embed-text'] },
    seed: 7,
  });
  const portOf = (name: string) => fleet.list().find((s) => s.name === name)!.port;
  fleet.setBehavior(portOf('gpu-b'), { type: 'FailMidStream', tokens_before_fail: 3 });
  const stopped = new AbortController();
  // In name order, whatever ports the OS chose: gpu-b's failures fail over to gpu-c.
  const ports = ['gpu-a', 'gpu-b', 'gpu-c'].map(portOf);

  /** One streamed chat; true when it ended with done:true. */
  async function chat(port: number, i: number, signal: AbortSignal): Promise<boolean> {
    const model = i % 13 === 6 ? 'llama3.3:70b' : i % 4 === 3 ? 'qwen3:8b' : 'llama3.2';
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/chat`, {
        method: 'POST',
        signal,
        body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: `Question ${i}: why is the sky blue?` }] }),
      });
      const text = await res.text();
      return res.status === 404 || (res.ok && text.includes('"done":true'));
    } catch {
      return false;
    }
  }

  // A client with failover: round-robin, and on a failure the same request goes to the next server.
  async function client(i: number): Promise<void> {
    const give = i % 9 === 4 ? AbortSignal.any([stopped.signal, AbortSignal.timeout(250)]) : stopped.signal;
    for (let attempt = 0; attempt < ports.length && !stopped.signal.aborted; attempt++) {
      if (await chat(ports[(i + attempt) % ports.length], i, give)) return;
      if (give.aborted) return;
    }
  }

  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for (let i = 0; !stopped.signal.aborted; i++) {
      const p = client(i).finally(() => inFlight.delete(p));
      inFlight.add(p);
      await new Promise((r) => setTimeout(r, REQUEST_EVERY_MS));
    }
  })();

  return {
    fleet,
    async stop() {
      stopped.abort();
      await loop;
      await Promise.all(inFlight);
      await fleet.stop();
    },
  };
}

/** Resolves once the journal holds every kind of outcome the demo produces. */
export async function demoWarmedUp(fleet: Fleet, timeoutMs = 20_000): Promise<void> {
  const kinds: Array<(r: JournalRecord) => boolean> = [
    (r) => r.outcome === 'fault',
    (r) => r.outcome === 'client_aborted',
    (r) => r.outcome === 'completed' && r.status === 404,
    (r) => r.outcome === 'completed' && r.status === 200 && r.path === '/api/chat',
  ];
  await Promise.all(kinds.map((k) => fleet.waitForRecord(k, timeoutMs)));
}

/**
 * Opens the dashboard as a person would use it for the README picture: a 10 s timeline, gpu-b chosen
 * in the form with FailMidStream, one failed request opened in the details panel.
 */
export async function showDemo(page: Page, fleet: Fleet): Promise<void> {
  await page.goto(`${fleet.controlUrl}/`);
  await page.waitForSelector('body[data-ready="true"]');
  const b = fleet.list().find((s) => s.name === 'gpu-b')!.port;
  await page.selectOption('#tl-window', '10000');
  await page.selectOption('#f-target', String(b));
  await page.selectOption('#f-type', 'FailMidStream');
  await page.fill('#f-tokens_before_fail', '3');
  await page.locator('.bar.o-fault').last().click();
  await page.waitForSelector('#details .chip.o-fault');
  await page.evaluate(() => window.scrollTo(0, 0));
}
