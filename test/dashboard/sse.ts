// A Server-Sent Events reader over fetch, for tests of GET /events: it keeps every event in order
// (name, id, parsed data, arrival time) and waits on conditions with a deadline.

export interface SseEvent {
  event: string;
  id: string | undefined;
  data: any;
  at: number;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  contentType = '';
  /** True once the server ended the stream. */
  ended = false;
  private readonly abort = new AbortController();
  private readonly waiters = new Set<() => void>();

  private constructor() {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const res = await fetch(url, { headers, signal: client.abort.signal });
    client.status = res.status;
    client.contentType = res.headers.get('content-type') ?? '';
    if (res.ok && res.body) void client.read(res.body);
    else await res.body?.cancel();
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        this.notify();
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
    this.notify();
  }

  private parse(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return; // retry: or a comment
    this.events.push({ event, id, data: JSON.parse(data.join('\n')), at: performance.now() });
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  of(name: string): SseEvent[] {
    return this.events.filter((e) => e.event === name);
  }

  /** Resolves once pred() holds; rejects after ms saying what was awaited and what came. */
  until<T>(pred: () => T | undefined | false, ms = 5000, what = 'a condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pred();
        if (!v) return;
        cleanup();
        resolve(v);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${what} within ${ms} ms; events: ${this.events.map((e) => e.event).join(', ') || '(none)'}${this.ended ? ' (stream ended)' : ''}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Every record received in `records` events, in arrival order (an id may come twice: created, then ended). */
  records(): any[] {
    return this.of('records').flatMap((e) => e.data.records);
  }

  close(): void {
    this.abort.abort();
  }
}
