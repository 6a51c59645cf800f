// Finds import cycles among the project's TypeScript files: every `import`, `import type`,
// `export ... from` and `import()` with a relative specifier counts (a type-only cycle is still two
// files that cannot be understood one without the other). test/architecture/import-cycles.test.ts
// runs it over the whole source tree; from the command line:
//
//   npx tsx scripts/import-cycles.ts [DIR ...]     (default: every source folder; exit 1 on a cycle)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SOURCE_DIRS = ['simulator', 'runner', 'scenarios', 'examples', 'scripts', 'bench', 'test'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The project files a file imports (relative specifiers; `./x.js` is `./x.ts` in the source). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
    .filter((path) => existsSync(path));
}

/** Strongly connected components of two or more files, or a file importing itself (Tarjan). */
function stronglyConnected(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** One concrete loop through a component, from its first file (alphabetically) back to it. */
function loopThrough(component: string[], graph: Map<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v)!) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

export interface ImportCycle {
  /** Every file of the tangle, relative to the root. */
  files: string[];
  /** One loop through it: a -> b -> ... -> a. */
  loop: string[];
}

/** Import cycles among the .ts files under `dirs` (relative to `root`). */
export function findImportCycles(root = ROOT, dirs = SOURCE_DIRS): ImportCycle[] {
  const files = dirs.map((d) => join(root, d)).filter((d) => existsSync(d)).flatMap(tsFiles);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const rel = (f: string) => relative(root, f);
  return stronglyConnected(graph).map((component) => ({
    files: component.map(rel).sort(),
    loop: loopThrough(component, graph).map(rel),
  }));
}

export function describeCycles(cycles: ImportCycle[]): string {
  return cycles.map((c) => `${c.files.length} files import each other, e.g. ${c.loop.join(' -> ')}\n  ${c.files.join('\n  ')}`).join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dirs = process.argv.slice(2);
  const cycles = findImportCycles(ROOT, dirs.length ? dirs : SOURCE_DIRS);
  console.log(cycles.length ? describeCycles(cycles) : 'no import cycles');
  process.exit(cycles.length ? 1 : 0);
}
