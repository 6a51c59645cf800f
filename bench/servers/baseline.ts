// The throughput baseline: a minimal node:http server that answers the benchmarked requests
// with the bytes (status, Content-Type, body) the simulator sent for the same requests, captured
// just before the run. Whatever the simulator costs above this is its own overhead.
//
//   node --import tsx bench/servers/baseline.ts '{"port":1234,"responses":{"GET /api/tags":{...}}}'
import { createServer } from 'node:http';

interface Canned {
  status: number;
  contentType: string;
  body: string;
}

const { port, responses } = JSON.parse(process.argv[2]) as { port: number; responses: Record<string, Canned> };
const bodies = new Map(Object.entries(responses).map(([key, r]) => [key, { ...r, bytes: Buffer.from(r.body) }]));

const server = createServer({ requestTimeout: 0, headersTimeout: 0 }, (req, res) => {
  // Read the request body to its end, as the simulator does, before answering.
  req.resume();
  req.once('end', () => {
    const canned = bodies.get(`${req.method} ${req.url}`);
    if (!canned) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found');
      return;
    }
    res.writeHead(canned.status, { 'Content-Type': canned.contentType, 'Content-Length': String(canned.bytes.length) });
    res.end(canned.bytes);
  });
});
server.keepAliveTimeout = 0;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
