// The dashboard in a real browser (Debian's Chromium, headless, through playwright-core) against a
// real fleet: what the page shows comes from real requests, and what it does is checked through
// /status, the journal and real clients.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { BEHAVIOR_TYPES } from '../../simulator/index.js';
import { exited, freePorts, refuses, waitForLines } from '../helpers.js';
import { testNeeding } from '../requirements.js';
import { chatRequest, connectResult, control, fleetPerTest, setBehavior, streamedLines } from '../behaviors/wire.js';
import { CHROMIUM_REQUIREMENT, collectErrors, launchBrowser, type Browser } from './browser.js';
import { demoWarmedUp, showDemo, startDemo } from './demo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const h = fleetPerTest(test, { servers: 3 });
let browser: Browser | null = null;
const pages: Page[] = [];

test.after.each(async () => {
  for (const p of pages.splice(0)) await p.close();
});
test.after(async () => {
  await browser?.close();
});

/** A new page on the fleet's dashboard, ready (the form is built and the first state arrived). */
async function openDashboard(): Promise<{ page: Page; errors: string[] }> {
  browser ??= await launchBrowser();
  const page = await browser.context.newPage();
  pages.push(page);
  const errors = collectErrors(page);
  await page.goto(`${h.fleet.controlUrl}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector(`.card[data-port="${h.fleet.ports[0]}"]`);
  return { page, errors };
}

const card = (page: Page, port: number) => page.locator(`.card[data-port="${port}"]`);

async function recordOf(port: number, path = '/api/chat') {
  return h.fleet.waitForRecord((r) => r.server === port && r.path === path, 10_000);
}

async function chat(port: number, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', stream: false, messages: [{ role: 'user', content: 'hello' }], ...body }) });
  await res.arrayBuffer();
  return res.status;
}

/** Waits until fn() holds, polling: for state the page does not show (the fleet, the network). */
async function eventually(fn: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`not ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

await testNeeding(CHROMIUM_REQUIREMENT, 'the page loads with no console errors: a card per server, the totals, a form with every behavior', async () => {
  const c = h.fleet.ports[2];
  await control(h.fleet, 'POST', '/behavior/sequence', { port: c, steps: [{ type: 'HttpError', times: 2 }, { type: 'Normal' }] });
  const { page, errors } = await openDashboard();
  assert.equal(await page.locator('.card').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.port))), h.fleet.ports);
  // The sequence step: what is active, how many uses are left, what comes next.
  assert.is(await card(page, c).locator('.b-type').textContent(), 'HttpError');
  assert.is(await card(page, c).locator('.b-next').textContent(), '2 left, then Normal');
  await control(h.fleet, 'POST', '/reset');
  for (const s of h.fleet.list()) {
    await card(page, s.port).getByText(s.name, { exact: true }).waitFor();
    await card(page, s.port).locator('.b-type').getByText('Normal').waitFor();
    assert.is(await card(page, s.port).locator('.badge').textContent(), 'listening');
    assert.is(await card(page, s.port).locator('.b-type').textContent(), 'Normal');
  }
  assert.is(await page.textContent('#t-servers'), '3 / 3');
  assert.equal(await page.locator('#f-type option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value)), BEHAVIOR_TYPES);
  assert.is(await page.getAttribute('#conn', 'data-state'), 'live');
  assert.equal(await page.locator('.tl-row').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.port))), h.fleet.ports);
  // A few more state events, then no error may have been logged.
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 3 && document.getElementById('t-requests')!.textContent === '0');
  assert.equal(errors, []);
});

await testNeeding(CHROMIUM_REQUIREMENT, 'a behavior set from the form changes /status and what a client sees; a 400 from POST /behavior is shown with its field', async () => {
  const { page, errors } = await openDashboard();
  const [a, b] = h.fleet.ports;
  await page.selectOption('#f-target', String(a));
  await page.selectOption('#f-type', 'FailMidStream');
  await page.fill('#f-tokens_before_fail', '2');
  assert.match(await page.textContent('.preview') ?? '', `"behavior":{"type":"FailMidStream","tokens_before_fail":2}`);
  await page.click('button[type="submit"]');
  await page.locator('#behavior-form .notice[data-kind="ok"]').getByText(`FailMidStream set on :${a}`).waitFor();

  const status = (await control(h.fleet, 'GET', '/status')).json.servers;
  assert.equal(status.find((s: any) => s.port === a).behavior, { type: 'FailMidStream', tokens_before_fail: 2 });
  assert.equal(status.find((s: any) => s.port === b).behavior, { type: 'Normal' });
  const seen = await h.open(a).send(chatRequest({ stream: true })).untilClosed();
  const { lines, terminated } = streamedLines(seen.text);
  assert.is(lines.length, 2, 'the client got exactly 2 chunks');
  assert.not.ok(terminated, 'and no end of the stream');
  await card(page, a).locator('.b-params').getByText('tokens_before_fail=2').waitFor();

  // The same validation as POST /behavior: its message, word for word, and the field marked.
  await page.fill('#f-tokens_before_fail', '-1');
  await page.click('button[type="submit"]');
  const direct = await control(h.fleet, 'POST', '/behavior', { port: a, behavior: { type: 'FailMidStream', tokens_before_fail: -1 } });
  assert.is(direct.status, 400);
  await page.locator('#behavior-form .notice[data-kind="error"]').getByText(direct.json.error, { exact: true }).waitFor();
  assert.is(await page.getAttribute('#f-tokens_before_fail', 'aria-invalid'), 'true');
  assert.is((await control(h.fleet, 'GET', '/status')).json.servers.find((s: any) => s.port === a).behavior.tokens_before_fail, 2, 'a rejected form changes nothing');
  assert.equal(errors.filter((e) => !/status of 400/.test(e)), []);
});

await testNeeding(CHROMIUM_REQUIREMENT, 'the timeline shows the requests a test sent on their servers\' rows, coloured and labelled by outcome', async () => {
  const { page, errors } = await openDashboard();
  const [a, b, c] = h.fleet.ports;
  await setBehavior(h.fleet, a, { type: 'FailMidStream', tokens_before_fail: 1 });
  await setBehavior(h.fleet, c, { type: 'HttpError', status_code: 503, message: 'overloaded' });
  h.open(a).send(chatRequest({ stream: true }));
  assert.is(await chat(b, {}), 200);
  assert.is(await chat(c, {}), 503);
  const [fault, ok, error] = await Promise.all([recordOf(a), recordOf(b), recordOf(c)]);
  const colour = (sel: string) => page.locator(sel).first().evaluate((el) => getComputedStyle(el).backgroundColor);
  const expect = [
    [a, fault.id, 'fault', 'fault: fin'],
    [b, ok.id, 'ok', 'ok 200'],
    [c, error.id, 'fault', 'fault: http_error 503'],
  ] as const;
  for (const [port, id, outcome, label] of expect) {
    const bar = page.locator(`.tl-row[data-port="${port}"] .bar[data-id="${id}"]`);
    await page.locator(`.tl-row[data-port="${port}"] .bar[data-id="${id}"][data-outcome="${outcome}"]`).waitFor();
    assert.is(await bar.getAttribute('data-label'), label);
    assert.is(await colour(`.tl-row[data-port="${port}"] .bar[data-id="${id}"]`), await colour(`.legend .o-${outcome}`), `bar ${id} has the legend's ${outcome} colour`);
    assert.match(await bar.getAttribute('title') ?? '', label);
    assert.is(await page.locator(`#requests-body tr[data-id="${id}"] .chip`).textContent(), label);
  }
  assert.is.not(await colour('.legend .o-ok'), await colour('.legend .o-fault'));
  assert.is(await page.locator(`.tl-row[data-port="${b}"] .bar`).count(), 1, 'one request on b, one bar');
  await page.click(`.bar[data-id="${fault.id}"]`);
  await page.locator('#details .chip').getByText('fault: fin').waitFor();
  assert.match(await page.textContent('#details') ?? '', `#${fault.id} POST /api/chat`);
  assert.equal(errors, []);
});

await testNeeding(CHROMIUM_REQUIREMENT, 'a prompt, a model name and a server name containing markup are shown as text and never run', async () => {
  const { page, errors } = await openDashboard();
  const prompt = '<script>window.__injected = "prompt"</script><img src=x onerror="window.__injected = \'img\'">';
  const model = '<img src=x onerror="window.__injected=\'model\'">';
  const added = await control(h.fleet, 'POST', '/servers', { port: 0, name: '<b onclick="x()">bold</b>' });
  assert.is(added.status, 201);
  assert.is(await chat(h.fleet.ports[0], { model, messages: [{ role: 'user', content: prompt }] }), 400); // not a valid model name
  const r = await recordOf(h.fleet.ports[0]);
  assert.is(r.model, model);
  await page.click(`.bar[data-id="${r.id}"]`);
  await page.locator('#details pre.body').waitFor();
  // The body as it arrived (JSON text): the prompt inside it, character for character.
  assert.ok((await page.textContent('#details pre.body'))!.includes(JSON.stringify(prompt).slice(1, -1)), 'the prompt is shown as text');
  assert.ok((await page.textContent('#details'))!.includes(model), 'the model name is shown as text');
  assert.is(await page.locator(`#requests-body tr[data-id="${r.id}"] td`).nth(4).textContent(), model);
  await card(page, added.json.port).getByText('<b onclick="x()">bold</b>', { exact: true }).waitFor();
  assert.is(await page.evaluate(() => (window as any).__injected), undefined, 'no injected code ran');
  assert.is(await page.locator('main script, main img, main b').count(), 0, 'no element was made from data');
  assert.equal(errors, []);
});

await testNeeding(CHROMIUM_REQUIREMENT, 'add and remove a server, take one down and up, reset and clear the journal, all from the page', async () => {
  const { page, errors } = await openDashboard();
  const [a] = h.fleet.ports;

  await page.fill('#f-add-name', 'late');
  await page.click('[data-action="add-server"]');
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 4);
  const late = h.fleet.list().find((s) => s.name === 'late')!;
  assert.ok(late, 'the fleet has the new server');
  await card(page, late.port).getByText('late', { exact: true }).waitFor();
  await page.fill('#f-add-port', String(a));
  await page.click('[data-action="add-server"]');
  await page.locator('#fleet-actions .notice[data-kind="error"]').getByText(`port ${a} is already a server of this fleet`).waitFor();

  await card(page, late.port).locator('[data-action="remove"]').click();
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 3);
  assert.is(h.fleet.ports.includes(late.port), false);

  await card(page, a).locator('[data-action="down"]').click();
  await card(page, a).locator('.badge[data-state="down"]').waitFor();
  assert.is(await connectResult(a), 'ECONNREFUSED');
  await card(page, a).locator('[data-action="up"]').click();
  await card(page, a).locator('.badge[data-state="up"]').waitFor();
  assert.is(await connectResult(a), 'connected');

  await setBehavior(h.fleet, { all: true }, { type: 'Hang' });
  await card(page, a).locator('.b-type').getByText('Hang').waitFor();
  await page.click('[data-action="reset"]');
  await page.waitForFunction(() => [...document.querySelectorAll('.card .b-type')].every((e) => e.textContent === 'Normal'));
  assert.ok((await control(h.fleet, 'GET', '/status')).json.servers.every((s: any) => s.behavior.type === 'Normal'));

  assert.is(await chat(a, {}), 200);
  const r = await recordOf(a);
  await page.locator(`.bar[data-id="${r.id}"]`).waitFor();
  await page.click('[data-action="clear-journal"]');
  await page.locator('#fleet-actions .notice[data-kind="ok"]').getByText('journal cleared').waitFor();
  assert.equal((await control(h.fleet, 'GET', '/journal')).json.records, []);
  await page.locator('.bar').first().waitFor({ state: 'detached' });
  await page.locator('#requests-body').getByText('No requests yet.').waitFor();
  assert.equal(errors.filter((e) => !/status of 409/.test(e)), []);
});

await testNeeding(CHROMIUM_REQUIREMENT, 'as a newcomer: `npx ollama-sim`, open the control URL, flip a server to FailMidStream from the page, the next request fails on the timeline; Ctrl-C leaves nothing', async () => {
  const [controlPort, a, b] = await freePorts(3);
  const child = spawn('npx', ['--no-install', 'ollama-sim', '--control-port', String(controlPort), '--server-ports', `${a},${b}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    const [first] = await waitForLines(child, 3);
    const url = first.replace('Control API: ', '');
    browser ??= await launchBrowser();
    const page = await browser.context.newPage();
    pages.push(page);
    const errors = collectErrors(page);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => document.querySelectorAll('.card').length === 2);
    await page.selectOption('#f-target', String(a));
    await page.selectOption('#f-type', 'FailMidStream');
    await page.click('button[type="submit"]');
    await page.locator(`.card[data-port="${a}"] .b-type`).getByText('FailMidStream').waitFor();
    const reply = await fetch(`http://127.0.0.1:${a}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }) });
    await reply.text().catch(() => 'cut');
    await page.locator(`.tl-row[data-port="${a}"] .bar[data-outcome="fault"][data-label="fault: fin"]`).waitFor();
    assert.equal(errors, []);
  } finally {
    process.kill(-child.pid!, 'SIGINT');
    await exited(child);
  }
  assert.ok(await refuses(controlPort) && await refuses(a) && await refuses(b), 'something still listens after Ctrl-C');
});

await testNeeding(CHROMIUM_REQUIREMENT, 'a screenshot of a busy fleet: failovers, faults, aborts and a queue on the timeline', async () => {
  const demo = await startDemo();
  const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-screenshot-'));
  try {
    browser ??= await launchBrowser();
    const page = await browser.context.newPage();
    pages.push(page);
    const errors = collectErrors(page);
    await demoWarmedUp(demo.fleet);
    await showDemo(page, demo.fleet);
    for (const outcome of ['ok', 'fault', 'aborted', 'error']) await page.locator(`.bar.o-${outcome}`).first().waitFor();
    const file = join(dir, 'dashboard.png');
    await page.screenshot({ path: file });
    const png = readFileSync(file);
    assert.equal([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal([png.readUInt32BE(16), png.readUInt32BE(20)], [1440, 900]);
    assert.ok(png.length > 50_000, `a ${png.length}-byte screenshot is too plain to show a busy dashboard`);
    assert.equal(errors, []);
  } finally {
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
