// Finding the scenarios: `SCENARIOS` from DIR/index.ts when it exists, otherwise the default export
// of every DIR/*.ts but index.ts. Then the --filter: scenario names or tags.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kindMismatch } from './hub.js';
import { UsageError } from './targets/custom.js';
import type { Scenario, Target } from './types.js';

export const DEFAULT_SCENARIOS_DIR = fileURLToPath(new URL('../scenarios', import.meta.url));

export async function loadScenarios(dir = DEFAULT_SCENARIOS_DIR): Promise<Scenario[]> {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new UsageError(`--scenarios-dir ${dir}: no such directory`);
  const index = join(abs, 'index.ts');
  let scenarios: unknown[];
  if (existsSync(index)) {
    const mod = (await import(pathToFileURL(index).href)) as { SCENARIOS?: unknown };
    if (!Array.isArray(mod.SCENARIOS)) throw new UsageError(`${index} must export SCENARIOS, an array of scenarios`);
    scenarios = mod.SCENARIOS;
  } else {
    const files = readdirSync(abs).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'index.ts').sort();
    scenarios = [];
    for (const f of files) {
      const mod = (await import(pathToFileURL(join(abs, f)).href)) as { default?: unknown };
      checkScenario(mod.default, join(abs, f));
      scenarios.push(mod.default);
    }
  }
  scenarios.forEach((s, i) => checkScenario(s, `${index} SCENARIOS[${i}]`));
  return checkUnique(scenarios as Scenario[]);
}

function checkScenario(s: unknown, where: string): asserts s is Scenario {
  const o = s as Partial<Scenario> | undefined;
  if (typeof o !== 'object' || o === null || typeof o.name !== 'string' || typeof o.run !== 'function' || !Array.isArray(o.tags)) {
    throw new UsageError(`${where}: the default export must be a Scenario ({ name, description, tags, run })`);
  }
}

export function checkUnique(scenarios: Scenario[]): Scenario[] {
  const seen = new Set<string>();
  for (const s of scenarios) {
    if (seen.has(s.name)) throw new UsageError(`two scenarios are named '${s.name}'`);
    seen.add(s.name);
  }
  return scenarios;
}

/** Scenarios whose name or one of whose tags is among the words (commas split words too). */
export function filterScenarios(all: Scenario[], filter: readonly string[] = []): Scenario[] {
  const words = filter.flatMap((f) => f.split(',')).map((w) => w.trim()).filter(Boolean);
  if (words.length === 0) return all;
  const matches = (s: Scenario, w: string) => s.name === w || s.tags.includes(w);
  const unknown = words.filter((w) => !all.some((s) => matches(s, w)));
  if (unknown.length > 0) {
    const tags = [...new Set(all.flatMap((s) => s.tags))].sort();
    throw new UsageError(`--filter ${unknown.join(', ')}: no scenario has that name or tag; names: ${all.map((s) => s.name).join(', ') || '(none)'}; tags: ${tags.join(', ') || '(none)'}`);
  }
  return all.filter((s) => words.some((w) => matches(s, w)));
}

/** Why the target cannot judge the scenario (another kind of target, or a trait it lacks), or null. */
export function skipReason(scenario: Scenario, target: Target): string | null {
  return kindMismatch(scenario, target) ?? scenario.needs?.(target.traits) ?? null;
}
