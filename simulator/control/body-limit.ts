// The control API's body limit. Every request body is read whole before the endpoint runs, also
// on endpoints that ignore it (GET /status, POST /servers/:port/down): a server that answers and
// closes while body bytes are still unread makes the kernel reset the connection, and the client
// loses the answer. Past CONTROL_MAX_BODY_BYTES the bytes are dropped and the answer is a 413.
import type { HttpBindings } from '@hono/node-server';
import type { Context, Next } from 'hono';

/** Control payloads are small; 16 MiB leaves room for a large Custom response_body. */
export const CONTROL_MAX_BODY_BYTES = 16 * 1024 * 1024;

async function drain(chunks: AsyncIterable<Uint8Array>, keep: Uint8Array[]): Promise<number> {
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size <= CONTROL_MAX_BODY_BYTES) keep.push(chunk);
  }
  return size;
}

export async function readWholeBody(c: Context, next: Next): Promise<Response | void> {
  const incoming = (c.env as HttpBindings | undefined)?.incoming;
  const body = c.req.raw.body;
  const kept: Uint8Array[] = [];
  // GET and HEAD carry no body in the Fetch API: drop whatever came straight from the socket.
  const size = body ? await drain(body, kept) : incoming && !incoming.readableEnded ? await drain(incoming, []) : 0;
  if (size > CONTROL_MAX_BODY_BYTES) {
    return c.json({ error: `request body too large: the control API accepts at most ${CONTROL_MAX_BODY_BYTES} bytes`, field: 'body' }, 413);
  }
  if (body) c.req.raw = new Request(c.req.raw, { body: Buffer.concat(kept) });
  await next();
}
