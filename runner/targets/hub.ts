// The reference hub in examples/reference-hub: the runner's hub target and the self-test of the
// hub scenarios. `--defect NAME` switches on one of its bugs (mutation testing of those scenarios).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFECT_NAMES } from '../../examples/reference-hub/defects.js';
import type { Target, TargetFactory } from '../types.js';
import { CONSERVATIVE_TRAITS, UsageError } from './custom.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'examples/reference-hub/main.ts');

export function hubTarget(defects: readonly string[] = []): Target {
  return {
    name: 'hub',
    description: `examples/reference-hub${defects.length ? ` with --defect ${defects.join(', ')}` : ''}`,
    traits: CONSERVATIVE_TRAITS, // load-balancer traits: no load-balancer scenario judges a hub
    hub: { registerUrl: (port) => `http://127.0.0.1:${port}`, jobsPath: '/jobs' },
    readyLine: /^listening on http:\/\//,
    async unavailable() {
      return null;
    },
    async launch(ctx) {
      const h = ctx.hub!;
      return {
        file: process.execPath,
        args: [
          '--import', 'tsx', MAIN,
          '--port', String(ctx.port),
          '--ttl-ms', String(h.ttlMs),
          '--remove-ms', String(h.removeMs),
          '--max-failures', String(h.maxFailures),
          '--max-queue', String(h.queueLimit),
          '--node-timeout-ms', String(ctx.timeoutMs),
          ...defects.flatMap((d) => ['--defect', d]),
        ],
        cwd: ROOT,
      };
    },
  };
}

export const hubFactory: TargetFactory = {
  name: 'hub',
  takes: { options: ['defects'], flags: ['--defect'] },
  create({ defects = [] }) {
    const unknown = defects.filter((d) => !(DEFECT_NAMES as readonly string[]).includes(d));
    if (unknown.length > 0) throw new UsageError(`--defect ${unknown.join(', ')}: unknown for --target hub; defects: ${DEFECT_NAMES.join(', ')}`);
    return hubTarget(defects);
  },
};
