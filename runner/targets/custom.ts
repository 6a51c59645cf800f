// Any other load balancer: a command template (`--lb-cmd`) and traits given on the command line
// (`--trait name=value`) or in a JSON file (`--traits FILE`). Unstated traits are the conservative
// choice (false, whenAllBusy "queue"), so scenarios that need more are skipped, not failed.
//
//   --lb-cmd "mylb --port {port} {servers:--backend {url}}"
import { readFileSync } from 'node:fs';
import { findCommand, notExecutable, wholeSeconds } from '../executables.js';
import type { LaunchContext, Target, TargetFactory, Traits } from '../types.js';

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

/** Expands the template for one launch and splits it into argv (quotes group words). */
export function expandTemplate(template: string, ctx: LaunchContext): string[] {
  const simple: Record<string, string> = {
    port: String(ctx.port),
    host: '127.0.0.1',
    timeout_ms: String(ctx.timeoutMs),
    timeout_s: String(wholeSeconds(ctx.timeoutMs)),
    workdir: ctx.workDir,
    backends: ctx.backends.join(','),
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
      throw new UsageError(`--lb-cmd: unknown placeholder {${body}}; allowed: ${Object.keys(PLACEHOLDERS).join(', ')}`);
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

export function customTarget(template: string, traits: Traits): Target {
  if (!/\{port\}/.test(template)) throw new UsageError('--lb-cmd must contain {port}: the runner gives every scenario its own free port');
  return {
    name: 'custom',
    description: `--lb-cmd ${template}`,
    traits,
    whenUnavailable: 'error',
    async unavailable() {
      const file = splitWords(template)[0];
      if (file === undefined) return '--lb-cmd is empty';
      if (file.includes('{')) return null; // a placeholder: checked when it runs
      const missing = file.includes('/') ? notExecutable(file) : findCommand(file) ? null : `${file} is not on PATH`;
      return missing === null ? null : `--lb-cmd: ${missing}; give the path of the load balancer's executable`;
    },
    async launch(ctx) {
      const [file, ...args] = expandTemplate(template, ctx);
      if (file === undefined) throw new UsageError('--lb-cmd is empty');
      return { file, args, cwd: process.cwd() };
    },
  };
}

export const customFactory: TargetFactory = {
  name: 'custom',
  takes: { options: ['lbCmd', 'traitPairs', 'traitsFile'], flags: ['--lb-cmd', '--trait', '--traits'] },
  create({ lbCmd, traitPairs = [], traitsFile }) {
    if (lbCmd === undefined) throw new UsageError('--target custom needs --lb-cmd "TEMPLATE", e.g. --lb-cmd "mylb --port {port} {servers:--backend {url}}"');
    return customTarget(lbCmd, parseTraits(traitPairs, traitsFile));
  },
};
