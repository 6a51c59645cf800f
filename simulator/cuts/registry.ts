// Every cut by name, and the Cut a behavior asks for: which one, where it fires, its parameters.
// A behavior names a cut (`action`); the response writer looks it up here.
import { CUTS } from './all.js';
import type { CutDefinition } from './types.js';

type Definition = (typeof CUTS)[number];

/** A cut's name: its file in this folder declares it; the journal records it as the fault. */
export type CutName = Definition['name'];

type ParamsOf<D> = D extends CutDefinition<string, infer P> ? P : never;

/** Where a cut fires. Neither count: at once, before any response (a behavior effect of kind 'cut'). */
export interface CutPosition {
  /** After this many chunks of a stream; in a non-streamed response, instead of its body. */
  afterTokens?: number;
  /** After this many body bytes, for socket cuts (a body cut there only ends the connection). */
  afterBytes?: number;
  /** Send the status line and headers before anything else, even with zero chunks. */
  flushHeaders?: boolean;
}

export type Cut = { [N in CutName]: CutPosition & { action: N } & ParamsOf<Extract<Definition, { name: N }>> }[CutName];

const BY_NAME: ReadonlyMap<string, CutDefinition> = new Map(CUTS.map((c) => [c.name, c]));

export const CUT_NAMES: readonly CutName[] = CUTS.map((c) => c.name);

export function cutDefinition(name: CutName): CutDefinition {
  return BY_NAME.get(name)!;
}

/** Whether a non-streamed response is generated to the end before this cut takes its body. */
export function cutsCompleteBody(cut: Cut): boolean {
  const def = cutDefinition(cut.action);
  return def.layer === 'body' && def.wholeBody === 'complete';
}
