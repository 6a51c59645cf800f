// The dashboard: GET / (and /ui/) serves the page, /ui/<file> its scripts and styles, all plain
// files from simulator/control/dashboard/ (shipped in the package; nothing to build, no CDN). The
// page reads GET /events and /behaviors and acts through the public control endpoints only.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import type { ControlEndpoint } from '../endpoint.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// The page runs only its own files: no inline script, nothing from elsewhere. A value that slipped
// into markup still could not run.
const HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * The assets folder: next to endpoints/ when run from source (tsx), or the package's copy when run
 * from dist/ (dist/simulator/control/endpoints/ui.js -> simulator/control/dashboard/).
 */
export function dashboardDir(): string {
  const candidates = ['../dashboard/', '../../../../simulator/control/dashboard/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`dashboard assets not found in ${candidates.join(' or ')}`);
  return found;
}

type Asset = { body: string; type: string };

/** Every file of the folder, read once on the first page request (start-up stays as fast as before). */
async function loadAssets(): Promise<Map<string, Asset>> {
  const dir = dashboardDir();
  const assets = new Map<string, Asset>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { body: await readFile(dir + name, 'utf8'), type });
  }
  return assets;
}

// Read once, on the first page request, for the life of the process (the files ship with it).
let assets: Promise<Map<string, Asset>> | null = null;

async function serve(c: Context, name: string): Promise<Response> {
  assets ??= loadAssets();
  const asset = (await assets).get(name);
  if (!asset) return c.json({ error: `no dashboard file ${JSON.stringify(name)}` }, 404);
  return c.body(asset.body, 200, { 'Content-Type': asset.type, ...HEADERS });
}

const page = (c: Context) => serve(c, 'index.html');
const file = (c: Context) => serve(c, c.req.param('file') ?? '');
const toUiFolder = (c: Context) => c.redirect('/ui/', 301);

export default [
  { method: 'GET', path: '/', spread: 'parent', handle: page },
  { method: 'GET', path: '/ui', spread: 'parent', handle: toUiFolder },
  { method: 'GET', path: '/ui/', spread: 'parent', handle: page },
  { method: 'GET', path: '/ui/:file', spread: 'parent', handle: file },
] satisfies ControlEndpoint[];
