// Every cut of this folder.
import fin from './fin.js';
import inBandError from './in-band-error.js';
import malformedFraming from './malformed-framing.js';
import malformedJson from './malformed-json.js';
import reset from './reset.js';
import stall from './stall.js';
import truncate from './truncate.js';

export const CUTS = [fin, reset, stall, inBandError, truncate, malformedJson, malformedFraming] as const;
