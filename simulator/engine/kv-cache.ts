// Per-server KV cache: one cached token sequence per parallel slot, as llama.cpp keeps one per slot.
// A prompt pays prompt-eval time only for the tokens after the longest cached prefix of the same
// model. After a request, its slot holds the prompt plus what was generated (even if the client
// left early: the runner evaluated those tokens).

interface Entry {
  model: string;
  tokens: string[];
  usedAt: number;
}

export class KvCache {
  private entries: Entry[] = [];
  private clock = 0;

  constructor(public capacity: number) {}

  private static commonPrefix(a: string[], b: string[]): number {
    const n = Math.min(a.length, b.length);
    let i = 0;
    while (i < n && a[i] === b[i]) i++;
    return i;
  }

  private best(model: string, prompt: string[]): { entry: Entry | null; length: number } {
    let entry: Entry | null = null;
    let length = 0;
    for (const e of this.entries) {
      if (e.model !== model) continue;
      const len = KvCache.commonPrefix(e.tokens, prompt);
      if (len > length) {
        entry = e;
        length = len;
      }
    }
    return { entry, length };
  }

  /** Number of leading prompt tokens already in the cache. */
  match(model: string, prompt: string[]): number {
    // The last prompt token is always evaluated, as llama.cpp does, so a full hit still produces logits.
    return Math.min(this.best(model, prompt).length, Math.max(0, prompt.length - 1));
  }

  store(model: string, tokens: string[]): void {
    const { entry } = this.best(model, tokens);
    const target = entry ?? (this.entries.length < this.capacity ? null : this.lru());
    if (target) {
      target.model = model;
      target.tokens = tokens;
      target.usedAt = ++this.clock;
    } else {
      this.entries.push({ model, tokens, usedAt: ++this.clock });
    }
  }

  private lru(): Entry {
    return this.entries.reduce((a, b) => (a.usedAt <= b.usedAt ? a : b));
  }

  clear(): void {
    this.entries = [];
  }

  snapshot(): Array<{ model: string; token_count: number; tokens: string[] }> {
    return [...this.entries]
      .sort((a, b) => b.usedAt - a.usedAt)
      .map((e) => ({ model: e.model, token_count: e.tokens.length, tokens: e.tokens }));
  }
}
