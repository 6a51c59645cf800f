// Any other load balancer: a command template (`--lb-cmd`) and traits given on the command line
// (`--trait name=value`) or in a JSON file (`--traits FILE`). Unstated traits are the conservative
// choice (false, whenAllBusy "queue"), so scenarios that need more are skipped, not failed.
// Or any hub (seed 002's shape): a command template (`--hub-cmd`), where its nodes register
// (`--hub-register-url`) and where jobs go (`--hub-jobs-path`).
//
//   --lb-cmd "mylb --port {port} {servers:--backend {url}}"
//   --hub-cmd "env HEARTBEAT_TTL_SECONDS={ttl_s} uvicorn app:app --port {port}" --hub-jobs-path /jobs
import { readFileSync } from 'node:fs';
import { findCommand, notExecutable, wholeSeconds } from '../executables.js';
import type { LaunchContext, Target, TargetFactory, TargetOptions, Traits } from '../types.js';

export class UsageError extends Error {}

export const CONSERVATIVE_TRAITS: Traits = {
  retriesBeforeFirstByte: false,
  whenAllBusy: 'queue',
  modelAware: false,
  aggregatesTags: false,
  racesRequests: false,
  cancelsRaceLosers: false,
  healthStates: false,
  inactivityTimeout: false,
  cancelsUpstream: false,
  discovery: false,
  kvAffinity: false,
  streams: false,
  openaiApi: false,
};

export const TRAIT_NAMES = Object.keys(CONSERVATIVE_TRAITS) as Array<keyof Traits>;

export const PLACEHOLDERS = {
  '{port}': 'the port it must listen on',
  '{host}': 'the address to listen on (127.0.0.1)',
  '{timeout_ms}': "the scenario's inactivity timeout in ms",
  '{timeout_s}': 'the same in whole seconds (rounded up)',
  '{workdir}': "the scenario's temp directory",
  '{backends}': 'every backend URL, comma-separated',
  '{servers:TEXT}': 'TEXT once per backend, with {url}, {hostport}, {index} inside',
};

/**
 * Expands the template for one launch and splits it into argv (quotes group words). `extra`:
 * more placeholders (a hub's timings); `flag`: the flag errors name.
 */
export function expandTemplate(template: string, ctx: LaunchContext, extra: Record<string, string> = {}, flag = '--lb-cmd'): string[] {
  const simple: Record<string, string> = {
    port: String(ctx.port),
    host: '127.0.0.1',
    timeout_ms: String(ctx.timeoutMs),
    timeout_s: String(wholeSeconds(ctx.timeoutMs)),
    workdir: ctx.workDir,
    backends: ctx.backends.join(','),
    ...extra,
  };
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, open);
    const close = matchingBrace(template, open);
    const body = template.slice(open + 1, close);
    if (body.startsWith('servers:')) {
      const inner = body.slice('servers:'.length);
      out += ctx.backends.map((url, index) => expandServer(inner, url, index)).join(' ');
    } else if (Object.hasOwn(simple, body)) {
      out += simple[body];
    } else {
      const allowed = flag === '--lb-cmd' ? Object.keys(PLACEHOLDERS) : Object.keys(simple).map((k) => `{${k}}`);
      throw new UsageError(`${flag}: unknown placeholder {${body}}; allowed: ${allowed.join(', ')}`);
    }
    i = close + 1;
  }
  return splitWords(out);
}

function expandServer(inner: string, url: string, index: number): string {
  const values: Record<string, string> = { url, hostport: new URL(url).host, index: String(index) };
  return inner.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(values, name)) throw new UsageError(`--lb-cmd: unknown placeholder ${whole} inside {servers:...}; allowed: {url}, {hostport}, {index}`);
    return values[name];
  });
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === '{') depth++;
    if (text[j] === '}' && --depth === 0) return j;
  }
  throw new UsageError(`--lb-cmd: unclosed '{' at position ${open} in: ${text}`);
}

/** Shell-like word splitting: whitespace separates, '...' and "..." group, backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new UsageError(`--lb-cmd: unclosed ${quote} quote`);
  if (word !== null) words.push(word);
  return words;
}

/** Traits from `--traits FILE` then `--trait name=value` (which win), over the conservative defaults. */
export function parseTraits(pairs: readonly string[], file?: string): Traits {
  const traits: Traits = { ...CONSERVATIVE_TRAITS };
  if (file !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`--traits ${file}: ${(err as Error).message}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`--traits ${file}: must be a JSON object of trait: value`);
    for (const [name, value] of Object.entries(json)) setTrait(traits, name, String(value), `--traits ${file}`);
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new UsageError(`--trait ${pair}: expected name=value, e.g. --trait streams=true`);
    setTrait(traits, pair.slice(0, eq).trim(), pair.slice(eq + 1).trim(), `--trait ${pair}`);
  }
  return traits;
}

function setTrait(traits: Traits, name: string, value: string, where: string): void {
  if (!(TRAIT_NAMES as string[]).includes(name)) throw new UsageError(`${where}: unknown trait '${name}'; traits: ${TRAIT_NAMES.join(', ')}`);
  if (name === 'whenAllBusy') {
    if (value !== 'reject' && value !== 'queue') throw new UsageError(`${where}: whenAllBusy must be 'reject' or 'queue'`);
    traits.whenAllBusy = value;
    return;
  }
  const bool = ({ true: true, yes: true, '1': true, false: false, no: false, '0': false } as Record<string, boolean>)[value.toLowerCase()];
  if (bool === undefined) throw new UsageError(`${where}: ${name} must be true or false`);
  (traits as unknown as Record<string, boolean>)[name] = bool;
}

/** Null when the template's program can run; otherwise why not (an error: the user's command is wrong). */
function commandUnavailable(template: string, flag: string, what: string): string | null {
  const file = splitWords(template)[0];
  if (file === undefined) return `${flag} is empty`;
  if (file.includes('{')) return null; // a placeholder: checked when it runs
  const missing = file.includes('/') ? notExecutable(file) : findCommand(file) ? null : `${file} is not on PATH`;
  return missing === null ? null : `${flag}: ${missing}; give the path of the ${what}'s executable`;
}

export function customTarget(template: string, traits: Traits): Target {
  if (!/\{port\}/.test(template)) throw new UsageError('--lb-cmd must contain {port}: the runner gives every scenario its own free port');
  return {
    name: 'custom',
    description: `--lb-cmd ${template}`,
    traits,
    whenUnavailable: 'error',
    async unavailable() {
      return commandUnavailable(template, '--lb-cmd', 'load balancer');
    },
    async launch(ctx) {
      const [file, ...args] = expandTemplate(template, ctx);
      if (file === undefined) throw new UsageError('--lb-cmd is empty');
      return { file, args, cwd: process.cwd() };
    },
  };
}

export const HUB_PLACEHOLDERS = {
  '{port}': 'the port it must listen on',
  '{host}': 'the address to listen on (127.0.0.1)',
  '{timeout_ms}': 'how long a node may stay silent on a job, in ms (NODE_REQUEST_TIMEOUT)',
  '{timeout_s}': 'the same in whole seconds (rounded up)',
  '{ttl_ms}': 'a node without a heartbeat for this long is offline (HEARTBEAT_TTL_SECONDS)',
  '{ttl_s}': 'the same in whole seconds (rounded up)',
  '{remove_ms}': 'a node without a heartbeat for this long is removed (HEARTBEAT_OFFLINE_SECONDS)',
  '{remove_s}': 'the same in whole seconds (rounded up)',
  '{max_failures}': 'consecutive failed jobs that make a node degraded (NODE_MAX_FAILURES)',
  '{queue_limit}': 'jobs that may wait for a node (hubs that queue)',
  '{workdir}': "the scenario's temp directory",
};

const DEFAULT_REGISTER_URL = 'http://127.0.0.1:{port}';

/** A hub started from a template; its node agents get `registerUrl` ({port} expanded) as hub_url. */
export function customHubTarget(template: string, registerUrl = DEFAULT_REGISTER_URL, jobsPath = '/jobs'): Target {
  if (!/\{port\}/.test(template)) throw new UsageError('--hub-cmd must contain {port}: the runner gives every scenario its own free port');
  if (!jobsPath.startsWith('/')) throw new UsageError(`--hub-jobs-path must be a path such as /jobs, got ${JSON.stringify(jobsPath)}`);
  const url = (port: number) => registerUrl.replaceAll('{port}', String(port));
  try {
    new URL(url(1));
  } catch {
    throw new UsageError(`--hub-register-url must be a URL such as ${DEFAULT_REGISTER_URL}, got ${JSON.stringify(registerUrl)}`);
  }
  return {
    name: 'custom',
    description: `--hub-cmd ${template}`,
    traits: CONSERVATIVE_TRAITS,
    whenUnavailable: 'error',
    hub: { registerUrl: url, jobsPath },
    async unavailable() {
      return commandUnavailable(template, '--hub-cmd', 'hub');
    },
    async launch(ctx) {
      const h = ctx.hub!;
      const extra = {
        ttl_ms: String(h.ttlMs), ttl_s: String(wholeSeconds(h.ttlMs)), remove_ms: String(h.removeMs), remove_s: String(wholeSeconds(h.removeMs)),
        max_failures: String(h.maxFailures), queue_limit: String(h.queueLimit),
      };
      const [file, ...args] = expandTemplate(template, ctx, extra, '--hub-cmd');
      if (file === undefined) throw new UsageError('--hub-cmd is empty');
      return { file, args, cwd: process.cwd() };
    },
  };
}

function customHubFromOptions(o: TargetOptions): Target {
  if (o.lbCmd !== undefined) throw new UsageError('give --lb-cmd (a load balancer) or --hub-cmd (a hub), not both');
  if (o.traitPairs?.length || o.traitsFile !== undefined) throw new UsageError('--trait and --traits describe a load balancer (--lb-cmd); a hub is judged by the hub scenarios, which need no traits');
  return customHubTarget(o.hubCmd!, o.hubRegisterUrl, o.hubJobsPath);
}

export const customFactory: TargetFactory = {
  name: 'custom',
  takes: {
    options: ['lbCmd', 'traitPairs', 'traitsFile', 'hubCmd', 'hubRegisterUrl', 'hubJobsPath'],
    flags: ['--lb-cmd', '--trait', '--traits', '--hub-cmd', '--hub-register-url', '--hub-jobs-path'],
  },
  create(o) {
    if (o.hubCmd !== undefined) return customHubFromOptions(o);
    if (o.hubRegisterUrl !== undefined || o.hubJobsPath !== undefined) throw new UsageError('--hub-register-url and --hub-jobs-path describe a hub: give --hub-cmd "TEMPLATE" too');
    if (o.lbCmd === undefined) throw new UsageError('--target custom needs --lb-cmd "TEMPLATE", e.g. --lb-cmd "mylb --port {port} {servers:--backend {url}}" (or --hub-cmd for a hub)');
    return customTarget(o.lbCmd, parseTraits(o.traitPairs ?? [], o.traitsFile));
  },
};
