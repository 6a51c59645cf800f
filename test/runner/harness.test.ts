// runScenarios in-process with throwaway scenarios against the reference load balancer: each
// scenario gets its own fleet and balancer, jobs overlap, and teardown happens on every ending.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { EnvironmentError, runScenarios, UsageError } from '../../runner/harness.js';
import type { Scenario, ScenarioContext } from '../../runner/types.js';
import { allRefused, processGone } from './helpers.js';
import { SseClient } from '../dashboard/sse.js';

type Seen = { lbPid?: number; lbPort: number; fleetPorts: number[]; start: number; end?: number; signal?: AbortSignal };

function observe(ctx: ScenarioContext): Seen {
  return { lbPid: ctx.lb.pid, lbPort: ctx.lb.port, fleetPorts: ctx.fleet.ports, start: Date.now(), signal: ctx.signal };
}

function scenario(name: string, run: Scenario['run'], extra: Partial<Scenario> = {}): Scenario {
  return { name, description: name, tags: ['test'], fleet: { servers: 2 }, run, ...extra };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no ${what} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

test('--jobs 2: two scenarios overlap in time, each with its own fleet and balancer port', async () => {
  const seen: Record<string, Seen> = {};
  const started = { a: deferred(), b: deferred() };
  const make = (me: 'a' | 'b', other: 'a' | 'b') =>
    scenario(me, async (ctx) => {
      seen[me] = observe(ctx);
      started[me].resolve();
      await within(started[other].promise, 20_000, `start of scenario ${other}`); // proves they overlap
      const res = await fetch(`${ctx.lbUrl}/api/version`);
      assert.is(res.status, 200);
      await res.text();
      seen[me].end = Date.now();
    });
  const results = await runScenarios({ scenarios: [make('a', 'b'), make('b', 'a')], jobs: 2 });
  assert.equal(results.map((r) => r.verdict.status), ['passed', 'passed']);
  assert.is.not(seen.a.lbPort, seen.b.lbPort);
  assert.equal(seen.a.fleetPorts.filter((p) => seen.b.fleetPorts.includes(p)), []);
  assert.ok(seen.a.start < (seen.b.end as number) && seen.b.start < (seen.a.end as number), 'the runs overlap');
  assert.ok(await allRefused([seen.a.lbPort, seen.b.lbPort, ...seen.a.fleetPorts, ...seen.b.fleetPorts]));
  assert.ok(processGone(seen.a.lbPid) && processGone(seen.b.lbPid));
});

test('teardown after a failed assertion, an exception and a timeout: balancer gone, ports refuse', async () => {
  const seen: Record<string, Seen> = {};
  const scenarios = [
    scenario('assert-fails', async (ctx) => {
      seen['assert-fails'] = observe(ctx);
      assert.is(1 + 1, 3, 'arithmetic');
    }),
    scenario('throws', async (ctx) => {
      seen.throws = observe(ctx);
      throw new TypeError('boom');
    }),
    scenario(
      'hangs',
      async (ctx) => {
        seen.hangs = observe(ctx);
        await new Promise(() => {}); // never ends: only the deadline ends it
      },
      { timeoutMs: 400 },
    ),
  ];
  const results = await runScenarios({ scenarios, jobs: 3 });
  const byName = Object.fromEntries(results.map((r) => [r.scenario, r.verdict]));
  for (const name of ['assert-fails', 'throws', 'hangs']) {
    const v = byName[name];
    assert.is(v.status, 'failed', name);
    if (v.status !== 'failed') continue;
    assert.ok(v.logTail.some((l) => l.startsWith('listening on http://')), `${name}: the log tail shows the balancer's output`);
    assert.ok(processGone(seen[name].lbPid), `${name}: balancer process gone`);
    assert.ok(await allRefused([seen[name].lbPort, ...seen[name].fleetPorts]), `${name}: ports refuse`);
  }
  const reason = (n: string) => (byName[n] as { reason: string }).reason;
  assert.match(reason('assert-fails'), 'arithmetic');
  assert.is(reason('throws'), 'boom');
  assert.is(reason('hangs'), 'timed out after 400 ms');
  assert.ok(seen.hangs.signal?.aborted, 'ctx.signal aborted on timeout');
});

test('dashboard: announced once the fleet is up, served while the scenario runs, its link in the result; off by default', async () => {
  const announced: Array<[string, string]> = [];
  const check = scenario('watched', async (ctx) => {
    const url = announced.find(([name]) => name === 'watched')?.[1];
    assert.ok(url, 'announced before the scenario ran');
    const page = await fetch(url);
    assert.is(page.status, 200);
    assert.match(await page.text(), /<title>ollama-sim/);
    const events = await SseClient.open(`${url}events`);
    try {
      const state = await events.until(() => events.of('state')[0], 5000, 'a state event');
      assert.equal(state.data.servers.map((s: { port: number }) => s.port), ctx.fleet.ports, "the scenario's own fleet");
    } finally {
      events.close();
    }
  });
  const results = await runScenarios({ scenarios: [check], dashboard: true, onDashboard: (s, url) => announced.push([s.name, url]) });
  const v = results[0].verdict;
  assert.is(v.status, 'passed', v.status === 'failed' ? v.reason : '');
  assert.is(announced.length, 1);
  assert.match(announced[0][1], /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.is(results[0].dashboard, announced[0][1]);
  assert.ok(await allRefused([Number(new URL(announced[0][1]).port)]), 'the dashboard goes with its fleet');

  const quiet = await runScenarios({ scenarios: [scenario('unwatched', async () => {})], onDashboard: () => assert.unreachable('announced without dashboard') });
  assert.not.ok('dashboard' in quiet[0]);
});

test('a scenario whose needs the traits do not meet is skipped without starting anything', async () => {
  let ran = false;
  const s = scenario('needs-races', async () => void (ran = true), { needs: (t) => (t.racesRequests ? null : 'needs racesRequests') });
  const [r] = await runScenarios({ scenarios: [s] });
  assert.equal(r.verdict, { status: 'skipped', reason: 'needs racesRequests' });
  assert.is(ran, false);
});

test('--defect reaches the reference balancer; other targets refuse it', async () => {
  let cmdline = '';
  const s = scenario('cmdline', async (ctx) => void (cmdline = readFileSync(`/proc/${ctx.lb.pid}/cmdline`, 'utf8')));
  const [r] = await runScenarios({ scenarios: [s], defects: ['no-retry'] });
  assert.is(r.verdict.status, 'passed');
  assert.ok(cmdline.split('\0').join(' ').includes('--defect no-retry'), cmdline);
  const rejection = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e);
  const other = await rejection(runScenarios({ scenarios: [s], target: 'nginx', defects: ['no-retry'] }));
  assert.instance(other, UsageError);
  assert.match((other as Error).message, '--defect applies only to --target reference');
  assert.instance(await rejection(runScenarios({ scenarios: [s], defects: ['nope'] })), UsageError);
});

test('reference-race runs the reference balancer with --race 3 and racing traits; race-* defects need it', async () => {
  let cmdline = '';
  let traits: Record<string, unknown> = {};
  const s = scenario('race-cmdline', async (ctx) => {
    cmdline = readFileSync(`/proc/${ctx.lb.pid}/cmdline`, 'utf8');
    traits = { ...ctx.target.traits };
    ctx.report('a finding');
  });
  const [r] = await runScenarios({ scenarios: [s], target: 'reference-race', defects: ['race-no-cancel'] });
  assert.equal(r.verdict, { status: 'passed', ms: (r.verdict as { ms: number }).ms, findings: ['a finding'] });
  assert.is(r.target, 'reference-race');
  assert.ok(cmdline.split('\0').join(' ').includes('--race 3 --defect race-no-cancel'), cmdline);
  assert.equal([traits.racesRequests, traits.cancelsRaceLosers], [true, true]);
  const refused = await runScenarios({ scenarios: [s], defects: ['race-no-cancel'] }).then(() => null, (e: Error) => e);
  assert.instance(refused, UsageError);
  assert.match((refused as Error).message, 'use --target reference-race');
});

test('addBackend puts a new server in the fleet and the reference balancer takes it', async () => {
  let added = '';
  let urls: string[] = [];
  const s = scenario('discovery', async (ctx) => {
    added = await ctx.addBackend({ name: 'late' });
    urls = ctx.fleet.urls;
  });
  const [r] = await runScenarios({ scenarios: [s] });
  assert.is(r.verdict.status, 'passed', JSON.stringify(r.verdict));
  assert.ok(urls.includes(added) && urls.length === 3);
});

test('custom target: the reference balancer run through --lb-cmd with {port} and {servers:...}', async () => {
  let status = 0;
  const s = scenario('custom-version', async (ctx) => {
    const res = await fetch(`${ctx.lbUrl}/api/version`);
    status = res.status;
    await res.text();
  });
  const results = await runScenarios({
    scenarios: [s],
    target: 'custom',
    lbCmd: 'node --import tsx examples/reference-lb/main.ts --port {port} {servers:--backend {url}}',
    traitPairs: ['streams=true'],
  });
  assert.is(results[0].verdict.status, 'passed', JSON.stringify(results[0].verdict));
  assert.is(status, 200);
});

test('a known target whose binary is missing is an environment error naming the fix', async () => {
  const s = scenario('never', async () => {});
  try {
    await runScenarios({ scenarios: [s], target: 'ollama-load-balancer', lbBin: '/nonexistent' });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, EnvironmentError);
    assert.match((err as Error).message, 'pass --lb-bin PATH');
  }
});

test.run();
