// The dashboard's server side without a browser: GET /behaviors mirrors the declarations POST
// /behavior validates with; GET / and /ui/* serve the page and every module it imports, with a
// Content-Security-Policy; the files ship in the package; no page code parses data as HTML.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BEHAVIORS, BEHAVIOR_TYPES } from '../../simulator/index.js';
import { TARGETING } from '../../simulator/behaviors/registry.js';
import { dashboardDir } from '../../simulator/control/endpoints/ui.js';
import { control, fleetPerTest } from '../behaviors/wire.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const h = fleetPerTest(test, { servers: 1 });

test('GET /behaviors: every declaration (params with kind, default, bounds, values, doc), where it acts, and the targeting fields', async () => {
  const { status, json } = await control(h.fleet, 'GET', '/behaviors');
  assert.is(status, 200);
  assert.equal(json.behaviors.map((b: any) => b.type), BEHAVIOR_TYPES);
  for (const b of json.behaviors) {
    const def = BEHAVIORS.get(b.type)!;
    assert.equal(b.params, JSON.parse(JSON.stringify(def.params)), `${b.type} params`);
    assert.is(b.summary, def.summary);
  }
  const byType = new Map(json.behaviors.map((b: any) => [b.type, b]));
  assert.is((byType.get('ConnectionRefused') as any).acts_on, 'listener');
  assert.equal((byType.get('ConnectionRefused') as any).acts_on_when, []);
  assert.is((byType.get('Blackhole') as any).acts_on, 'connection');
  assert.is((byType.get('Reset') as any).acts_on, 'request');
  assert.equal((byType.get('Reset') as any).acts_on_when, [{ when: { on: 'accept' }, acts_on: 'connection' }]);
  assert.equal(json.targeting, JSON.parse(JSON.stringify(TARGETING)));
  assert.ok(json.default_endpoints.includes('/api/chat'));
  assert.ok(json.routes.includes('/v1/chat/completions'));
});

test('GET / and /ui/ serve the page with a CSP that forbids inline and foreign scripts; /ui redirects', async () => {
  for (const path of ['/', '/ui/']) {
    const res = await fetch(h.fleet.controlUrl + path);
    assert.is(res.status, 200, path);
    assert.is(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'[;]/);
    assert.match(csp, /connect-src 'self'/);
    assert.is(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.match(html, /<script type="module" src="\/ui\/app.js"><\/script>/);
    assert.not.match(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'an inline <script>');
  }
  const redirect = await fetch(`${h.fleet.controlUrl}/ui`, { redirect: 'manual' });
  assert.is(redirect.status, 301);
  assert.is(redirect.headers.get('location'), '/ui/');
});

test('every file the page loads (its stylesheet, app.js and each module it imports) is served with its type', async () => {
  const html = await (await fetch(`${h.fleet.controlUrl}/`)).text();
  const queue = [...html.matchAll(/(?:src|href)="\/ui\/([\w.-]+)"/g)].map((m) => m[1]);
  const served = new Set<string>();
  while (queue.length) {
    const name = queue.shift()!;
    if (served.has(name)) continue;
    const res = await fetch(`${h.fleet.controlUrl}/ui/${name}`);
    assert.is(res.status, 200, name);
    const text = await res.text();
    assert.is(res.headers.get('content-type'), name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8', name);
    served.add(name);
    for (const m of text.matchAll(/from '\.\/([\w.-]+)'/g)) queue.push(m[1]);
  }
  assert.ok(served.has('dashboard.css') && served.has('app.js') && served.has('timeline.js') && served.has('behavior-form.js'), [...served].join(', '));
  const js = readdirSync(dashboardDir()).filter((f) => f.endsWith('.js'));
  assert.equal([...served].filter((f) => f.endsWith('.js')).sort(), js.sort(), 'a module in the folder that the page never imports');
});

test('unknown dashboard files are 404 (no path walks out of the folder); the other control endpoints are unchanged', async () => {
  for (const path of ['/ui/nope.js', '/ui/..%2Fui.ts', '/ui/%2E%2E%2F%2E%2E%2F%2E%2E%2Fpackage.json']) {
    const res = await fetch(h.fleet.controlUrl + path);
    assert.is(res.status, 404, path);
    await res.arrayBuffer();
  }
  const nope = await control(h.fleet, 'GET', '/nope');
  assert.is(nope.status, 404);
  assert.match(nope.json.error, /no control endpoint GET \/nope/);
  assert.equal((await control(h.fleet, 'GET', '/health')).json, { status: 'ok' });
});

test('the page code never turns data into markup (no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval)', () => {
  const dir = dashboardDir();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.html'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.not.match(text, /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(/, file);
  }
});

test('the page modules type-check against the DOM (tsconfig.dashboard.json)', () => {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.dashboard.json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    assert.unreachable(`tsc found errors in the dashboard's modules:\n${(err as { stdout: string }).stdout}`);
  }
});

test('the package ships every dashboard file (package.json "files")', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = new Set((JSON.parse(out)[0].files as Array<{ path: string }>).map((f) => f.path));
  for (const file of readdirSync(dashboardDir())) assert.ok(packed.has(`simulator/control/dashboard/${file}`), file);
  assert.ok(packed.has('dist/simulator/control/endpoints/ui.js'));
});

test.run();
