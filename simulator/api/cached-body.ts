// Response bodies built from state that rarely changes (the model list, the version), kept with
// their SHA-256 while the state they were built from is the same. The state is compared by
// identity, part by part, at every request, so no code that changes it has to invalidate anything:
// a pulled, deleted or replaced model is a different Map entry, a new version a different string.
import { hash } from 'node:crypto';

export interface CachedBody {
  body: Buffer;
  sha256: string;
}

interface Entry extends CachedBody {
  parts: readonly unknown[];
}

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class BodyCache {
  private readonly entries = new WeakMap<object, Entry>();

  /** The body `build` makes from `parts` for `owner` (a server), built again only when a part changed. */
  get(owner: object, parts: readonly unknown[], build: () => string): CachedBody {
    const hit = this.entries.get(owner);
    if (hit !== undefined && same(hit.parts, parts)) return hit;
    const body = Buffer.from(build());
    const entry = { parts, body, sha256: hash('sha256', body, 'hex') };
    this.entries.set(owner, entry);
    return entry;
  }
}
