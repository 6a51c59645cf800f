// The reference load balancer in examples/reference-lb: the default target and the runner's
// self-test. `--defect NAME` switches on one of its bugs (mutation testing of the scenario pack).
// `reference-race` is the same balancer with `--race 3`: every streamed generation request races on three
// backends (as many as most scenario fleets have), the first token wins, the losers are cancelled.
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFECT_NAMES } from '../../examples/reference-lb/defects.js';
import type { Target, TargetFactory } from '../types.js';
import { UsageError } from './custom.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'examples/reference-lb/main.ts');
const DISCOVERY_WAIT_MS = 5000;

/** Racers per request of the reference-race target. */
export const REFERENCE_RACE_SIZE = 3;

const backendsFile = (workDir: string) => join(workDir, 'backends.txt');

/** `race`: racers per generation request (--race N), or 0 for the plain reference balancer. */
export function referenceTarget(defects: readonly string[] = [], race = 0): Target {
  const flags = [...(race >= 2 ? [`--race ${race}`] : []), ...defects.map((d) => `--defect ${d}`)];
  return {
    name: race >= 2 ? 'reference-race' : 'reference',
    description: `examples/reference-lb${flags.length ? ` with ${flags.join(' ')}` : ''}`,
    traits: {
      retriesBeforeFirstByte: true, // a race in which nobody sends a token is retried on untried backends
      whenAllBusy: 'queue',
      modelAware: true,
      aggregatesTags: true,
      racesRequests: race >= 2,
      cancelsRaceLosers: race >= 2,
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
          ...(race >= 2 ? ['--race', String(race)] : []),
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

/** The --defect values, checked: a racing defect (race-*) only with the racing balancer. */
function checkedDefects(defects: readonly string[], race: number): readonly string[] {
  const unknown = defects.filter((d) => !(DEFECT_NAMES as readonly string[]).includes(d));
  if (unknown.length > 0) throw new UsageError(`--defect ${unknown.join(', ')}: unknown; defects: ${DEFECT_NAMES.join(', ')}`);
  const racing = defects.filter((d) => d.startsWith('race-'));
  if (racing.length > 0 && race < 2) throw new UsageError(`--defect ${racing.join(', ')}: a racing defect; use --target reference-race`);
  return defects;
}

export const referenceFactory: TargetFactory = {
  name: 'reference',
  takes: { options: ['defects'], flags: ['--defect'] },
  create: ({ defects = [] }) => referenceTarget(checkedDefects(defects, 0)),
};

export const referenceRaceFactory: TargetFactory = {
  name: 'reference-race',
  takes: { options: ['defects'], flags: ['--defect'] },
  create: ({ defects = [] }) => referenceTarget(checkedDefects(defects, REFERENCE_RACE_SIZE), REFERENCE_RACE_SIZE),
};
