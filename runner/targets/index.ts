// The targets the runner knows, by name: every Target or TargetFactory the files of this folder
// export (listed in all.ts by `npm run registries`), in that list's order. Flags that only some
// targets take are refused with any other.
import type { Target, TargetFactory, TargetOptions } from '../types.js';
import { TARGET_MODULES } from './all.js';
import { UsageError } from './custom.js';

export { UsageError } from './custom.js';
export type { TargetOptions } from '../types.js';

function isTarget(v: unknown): v is Target {
  const t = v as Partial<Target> | null;
  return typeof t === 'object' && t !== null && typeof t.name === 'string' && typeof t.traits === 'object' && typeof t.launch === 'function';
}

function isFactory(v: unknown): v is TargetFactory {
  const f = v as Partial<TargetFactory> | null;
  return typeof f === 'object' && f !== null && typeof f.name === 'string' && typeof f.create === 'function' && typeof f.takes === 'object';
}

const FIXED: TargetFactory['takes'] = { options: [], flags: [] };

function targetsOf(module: Record<string, unknown>): TargetFactory[] {
  return Object.values(module).flatMap((v) => (isFactory(v) ? [v] : isTarget(v) ? [{ name: v.name, takes: FIXED, create: () => v }] : []));
}

function byName(targets: TargetFactory[]): Map<string, TargetFactory> {
  const map = new Map<string, TargetFactory>();
  for (const t of targets) {
    if (map.has(t.name)) throw new Error(`runner/targets: two targets are named '${t.name}'`);
    map.set(t.name, t);
  }
  return map;
}

const TARGETS: ReadonlyMap<string, TargetFactory> = byName(TARGET_MODULES.flatMap(targetsOf));

export const TARGET_NAMES: readonly string[] = [...TARGETS.keys()];

const given = (v: string | readonly string[] | undefined): boolean => (Array.isArray(v) ? v.length > 0 : v !== undefined);

function joinFlags(flags: readonly string[]): string {
  return flags.length > 1 ? `${flags.slice(0, -1).join(', ')} and ${flags[flags.length - 1]} apply` : `${flags[0]} applies`;
}

/** The target for the options; throws UsageError naming the flag and the allowed values. */
export function resolveTarget(o: TargetOptions): Target {
  const name = o.target ?? (o.lbCmd !== undefined || o.hubCmd !== undefined ? 'custom' : 'reference');
  const chosen = TARGETS.get(name);
  if (!chosen) throw new UsageError(`--target ${name}: unknown target; targets: ${TARGET_NAMES.join(', ')}`);
  for (const other of TARGETS.values()) {
    const refused = other.takes.options.filter((option) => given(o[option]) && !chosen.takes.options.includes(option));
    if (other !== chosen && refused.length > 0) {
      const takers = [...TARGETS.values()].filter((t) => refused.every((option) => t.takes.options.includes(option))).map((t) => t.name);
      throw new UsageError(`${joinFlags(other.takes.flags)} only to --target ${takers.join(' or ')} (got --target ${name})`);
    }
  }
  return chosen.create(o);
}
