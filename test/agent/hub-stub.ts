// A minimal hub for the node-agent tests: a real node:http server that records every heartbeat
// body it receives and answers seed 002's `{"node_id", "status": "ok"}`, or a status the test
// sets. Nothing else: what a hub does with heartbeats is the reference hub's business.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubStub {
  url: string;
  port: number;
  /** Heartbeat bodies in arrival order. */
  beats: Array<Record<string, unknown>>;
  /** The status the next heartbeats get (200 by default). */
  answerStatus: number;
  close(): Promise<void>;
}

export async function hubStub(): Promise<HubStub> {
  const stub = { beats: [], answerStatus: 200 } as unknown as HubStub;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      if (req.method === 'POST' && req.url === '/nodes/heartbeat') stub.beats.push(body);
      const status = req.url === '/nodes/heartbeat' ? stub.answerStatus : 404;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { node_id: body.node_id, status: 'ok' } : { detail: 'stub says no' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.port = (server.address() as AddressInfo).port;
  stub.url = `http://127.0.0.1:${stub.port}`;
  stub.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return stub;
}

/** Resolves when the promise rejects with a message matching `re`; fails otherwise. */
export async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let error: unknown = null;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  if (error === null) throw new Error(`expected a rejection matching ${re}, but it resolved`);
  if (!re.test((error as Error).message)) throw new Error(`expected a rejection matching ${re}, got: ${(error as Error).message}`);
}
