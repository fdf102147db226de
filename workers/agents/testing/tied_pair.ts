// The synthetic tied pair the statistical-arbitrage tests trade (test set-up, not engine code):
// BBB = AAA/2 · e^{u}, u an AR(1) noise of a few bps, quoted on venue X against USDT, and the
// stat-arb settings that fit it on a 1 s grid.
import type { AgentConfig } from '../config.ts';
import { kSecUs, price } from '../../../fixtures/events.ts';

/** Stat-arb settings for the tied pair (exitZ 0.5, maxHalfLifeS 5). */
export function tiedPairConfig(c: AgentConfig): void {
  c.fees.defaultTaker = 0.001;
  c.arbitrage.maxQuoteAgeUs = 2 * kSecUs;
  const s = c.arbitrage.statArb;
  s.sampleUs = kSecUs; s.windowSamples = 80; s.refitUs = 5 * kSecUs; s.maxRefitsPerCycle = 1;
  s.entryZ = 3; s.exitZ = 0.5; s.maxDfStat = -5.5; s.maxHalfLifeS = 5; s.minR2 = 0.6; s.maxSpreadSdBps = 8;
  s.maxLegUsd = 250_000; s.minProfitUsd = 10;
}

/** Mids at step k: AAA wanders ±20 bps; BBB = AAA/2 · e^{u}, u = 0.3·u₋₁ + shock (≤ 2 bps). */
export function tiedPairPath(steps: number): { a: number[]; b: number[] } {
  const a: number[] = [], b: number[] = [];
  let u = 0, x = 12345;
  for (let k = 0; k < steps; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    u = 0.3 * u + ((x / 4294967296) * 2 - 1) * 2e-4;
    const la = Math.log(100) + 0.002 * Math.sin(k / 6) + 0.001 * Math.sin(k / 2.3);
    a.push(Math.exp(la));
    b.push(Math.exp(la - Math.log(2) + u));
  }
  return { a, b };
}

/** A quote of `base`/USDT on venue X, ±1 bp around `mid`, `size` on each side. */
export const tiedPairQuote = (ts: number, base: string, mid: number, size: number): object =>
  price(ts, 'X', base, 'USDT', mid * (1 - 1e-4), mid * (1 + 1e-4), size, size);
