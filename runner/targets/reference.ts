// The reference load balancer in examples/reference-lb: the default target and the runner's
// self-test. `--defect NAME` switches on one of its bugs (mutation testing of the scenario pack).
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFECT_NAMES } from '../../examples/reference-lb/defects.js';
import type { Target, TargetFactory } from '../types.js';
import { UsageError } from './custom.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'examples/reference-lb/main.ts');
const DISCOVERY_WAIT_MS = 5000;

const backendsFile = (workDir: string) => join(workDir, 'backends.txt');

export function referenceTarget(defects: readonly string[] = []): Target {
  return {
    name: 'reference',
    description: `examples/reference-lb${defects.length ? ` with --defect ${defects.join(', ')}` : ''}`,
    traits: {
      retriesBeforeFirstByte: true,
      whenAllBusy: 'queue',
      modelAware: true,
      aggregatesTags: true,
      racesRequests: false,
      healthStates: true,
      inactivityTimeout: true,
      cancelsUpstream: true,
      discovery: true,
      kvAffinity: true,
      streams: true,
      openaiApi: true,
    },
    readyLine: /^listening on http:\/\//,
    async unavailable() {
      return null;
    },
    async launch(ctx) {
      // Always with a backends file, so addBackend can append to it (discovery).
      await writeFile(backendsFile(ctx.workDir), ctx.backends.map((u) => `${u}\n`).join(''));
      return {
        file: process.execPath,
        args: [
          '--import', 'tsx', MAIN,
          '--port', String(ctx.port),
          '--timeout-ms', String(ctx.timeoutMs),
          '--backends-file', backendsFile(ctx.workDir),
          ...ctx.backends.flatMap((u) => ['--backend', u]),
          ...defects.flatMap((d) => ['--defect', d]),
        ],
        cwd: ROOT,
      };
    },
    async addBackend(ctx, url) {
      await appendFile(backendsFile(ctx.workDir), `${url}\n`);
      // The balancer polls the file; wait until it says it took the backend (unless a defect stops it).
      if (ctx.waitForOutput && !defects.includes('no-discovery')) {
        await ctx.waitForOutput(new RegExp(`backend ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} added`), DISCOVERY_WAIT_MS);
      }
    },
  };
}

export const referenceFactory: TargetFactory = {
  name: 'reference',
  takes: { options: ['defects'], flags: ['--defect'] },
  create({ defects = [] }) {
    const unknown = defects.filter((d) => !(DEFECT_NAMES as readonly string[]).includes(d));
    if (unknown.length > 0) throw new UsageError(`--defect ${unknown.join(', ')}: unknown; defects: ${DEFECT_NAMES.join(', ')}`);
    return referenceTarget(defects);
  },
};
