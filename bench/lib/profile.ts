// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function and per file, so the
// bench can say where the simulator spends its time under load.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Hotspot {
  name: string;
  selfMs: number;
  percent: number;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

/** Self time by function and by file (package for node_modules), biggest first; idle excluded. */
export function summarizeProfile(path: string, top = 20): { busyMs: number; totalMs: number; functions: Hotspot[]; files: Hotspot[] } {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    busy += ms;
    const where = shortUrl(url);
    const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const fileKey = where.startsWith('(') ? `${functionName}` : where.split('/').slice(0, where.includes('dist/') ? 99 : 1).join('/');
    file.set(fileKey, (file.get(fileKey) ?? 0) + ms);
  }
  const rank = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, selfMs: Math.round(ms), percent: Math.round((1000 * ms) / busy) / 10 }));
  return { busyMs: Math.round(busy), totalMs: Math.round((prof.endTime - prof.startTime) / 1000), functions: rank(fn), files: rank(file) };
}
