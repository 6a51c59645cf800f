// One JSON POST from a node agent to its hub, over the agent's own keep-alive connection (as the
// seed's agent reuses one httpx client): the status and body of the answer, or an error naming why
// none came (the connection error's code, a timeout, the agent stopping).
import http from 'node:http';
import https from 'node:https';

export interface HubAnswer {
  status: number;
  body: string;
}

/** A keep-alive connection pool of one socket, for the agent's URL scheme. */
export function hubConnection(url: URL): http.Agent {
  const options = { keepAlive: true, maxSockets: 1 };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/** Posts `body` as JSON; rejects with an Error whose message says why there is no answer. */
export function postJson(url: URL, body: string, o: { agent: http.Agent; timeoutMs: number; signal: AbortSignal }): Promise<HubAnswer> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) return reject(new Error(String(o.signal.reason ?? 'aborted')));
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      fn();
    };
    const req = send(url, {
      method: 'POST',
      agent: o.agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'ollama-sim-node-agent' },
    });
    const fail = (message: string) => settle(() => {
      req.destroy();
      reject(new Error(message));
    });
    const timer = setTimeout(() => fail(`timeout after ${o.timeoutMs} ms`), o.timeoutMs);
    const onAbort = () => fail(String(o.signal.reason ?? 'aborted'));
    o.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
      res.on('aborted', () => fail('the hub closed the connection before the end of its answer'));
    });
    req.end(body);
  });
}
