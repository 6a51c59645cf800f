// The pieces of the targets that need no process: --lb-cmd templates, --trait parsing, the
// generated nginx/haproxy configs, and the console reporter's lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandTemplate, parseTraits, splitWords } from '../../runner/targets/custom.js';
import { haproxyConfig } from '../../runner/targets/haproxy.js';
import { nginxConfig } from '../../runner/targets/nginx.js';
import { resolveTarget } from '../../runner/targets/index.js';
import { formatResult } from '../../runner/reporters/console.js';
import { junitXml } from '../../runner/reporters/junit.js';
import type { LaunchContext } from '../../runner/types.js';
import { throwsUsage } from './helpers.js';

const ctx: LaunchContext = { port: 4000, backends: ['http://127.0.0.1:5001', 'http://127.0.0.1:5002'], workDir: '/tmp/w', timeoutMs: 2500 };


test('--lb-cmd: {port}, {servers:...} per backend, {timeout_s} rounded up, quotes group words', () => {
  assert.equal(expandTemplate('mylb --port {port} {servers:--backend {url}}', ctx), ['mylb', '--port', '4000', '--backend', 'http://127.0.0.1:5001', '--backend', 'http://127.0.0.1:5002']);
  assert.equal(expandTemplate("lb -t {timeout_s} {servers:-s {hostport}=n{index}} --name 'a b'", ctx), ['lb', '-t', '3', '-s', '127.0.0.1:5001=n0', '-s', '127.0.0.1:5002=n1', '--name', 'a b']);
  assert.equal(expandTemplate('lb --upstreams={backends}', ctx), ['lb', '--upstreams=http://127.0.0.1:5001,http://127.0.0.1:5002']);
  throwsUsage(() => expandTemplate('lb {nope}', ctx), 'unknown placeholder {nope}');
  throwsUsage(() => expandTemplate('lb {servers:{address}}', ctx), 'unknown placeholder {address}');
  throwsUsage(() => expandTemplate('lb {port', ctx), "unclosed '{'");
  throwsUsage(() => splitWords('lb "open'), 'unclosed " quote');
  throwsUsage(() => resolveTarget({ lbCmd: 'mylb --backend x' }), 'must contain {port}');
});

test('--trait and --traits: conservative defaults, flags override the file, bad names and values named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'traits-'));
  try {
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify({ streams: true, whenAllBusy: 'reject', retriesBeforeFirstByte: true }));
    const t = parseTraits(['retriesBeforeFirstByte=false', 'modelAware=yes'], file);
    assert.equal([t.streams, t.whenAllBusy, t.retriesBeforeFirstByte, t.modelAware, t.discovery], [true, 'reject', false, true, false]);
    throwsUsage(() => parseTraits(['fast=true']), "unknown trait 'fast'");
    throwsUsage(() => parseTraits(['streams=maybe']), 'streams must be true or false');
    throwsUsage(() => parseTraits(['whenAllBusy=drop']), "'reject' or 'queue'");
    throwsUsage(() => parseTraits(['streams']), 'expected name=value');
    writeFileSync(file, '[1]');
    throwsUsage(() => parseTraits([], file), 'must be a JSON object');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nginx and haproxy configs: every backend, the port, the timeout, streaming and retry settings', () => {
  const n = nginxConfig(ctx);
  for (const line of ['listen 127.0.0.1:4000;', 'server 127.0.0.1:5001 max_fails=1', 'server 127.0.0.1:5002 max_fails=1', 'proxy_buffering off;', 'proxy_http_version 1.1;', 'proxy_read_timeout 2500ms;', 'proxy_next_upstream error timeout http_500 http_502 http_503 http_504 http_429 non_idempotent;', 'pid /tmp/w/nginx.pid;']) {
    assert.ok(n.includes(line), line);
  }
  const h = haproxyConfig(ctx);
  for (const line of ['bind 127.0.0.1:4000', 'server s0 127.0.0.1:5001', 'server s1 127.0.0.1:5002', 'timeout server 2500ms', 'balance leastconn', 'option redispatch', 'retry-on all-retryable-errors']) {
    assert.ok(h.includes(line), line);
  }
});

test('console lines: [+] (with its findings), [x] with the reason and the log excerpt, [-] with why', () => {
  assert.is(formatResult({ scenario: 'a', tags: [], target: 't', verdict: { status: 'passed', ms: 12 } }), '[+] a (12 ms)');
  assert.is(formatResult({ scenario: 'a', tags: [], target: 't', verdict: { status: 'passed', ms: 12, findings: ['f1', 'f2'] } }), '[+] a (12 ms)\n    finding: f1\n    finding: f2');
  assert.is(formatResult({ scenario: 'b', tags: [], target: 't', verdict: { status: 'skipped', reason: 'needs X' } }), '[-] b (skipped: needs X)');
  assert.is(
    formatResult({ scenario: 'c', tags: [], target: 't', verdict: { status: 'failed', ms: 5, reason: 'bad', logTail: ['l1'] } }),
    '[x] c (5 ms)\n    bad\n    last lines of the load balancer log:\n    | l1',
  );
});

test('junit: a passed scenario with findings carries them as <system-out>', () => {
  const xml = junitXml([{ scenario: 'a', tags: [], target: 't', verdict: { status: 'passed', ms: 1, findings: ['2 losers <ran on>'] } }], 't');
  assert.match(xml, '<system-out>2 losers &lt;ran on&gt;</system-out>');
});

test.run();
