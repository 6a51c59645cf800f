// The targets the runner knows, by name, and the checks of the flags that only some accept.
import { DEFECT_NAMES } from '../../examples/reference-lb/defects.js';
import type { Target } from '../types.js';
import { customTarget, parseTraits, UsageError } from './custom.js';
import { haproxyTarget } from './haproxy.js';
import { nginxTarget } from './nginx.js';
import { ollamaLoadBalancerTarget } from './ollama-load-balancer.js';
import { ollamaLoadBalancerF3Target } from './ollama-load-balancer-f3.js';
import { REFERENCE_RACE_SIZE, referenceTarget } from './reference.js';

export { UsageError } from './custom.js';

export const TARGET_NAMES = ['reference', 'reference-race', 'ollama-load-balancer', 'ollama-load-balancer-f3', 'nginx', 'haproxy', 'custom'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface TargetOptions {
  target?: string;
  /** reference and reference-race only: --defect NAME (repeatable). */
  defects?: readonly string[];
  /** custom only. */
  lbCmd?: string;
  traitPairs?: readonly string[];
  traitsFile?: string;
}

/** The target for the options; throws UsageError naming the flag and the allowed values. */
export function resolveTarget(o: TargetOptions): Target {
  const name = o.target ?? (o.lbCmd !== undefined ? 'custom' : 'reference');
  if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new UsageError(`--target ${name}: unknown target; targets: ${TARGET_NAMES.join(', ')}`);
  const defects = o.defects ?? [];
  if (defects.length > 0 && name !== 'reference' && name !== 'reference-race') {
    throw new UsageError(`--defect applies only to --target reference and reference-race (got --target ${name})`);
  }
  const unknown = defects.filter((d) => !(DEFECT_NAMES as readonly string[]).includes(d));
  if (unknown.length > 0) throw new UsageError(`--defect ${unknown.join(', ')}: unknown; defects: ${DEFECT_NAMES.join(', ')}`);
  const racing = defects.filter((d) => d.startsWith('race-'));
  if (racing.length > 0 && name !== 'reference-race') throw new UsageError(`--defect ${racing.join(', ')}: a racing defect; use --target reference-race`);
  if (name !== 'custom' && (o.lbCmd !== undefined || (o.traitPairs?.length ?? 0) > 0 || o.traitsFile !== undefined)) {
    throw new UsageError(`--lb-cmd, --trait and --traits apply only to --target custom (got --target ${name})`);
  }
  switch (name as TargetName) {
    case 'reference':
      return referenceTarget(defects);
    case 'reference-race':
      return referenceTarget(defects, REFERENCE_RACE_SIZE);
    case 'ollama-load-balancer':
      return ollamaLoadBalancerTarget;
    case 'ollama-load-balancer-f3':
      return ollamaLoadBalancerF3Target;
    case 'nginx':
      return nginxTarget;
    case 'haproxy':
      return haproxyTarget;
    case 'custom':
      if (o.lbCmd === undefined) throw new UsageError('--target custom needs --lb-cmd "TEMPLATE", e.g. --lb-cmd "mylb --port {port} {servers:--backend {url}}"');
      return customTarget(o.lbCmd, parseTraits(o.traitPairs ?? [], o.traitsFile));
  }
}
