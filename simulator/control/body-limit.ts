// The control API's body limit. Every request body is read whole before the endpoint runs, also
// on endpoints that ignore it (GET /status, POST /servers/:port/down): a server that answers and
// closes while body bytes are still unread makes the kernel reset the connection, and the client
// loses the answer. Past CONTROL_MAX_BODY_BYTES the bytes are dropped and the answer is a 413.
import type { HttpBindings } from '@hono/node-server';
import type { Context, Next } from 'hono';

/** Control payloads are small; 16 MiB leaves room for a large Custom response_body. */
export const CONTROL_MAX_BODY_BYTES = 16 * 1024 * 1024;

async function drain(chunks: AsyncIterable<Uint8Array>, keep: Uint8Array[] | null): Promise<number> {
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (keep && size <= CONTROL_MAX_BODY_BYTES) keep.push(chunk);
  }
  return size;
}

/** Reads the body to its end; keeps it in `keep` up to the limit (null: drops it). Its size. */
function readToEnd(c: Context, keep: Uint8Array[] | null): Promise<number> {
  const incoming = (c.env as HttpBindings | undefined)?.incoming;
  const body = c.req.raw.body;
  // GET and HEAD carry no body in the Fetch API: drop whatever came straight from the socket.
  if (body) return drain(body, keep);
  return incoming && !incoming.readableEnded ? drain(incoming, null) : Promise.resolve(0);
}

/** For an answer that does not depend on the body (the guard's 403): read it and drop it first. */
export async function discardBody(c: Context): Promise<void> {
  await readToEnd(c, null);
}

export async function readWholeBody(c: Context, next: Next): Promise<Response | void> {
  const kept: Uint8Array[] = [];
  const size = await readToEnd(c, kept);
  if (size > CONTROL_MAX_BODY_BYTES) {
    return c.json({ error: `request body too large: the control API accepts at most ${CONTROL_MAX_BODY_BYTES} bytes`, field: 'body' }, 413);
  }
  if (c.req.raw.body) c.req.raw = new Request(c.req.raw, { body: Buffer.concat(kept) });
  await next();
}
