// A length that lies: the response declares `shortBy` fewer bytes than it sends, as a server does
// that counts a body's characters instead of its UTF-8 bytes. Non-streamed: Content-Length is short,
// the whole body follows and the connection stays open. The peer reads a body cut short (JSON that
// does not parse), and the surplus bytes wait on the connection: whoever reuses it next (a pooled
// keep-alive connection) reads them where a status line must be. Streamed (chunked, no
// Content-Length): chunk N's size line is short by as much, then FIN; the peer's chunked parser
// fails where the chunk's CRLF should be.
import { defineCut } from './types.js';

export default defineCut<'short_content_length', { shortBy: number }>({
  name: 'short_content_length',
  layer: 'body',
  wholeBody: 'complete',
  stream: (w, p, _fmt, next) => {
    const { text } = next();
    const declared = Math.max(1, Buffer.byteLength(text) - p.shortBy);
    w.raw(`${declared.toString(16)}\r\n${text}\r\n`);
    w.fin();
    return 'stop';
  },
  whole: (w, p, build) => {
    const { headers, body } = build();
    const data = Buffer.from(body);
    w.head(200, { ...headers, 'Content-Length': String(Math.max(0, data.length - p.shortBy)) });
    w.write(data, 1);
    w.end();
  },
});
