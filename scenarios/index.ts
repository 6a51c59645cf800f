// The scenarios the runner loads (it reads SCENARIOS from DIR/index.ts): one per file in this
// folder, listed in all.ts by `npm run registries`.
export { SCENARIOS } from './all.js';
