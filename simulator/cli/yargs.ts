// yargs for the command-line entry points. Loaded through require on purpose: yargs' ESM build
// pairs it with cliui's ESM build, which wraps help text at a fixed column in the middle of words
// ("chan" / "ges"); the CommonJS build wraps at word boundaries (wrap-ansi).
import { createRequire } from 'node:module';
import type yargsType from 'yargs';

export const yargs: typeof yargsType = createRequire(import.meta.url)('yargs');
export { hideBin } from 'yargs/helpers';
