// tokenize() takes an ASCII-only regex for ASCII text (generated replies): it must split any ASCII
// text exactly as the Unicode regex does. Text ending in a non-ASCII symbol takes the Unicode path,
// and the symbol is a token of its own, so both paths can be compared on the same ASCII prefix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rngFromSeed } from '../../simulator/engine/random.js';
import { tokenize } from '../../simulator/engine/tokenizer.js';

test('ASCII text: the same tokens as the Unicode path, on every ASCII character', () => {
  const rng = rngFromSeed(42);
  for (let n = 0; n < 2000; n++) {
    let text = '';
    const length = 1 + Math.floor(rng() * 40);
    for (let i = 0; i < length; i++) text += String.fromCharCode(Math.floor(rng() * 128));
    text += 'x'; // not whitespace: the arrow below cannot take leading spaces from it
    assert.equal([...tokenize(text), '\u2192'], tokenize(text + '\u2192'), JSON.stringify(text));
  }
});

test('tokens join back to the text, on both paths', () => {
  for (const text of ['Hello, world!  Two\n\nlines_9', 'Grüße, 世界 — ok', '\t\v\f\r x']) assert.is(tokenize(text).join(''), text);
});

test.run();
