// usdText gives the text toLocaleString('en-US') gives, for every magnitude and sign.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { usdText } from './usd_text.ts';

test('the same text as Math.round(x).toLocaleString("en-US") behind a $', () => {
  const xs = [0, -0, 0.4, 0.5, -0.5, 1, 7, 999, 999.5, 1000, 1001, 1010, 1100, 12_345, 100_000, 1_000_000, 1_000_001,
    -1, -999, -1000, -1_234_567.89, 1_234_567.5, 9_007_199_254_740_991, 123_456_789_012];
  let s = 12345;
  for (let i = 0; i < 2000; i++) { // and random magnitudes from 1e-2 to 1e12, both signs
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const m = Math.pow(10, (s / 4294967296) * 14 - 2);
    xs.push((s & 1) === 1 ? m : -m);
  }
  for (const x of xs) assert.is(usdText(x), `$${Math.round(x).toLocaleString('en-US')}`, `x = ${x}`);
  assert.is(usdText(NaN), '$NaN');
  assert.is(usdText(Infinity), '$∞');
});

test.run();
